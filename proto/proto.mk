# Temporal proto subset: build fragment included by the top-level Makefile.
#
# The .proto files under proto/ are compiled by protoc-c into $(B)/proto
# (never committed) and archived as $(B)/libtnproto.a.  Users of the
# generated code compile with $(PROTO_CFLAGS), link with $(PROTO_LIBS) and
# make their objects wait for the generated headers with an order-only
# prerequisite on $(PROTO_GEN_STAMP).
#
#   make proto           generate and build $(B)/libtnproto.a
#   make test-proto      round trips and unknown fields (Check suite), the
#                        subset against upstream's .proto files from
#                        @temporalio/core-bridge (fetched once into
#                        build/upstream by tests/proto/fetch-upstream.sh)

PROTOC_C ?= protoc-c
PROTOBUF_C_CFLAGS := $(shell pkg-config --cflags libprotobuf-c 2>/dev/null)
PROTOBUF_C_LIBS := $(shell pkg-config --libs libprotobuf-c 2>/dev/null)
ifeq ($(PROTOBUF_C_LIBS),)
PROTOBUF_C_LIBS := -lprotobuf-c
endif

PROTO_SRC := $(sort $(shell find proto -name '*.proto' 2>/dev/null))
PROTO_GEN_DIR := $(B)/proto
PROTO_GEN_C := $(PROTO_SRC:proto/%.proto=$(PROTO_GEN_DIR)/%.pb-c.c)
PROTO_GEN_H := $(PROTO_SRC:proto/%.proto=$(PROTO_GEN_DIR)/%.pb-c.h)
PROTO_GEN_STAMP := $(PROTO_GEN_DIR)/.generated
PROTO_OBJ := $(PROTO_GEN_C:%.c=%.o)
LIBTNPROTO := $(B)/libtnproto.a

# Generated headers (#include "temporal/api/.../message.pb-c.h") and
# proto/tn_temporal_methods.h.
PROTO_CFLAGS := -I$(PROTO_GEN_DIR) -Iproto $(PROTOBUF_C_CFLAGS)
PROTO_LIBS := $(LIBTNPROTO) $(PROTOBUF_C_LIBS)

.PHONY: proto test-proto
proto: $(LIBTNPROTO)

# One protoc-c run generates every file; the stamp stands for all of them.
$(PROTO_GEN_STAMP): $(PROTO_SRC) proto/proto.mk
	@rm -rf $(PROTO_GEN_DIR)
	@mkdir -p $(PROTO_GEN_DIR)
	$(PROTOC_C) -Iproto --c_out=$(PROTO_GEN_DIR) $(PROTO_SRC)
	@touch $@

$(PROTO_GEN_C) $(PROTO_GEN_H): $(PROTO_GEN_STAMP) ;

# protoc-c's output casts away const in its descriptor tables; everything
# else in the project's warning set holds for it.
$(PROTO_GEN_DIR)/%.pb-c.o: $(PROTO_GEN_DIR)/%.pb-c.c | $(PROTO_GEN_STAMP)
	$(CC) $(CFLAGS_BASE) -Wno-cast-qual $(PROTO_CFLAGS) -c -o $@ $<

$(LIBTNPROTO): $(PROTO_OBJ)
	@rm -f $@
	ar rcs $@ $^

# ---------------------------------------------------------------- tests
PTEST_DIR := tests/proto
PTEST_CHECK := $(B)/tests/proto/check_proto
PTEST_RT := $(B)/tests/proto/pb-roundtrip

$(B)/tests/proto/%.o: $(PTEST_DIR)/%.c | $(PROTO_GEN_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -D_GNU_SOURCE $(PROTO_CFLAGS) $(CHECK_CFLAGS) \
	    -c -o $@ $<

$(PTEST_CHECK): $(B)/tests/proto/check_proto.o $(LIBTNPROTO)
	$(CC) $(LDFLAGS_BASE) -o $@ $< $(PROTO_LIBS) $(CHECK_LIBS)

$(PTEST_RT): $(B)/tests/proto/pb-roundtrip.o $(LIBTNPROTO)
	$(CC) $(LDFLAGS_BASE) -o $@ $< $(PROTO_LIBS)

test-proto: $(PTEST_CHECK) $(PTEST_RT)
	@PROTOC_C=$(PROTOC_C) CHECK_PROTO=$(PTEST_CHECK) \
	    PB_ROUNDTRIP=$(PTEST_RT) sh $(PTEST_DIR)/run.sh

TEST_RUNS += test-proto

.SECONDARY: $(B)/tests/proto/check_proto.o $(B)/tests/proto/pb-roundtrip.o

-include $(PROTO_OBJ:.o=.d) $(B)/tests/proto/check_proto.d \
    $(B)/tests/proto/pb-roundtrip.d
