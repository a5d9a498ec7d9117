# tenuo-sidecar build fragment, included by the top-level Makefile.
# Defines daemon-all, daemon-install and adds its suites to TEST_RUNS.
#
#   make daemon-all          build $(B)/tenuo-sidecar and the test programs
#   make test-daemon-unit    Check suites: config, grpc framing
#   make test-daemon-int     the sidecar between a gRPC backend and client,
#                            h2c and TLS; then at scale (2000 long polls,
#                            SIGHUP under load, keepalive)
#   make test-daemon-hostile malformed gRPC and abusive HTTP/2 from raw
#                            clients (tests/daemon/hostile.c, 70+ kinds)
#   make test-daemon-faults  fault injection (tests/daemon/run-faults.sh)
#   make soak SOAK_SECONDS=N mixed load for N s (default 1800), results in
#                            tests/soak/RESULTS.md (not part of make test)

NGHTTP2_CFLAGS := $(shell pkg-config --cflags libnghttp2 2>/dev/null)
NGHTTP2_LIBS := $(shell pkg-config --libs libnghttp2 2>/dev/null)
SSL_CFLAGS := $(shell pkg-config --cflags libssl 2>/dev/null)
SSL_LIBS := $(shell pkg-config --libs libssl libcrypto 2>/dev/null)
GRPC_CFLAGS := $(shell pkg-config --cflags grpc 2>/dev/null)
GRPC_LIBS := $(shell pkg-config --libs grpc gpr 2>/dev/null)

DAEMON_CFLAGS := -D_GNU_SOURCE $(LIB_CFLAGS) $(JANSSON_CFLAGS) \
	$(NGHTTP2_CFLAGS) $(SSL_CFLAGS) -Ilib -Idaemon
DAEMON_LIBS := $(NGHTTP2_LIBS) -lev $(JANSSON_LIBS) $(SSL_LIBS) -lpthread

