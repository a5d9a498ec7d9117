# Enforcement modules (authz, chaincache, dedup, tasktoken) and their Check
# suites.  Included by the top-level Makefile after proto/proto.mk and
# daemon/daemon.mk, so PROTO_* and DAEMON_* are defined here.
#
#   make test-enforce        build and run tests/daemon/check_{authz,
#                            chaincache,dedup,tasktoken}.c
#
# Objects and test programs go to $(B)/daemon-enforce/, compiled with the
# project's warning set, the generated Temporal protos and libtenuo.

ENF_MODS := authz authz_policy authz_pb chaincache dedup tasktoken
ENF_TESTS := authz chaincache dedup tasktoken
ENF_DIR := $(B)/daemon-enforce
ENF_OBJ := $(ENF_MODS:%=$(ENF_DIR)/%.o)
ENF_BIN := $(ENF_TESTS:%=$(ENF_DIR)/check_%)
ENF_SSL_LIBS := $(shell pkg-config --libs libcrypto 2>/dev/null)
ifeq ($(ENF_SSL_LIBS),)
ENF_SSL_LIBS := -lcrypto
endif

ENF_CFLAGS := -D_GNU_SOURCE $(LIB_CFLAGS) $(CHECK_CFLAGS) -Idaemon -Ilib \
	$(PROTO_CFLAGS)
ENF_LIBS := $(LIBTENUO) $(PROTO_LIBS) $(LIB_LIBS) $(CHECK_LIBS) \
	$(ENF_SSL_LIBS)

$(ENF_DIR)/%.o: daemon/%.c | $(PROTO_GEN_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(ENF_CFLAGS) -c -o $@ $<

$(ENF_DIR)/check_%.o: tests/daemon/check_%.c | $(PROTO_GEN_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(ENF_CFLAGS) -c -o $@ $<

$(ENF_DIR)/check_%: $(ENF_DIR)/check_%.o $(ENF_OBJ) $(LIBTENUO) $(LIBTNPROTO)
	$(CC) $(LDFLAGS_BASE) -o $@ $< $(ENF_OBJ) $(ENF_LIBS)

.PHONY: test-enforce enforce-bins
enforce-bins: $(ENF_BIN)

# Each suite runs from the project root; CK_FORK follows the environment
# (CK_FORK=no under valgrind).
test-enforce: $(ENF_BIN)
	@set -e; for t in $(ENF_BIN); do echo "== $$t"; $(VALGRIND) $$t; done

TEST_RUNS += test-enforce

.SECONDARY: $(ENF_OBJ) $(ENF_BIN:%=%.o)

-include $(ENF_OBJ:.o=.d) $(ENF_BIN:%=%.d)

# daemon/daemon.mk builds every daemon/*.c and tests/daemon/check_*.c into
# the sidecar and its suites with its own flags; the enforcement sources
# need the generated protos, libtnproto and libcrypto there too.
$(B)/daemon/%.o: DAEMON_CFLAGS += $(PROTO_CFLAGS)
$(B)/tests/daemon/check_%.o: DAEMON_CFLAGS += $(PROTO_CFLAGS)
$(DAEMON_OBJ) $(DTEST_CHECK_BIN:%=%.o): | $(PROTO_GEN_STAMP)
$(SIDECAR) $(DTEST_CHECK_BIN): DAEMON_LIBS += $(PROTO_LIBS) $(ENF_SSL_LIBS)
$(SIDECAR) $(DTEST_CHECK_BIN): $(LIBTNPROTO)
