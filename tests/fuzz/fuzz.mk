# libFuzzer targets: build fragment included by the top-level Makefile
# (after daemon/daemon.mk and proto/proto.mk).  See tests/fuzz/README.md.
#
#   make fuzz              each target for FUZZ_SECONDS (60), FUZZ_JOBS (2)
#                          at a time; summary table at the end
#   make fuzz-regress      every target over tests/fuzz/regress/<target>/
#                          (replay only, no fuzzing)
#   make fuzz-long         FUZZ_SECONDS (1800) per target, writes
#                          tests/fuzz/RESULTS.md
#   make test-fuzz-regress fuzz-regress when clang is there (make test)
#
# Everything is built with clang, ASan + UBSan and libFuzzer's coverage
# into build/fuzz, apart from the objects of the regular build.

FZ := build/fuzz
FZ_CC ?= clang
FZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FZ_CFLAGS := -std=c11 -g -O1 -fno-omit-frame-pointer -D_GNU_SOURCE \
	-fsanitize=fuzzer-no-link $(FZ_SAN) -MMD -MP
FZ_WARN := -Wall -Wextra -Werror -Wshadow -Wpointer-arith \
	-Wstrict-prototypes -Wmissing-prototypes -Wvla -Wconversion \
	-Wsign-conversion
FZ_INC := $(LIB_CFLAGS) $(JANSSON_CFLAGS) $(NGHTTP2_CFLAGS) $(SSL_CFLAGS) \
	-Ilib -Idaemon $(PROTO_CFLAGS)

FZ_LIB_TARGETS := args cbor chain codec constraint gzip srl warrant
FZ_DAEMON_TARGETS := config intercept
FZ_TARGETS := $(FZ_LIB_TARGETS) $(FZ_DAEMON_TARGETS) grpc_frame
FZ_BINS := $(FZ_TARGETS:%=$(FZ)/fuzz_%)
FZ_GEN := $(FZ)/gen_pb

FZ_LIB_OBJ := $(LIB_SRC:%.c=$(FZ)/obj/%.o)
FZ_DAEMON_OBJ := $(filter-out $(FZ)/obj/daemon/main.o, \
	$(DAEMON_SRC:%.c=$(FZ)/obj/%.o))
FZ_PROTO_OBJ := $(PROTO_GEN_C:$(PROTO_GEN_DIR)/%.c=$(FZ)/obj/proto/%.o)
FZ_DAEMON_LIBS := $(DAEMON_LIBS) $(PROTOBUF_C_LIBS) $(LIB_LIBS) -ldl

.PHONY: fuzz fuzz-bins fuzz-regress fuzz-long test-fuzz-regress
fuzz-bins: $(FZ_BINS) $(FZ_GEN)

$(FZ)/obj/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(FZ_CC) $(FZ_CFLAGS) $(FZ_INC) -c -o $@ $<

$(FZ)/obj/daemon/%.o: daemon/%.c | $(PROTO_GEN_STAMP)
	@mkdir -p $(@D)
	$(FZ_CC) $(FZ_CFLAGS) $(FZ_INC) -c -o $@ $<

$(FZ)/obj/proto/%.o: $(PROTO_GEN_DIR)/%.c | $(PROTO_GEN_STAMP)
	@mkdir -p $(@D)
	$(FZ_CC) $(FZ_CFLAGS) $(FZ_INC) -c -o $@ $<

$(FZ)/obj/tests/fuzz/%.o: tests/fuzz/%.c | $(PROTO_GEN_STAMP)
	@mkdir -p $(@D)
	$(FZ_CC) $(FZ_CFLAGS) $(FZ_WARN) $(FZ_INC) -c -o $@ $<

$(FZ_LIB_TARGETS:%=$(FZ)/fuzz_%): $(FZ)/fuzz_%: \
    $(FZ)/obj/tests/fuzz/fuzz_%.o $(FZ_LIB_OBJ)
	$(FZ_CC) -fsanitize=fuzzer $(FZ_SAN) -o $@ $^ $(LIB_LIBS)

$(FZ)/fuzz_grpc_frame: $(FZ)/obj/tests/fuzz/fuzz_grpc_frame.o \
    $(FZ)/obj/daemon/grpc_frame.o $(FZ_LIB_OBJ)
	$(FZ_CC) -fsanitize=fuzzer $(FZ_SAN) -o $@ $^ $(LIB_LIBS)

$(FZ_DAEMON_TARGETS:%=$(FZ)/fuzz_%): $(FZ)/fuzz_%: \
    $(FZ)/obj/tests/fuzz/fuzz_%.o $(FZ_DAEMON_OBJ) $(FZ_PROTO_OBJ) \
    $(FZ_LIB_OBJ)
	$(FZ_CC) -fsanitize=fuzzer $(FZ_SAN) -o $@ $^ $(FZ_DAEMON_LIBS)

# The seed generator: not a fuzzer, but linked against the same objects.
$(FZ_GEN): $(FZ)/obj/tests/fuzz/gen_pb.o $(FZ_PROTO_OBJ) $(FZ_LIB_OBJ)
	$(FZ_CC) -fsanitize=fuzzer-no-link $(FZ_SAN) -o $@ $^ \
	    $(PROTOBUF_C_LIBS) $(LIB_LIBS)

fuzz: deps
	@$(MAKE) --no-print-directory fuzz-bins
	@sh tests/fuzz/run.sh fuzz $(FZ_TARGETS)

fuzz-regress: fuzz-bins
	@sh tests/fuzz/run.sh regress $(FZ_TARGETS)

fuzz-long: deps
	@$(MAKE) --no-print-directory fuzz-bins
	@sh tests/fuzz/long.sh $(FZ_TARGETS)

test-fuzz-regress:
	@if command -v $(FZ_CC) >/dev/null 2>&1; then \
	    $(MAKE) --no-print-directory fuzz-regress; \
	else \
	    echo "fuzz-regress: SKIPPED: $(FZ_CC) not found (make deps" \
	        "installs clang)"; \
	fi

TEST_RUNS += test-fuzz-regress

-include $(FZ_LIB_OBJ:.o=.d) $(FZ_DAEMON_OBJ:.o=.d) \
    $(wildcard $(FZ)/obj/tests/fuzz/*.d)