DAEMON_SRC := $(sort $(wildcard daemon/*.c))
DAEMON_OBJ := $(DAEMON_SRC:%.c=$(B)/%.o)
DAEMON_LIBOBJ := $(filter-out $(B)/daemon/main.o,$(DAEMON_OBJ))
SIDECAR := $(B)/tenuo-sidecar

DTEST_DIR := tests/daemon
DTEST_CHECK_SRC := $(sort $(wildcard $(DTEST_DIR)/check_*.c))
DTEST_CHECK_BIN := $(DTEST_CHECK_SRC:$(DTEST_DIR)/%.c=$(B)/tests/daemon/%)
DTEST_BACKEND := $(B)/tests/daemon/h2backend
DTEST_CLIENT := $(B)/tests/daemon/grpcclient
DTEST_RAW := $(B)/tests/daemon/h2raw
DTEST_HOSTILE := $(B)/tests/daemon/hostile
DTEST_BINS := $(DTEST_CHECK_BIN) $(DTEST_BACKEND) $(DTEST_CLIENT) \
    $(DTEST_RAW) $(DTEST_HOSTILE)

.PHONY: daemon-all daemon-install test-daemon-unit test-daemon-int
daemon-all: $(SIDECAR) $(DTEST_BINS)

$(B)/daemon/%.o: daemon/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(DAEMON_CFLAGS) -c -o $@ $<

$(SIDECAR): $(DAEMON_OBJ) $(LIBTENUO)
	$(CC) $(LDFLAGS_BASE) -o $@ $(DAEMON_OBJ) $(LIBTENUO) $(DAEMON_LIBS) \
	    $(LIB_LIBS)

# Check suites link every daemon module but main.o.
$(B)/tests/daemon/check_%.o: $(DTEST_DIR)/check_%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(DAEMON_CFLAGS) $(CHECK_CFLAGS) -c -o $@ $<

$(B)/tests/daemon/check_%: $(B)/tests/daemon/check_%.o $(DAEMON_LIBOBJ) \
    $(LIBTENUO)
	$(CC) $(LDFLAGS_BASE) -o $@ $< $(DAEMON_LIBOBJ) $(LIBTENUO) \
	    $(CHECK_LIBS) $(DAEMON_LIBS) $(LIB_LIBS)

# The test backend: a gRPC server of our own on nghttp2 + libev, h2c or
# TLS (OpenSSL).
$(B)/tests/daemon/h2backend.o: $(DTEST_DIR)/h2backend.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -D_GNU_SOURCE $(NGHTTP2_CFLAGS) $(SSL_CFLAGS) \
	    -c -o $@ $<

$(DTEST_BACKEND): $(B)/tests/daemon/h2backend.o
	$(CC) $(LDFLAGS_BASE) -o $@ $< $(NGHTTP2_LIBS) -lev $(SSL_LIBS)

# The test client: grpc core's C API, an independent HTTP/2 stack.
$(B)/tests/daemon/grpcclient.o: $(DTEST_DIR)/grpcclient.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -D_GNU_SOURCE $(GRPC_CFLAGS) -c -o $@ $<

$(DTEST_CLIENT): $(B)/tests/daemon/grpcclient.o
	$(CC) $(LDFLAGS_BASE) -o $@ $< $(GRPC_LIBS)

# The raw client: sends exactly the frames a routing case asks for.
$(B)/tests/daemon/h2raw.o: $(DTEST_DIR)/h2raw.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -D_GNU_SOURCE $(NGHTTP2_CFLAGS) -c -o $@ $<

$(DTEST_RAW): $(B)/tests/daemon/h2raw.o
	$(CC) $(LDFLAGS_BASE) -o $@ $< $(NGHTTP2_LIBS)

# The hostile client: hand-written frames (nghttp2's HPACK only), zlib
# for gzip bombs.
$(B)/tests/daemon/hostile.o: $(DTEST_DIR)/hostile.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -D_GNU_SOURCE $(NGHTTP2_CFLAGS) -c -o $@ $<

$(DTEST_HOSTILE): $(B)/tests/daemon/hostile.o
	$(CC) $(LDFLAGS_BASE) -o $@ $< $(NGHTTP2_LIBS) -lz

test-daemon-unit: $(DTEST_CHECK_BIN)
	@sh $(DTEST_DIR)/run-unit.sh $(DTEST_CHECK_BIN)

# run-int.sh: h2c; run-tls.sh: TLS on both sides (throwaway certificates);
# run-scale.sh: long polls by the thousand, SIGHUP under load, keepalive;
# run-route.sh: fail-closed routing with a raw HTTP/2 client (route.h).
test-daemon-int: $(SIDECAR) $(DTEST_BACKEND) $(DTEST_CLIENT) $(DTEST_RAW)
	@rc=0; for t in run-int.sh run-tls.sh run-scale.sh run-route.sh; do \
	    SIDECAR=$(SIDECAR) BACKEND=$(DTEST_BACKEND) SANITIZE=$(SANITIZE) \
	    CLIENT=$(DTEST_CLIENT) RAW=$(DTEST_RAW) \
	    sh $(DTEST_DIR)/$$t || rc=1; \
	done; exit $$rc

# run-hostile.sh: malformed gRPC and abusive HTTP/2 from raw clients; the
# sidecar must answer each clearly, stay up, bounded and serving.
.PHONY: test-daemon-hostile
test-daemon-hostile: $(SIDECAR) $(DTEST_BACKEND) $(DTEST_RAW) \
    $(DTEST_HOSTILE)
	@SIDECAR=$(SIDECAR) BACKEND=$(DTEST_BACKEND) SANITIZE=$(SANITIZE) \
	    RAW=$(DTEST_RAW) HOSTILE=$(DTEST_HOSTILE) \
	    sh $(DTEST_DIR)/run-hostile.sh

# run-faults.sh: fault injection (issue 7): upstream down or killed,
# backpressure, TLS failures, worker killed mid-task, SIGHUP storm, audit
# log on a full disk.  Cases 5 and 7 use the e2e suite's stand-in frontend
# (tests/daemon/faults-tasks.js, node + tests/e2e/node_modules) and say
# SKIP when those cannot load.
.PHONY: test-daemon-faults
test-daemon-faults: $(SIDECAR) $(DTEST_BACKEND) $(DTEST_CLIENT)
	@SIDECAR=$(SIDECAR) BACKEND=$(DTEST_BACKEND) CLIENT=$(DTEST_CLIENT) \
	    SIDECAR_WRAP="$(SIDECAR_WRAP)" sh $(DTEST_DIR)/run-faults.sh

TEST_RUNS += test-daemon-unit test-daemon-int test-daemon-hostile \
    test-daemon-faults

# The soak (not in make test): mixed load on an enforcing sidecar for
# SOAK_SECONDS, sampled every 10 s; writes tests/soak/RESULTS.md and
# tests/soak/samples.csv.  Needs node and tests/e2e/node_modules.
SOAK_SECONDS ?= 1800
.PHONY: soak
soak: $(SIDECAR)
	@$(MAKE) --no-print-directory e2e-deps
	@SIDECAR=$(SIDECAR) SOAK_SECONDS=$(SOAK_SECONDS) sh tests/soak/run.sh

# Keep the test objects (pattern-rule intermediates) between builds.
.SECONDARY: $(DTEST_CHECK_BIN:%=%.o)

daemon-install: $(SIDECAR)
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)/etc/tenuo-sidecar \
	    $(DESTDIR)$(PREFIX)/lib/systemd/system \
	    $(DESTDIR)/etc/logrotate.d
	install -m 0755 $(SIDECAR) $(DESTDIR)$(PREFIX)/sbin/tenuo-sidecar
	install -m 0644 conf/tenuo-sidecar.conf \
	    $(DESTDIR)/etc/tenuo-sidecar/tenuo-sidecar.conf.example
	install -m 0644 systemd/tenuo-sidecar.service \
	    $(DESTDIR)$(PREFIX)/lib/systemd/system/tenuo-sidecar.service
	install -m 0644 systemd/tenuo-sidecar.logrotate \
	    $(DESTDIR)/etc/logrotate.d/tenuo-sidecar

-include $(DAEMON_OBJ:.o=.d) $(DTEST_CHECK_BIN:%=%.d) \
    $(B)/tests/daemon/h2backend.d $(B)/tests/daemon/grpcclient.d \
    $(B)/tests/daemon/h2raw.d $(B)/tests/daemon/hostile.d
