# tenuo-sidecar: top-level build.
#
#   make deps           install the Debian packages the build and tests need
#   make / make all     build libtenuo, tenuoctl, tenuo-sidecar
#   make test           deps + build + every suite        (SANITIZE=1: ASan+UBSan)
#   make demo           the main job, end to end
#   make bench          benchmarks, results in bench/RESULTS.md
#   make bench-smoke    each benchmark once at tiny sizes (checks they run)
#   make fuzz           libFuzzer targets for a short, bounded run
#                       (FUZZ_SECONDS=60 each, FUZZ_JOBS=2 at a time)
#   make fuzz-regress   replay tests/fuzz/regress/ (also part of make test)
#   make install        PREFIX=/usr/local DESTDIR=
#   make clean

PREFIX	?= /usr/local
DESTDIR	?=
SANITIZE ?= 0
CC	?= cc
ifeq ($(origin CC),default)
CC	= cc
endif

ifeq ($(SANITIZE),1)
B	:= build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	    -fno-omit-frame-pointer
OPT	:= -O1 -g
else
B	:= build/rel
SANFLAGS :=
OPT	:= -O2 -g -D_FORTIFY_SOURCE=2
endif

WARN	:= -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wpointer-arith \
	   -Wcast-qual -Wstrict-prototypes -Wmissing-prototypes \
	   -Wmissing-declarations -Wvla -Wwrite-strings -Wundef \
	   -Wimplicit-fallthrough -Wconversion -Wsign-conversion
HARDEN	:= -fstack-protector-strong -fPIE
CFLAGS_BASE := -std=c11 $(OPT) $(WARN) $(HARDEN) $(SANFLAGS) -MMD -MP
LDFLAGS_BASE := -pie -Wl,-z,relro,-z,now $(SANFLAGS)

PKGS_LIB := libsodium zlib libcrypto libpcre2-8 libidn2
LIB_CFLAGS := $(shell pkg-config --cflags $(PKGS_LIB) 2>/dev/null)
LIB_LIBS := $(shell pkg-config --libs $(PKGS_LIB) 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)
JANSSON_CFLAGS := $(shell pkg-config --cflags jansson 2>/dev/null)
JANSSON_LIBS := $(shell pkg-config --libs jansson 2>/dev/null)

# Debian packages: build, tests, benchmarks.  Keep in step with README.md.
DEB_PKGS := build-essential pkg-config libsodium-dev libssl-dev zlib1g-dev \
	    check libsubunit-dev libjansson-dev libnghttp2-dev libev-dev \
	    libprotobuf-c-dev protobuf-c-compiler libpcre2-dev libidn2-dev \
	    libgrpc-dev \
	    nghttp2-client nghttp2-proxy valgrind clang python3 \
	    libclang-rt-14-dev

.PHONY: all deps lib test test-unit demo bench fuzz install clean check-src
all: lib tenuoctl daemon-all

# Debian packages, then the npm packages of the end-to-end suite (the real
# Temporal TypeScript SDK; needs Node >= 20.3, which this machine kind has).
deps:
	@sh tests/deps.sh $(DEB_PKGS)
	@$(MAKE) --no-print-directory e2e-deps

# ---------------------------------------------------------------- libtenuo
LIB_SRC	:= $(sort $(wildcard lib/*.c))
LIB_OBJ	:= $(LIB_SRC:%.c=$(B)/%.o)
LIBTENUO := $(B)/libtenuo.a

lib: $(LIBTENUO)

$(B)/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(LIB_CFLAGS) -Ilib -c -o $@ $<

$(LIBTENUO): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# ---------------------------------------------------------------- tenuoctl
CTL_SRC	:= $(sort $(wildcard ctl/*.c))
CTL_OBJ	:= $(CTL_SRC:%.c=$(B)/%.o)
TENUOCTL := $(B)/tenuoctl

.PHONY: tenuoctl
tenuoctl: $(TENUOCTL)

$(B)/ctl/%.o: ctl/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -D_GNU_SOURCE $(LIB_CFLAGS) $(JANSSON_CFLAGS) \
	    -Ilib -Ictl -c -o $@ $<

$(TENUOCTL): $(CTL_OBJ) $(LIBTENUO)
	$(CC) $(LDFLAGS_BASE) -o $@ $(CTL_OBJ) $(LIBTENUO) $(JANSSON_LIBS) \
	    $(LIB_LIBS)

# ---------------------------------------------------------------- daemon
# The sidecar's rules live beside its sources.  The fragment defines
# daemon-all and daemon-test (and adds to TEST_RUNS).
include daemon/daemon.mk

# Temporal proto subset (protobuf-c) and the end-to-end suite with the real
# TypeScript SDK worker each keep their rules beside their sources.
-include proto/proto.mk
-include tests/e2e/e2e.mk
-include daemon/enforce.mk
# libFuzzer targets (fuzz, fuzz-regress, fuzz-long): tests/fuzz/fuzz.mk
-include tests/fuzz/fuzz.mk

# ---------------------------------------------------------------- unit tests
UNIT_SRC := $(sort $(wildcard tests/unit/check_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
UNIT_HELPER_SRC := $(filter-out $(UNIT_SRC),$(wildcard tests/unit/*.c))
UNIT_HELPER_OBJ := $(UNIT_HELPER_SRC:%.c=$(B)/%.o)

$(B)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -D_GNU_SOURCE $(LIB_CFLAGS) $(CHECK_CFLAGS) \
	    $(JANSSON_CFLAGS) -Ilib -Itests/unit -c -o $@ $<

$(B)/tests/check_%: $(B)/tests/unit/check_%.o $(UNIT_HELPER_OBJ) $(LIBTENUO)
	$(CC) $(LDFLAGS_BASE) -o $@ $< $(UNIT_HELPER_OBJ) $(LIBTENUO) \
	    $(CHECK_LIBS) $(JANSSON_LIBS) $(LIB_LIBS)

# The failmalloc suite routes the library's allocations through wrappers.
$(B)/tests/check_failmalloc: $(B)/tests/unit/check_failmalloc.o \
    $(UNIT_HELPER_OBJ) $(LIBTENUO)
	$(CC) $(LDFLAGS_BASE) \
	    -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc -o $@ $< \
	    $(UNIT_HELPER_OBJ) $(LIBTENUO) $(CHECK_LIBS) $(JANSSON_LIBS) \
	    $(LIB_LIBS)

.PHONY: unit-bins
unit-bins: $(UNIT_BIN)

# Each suite runs from the project root so it finds ../shared/ and tests/data.
test-unit: $(UNIT_BIN) $(TENUOCTL)
	@sh tests/run-unit.sh $(UNIT_BIN)

test-ctl: $(TENUOCTL)
	@TENUOCTL=$(TENUOCTL) sh tests/ctl/run.sh

TEST_RUNS += test-unit test-ctl

# The unit suites under valgrind (memcheck, leaks are errors).  Check must
# not fork here, or valgrind would only watch the runner.  Then the
# daemon's Check suites, and the sidecar itself under memcheck in the
# integration suites (SIDECAR_WRAP: run-int.sh, run-route.sh) and in the
# e2e enforcement and disconnect suites (a wrapper script as SIDECAR); a
# memcheck error or a definite/indirect leak makes the sidecar exit 99 and
# the suite fail.  VALGRIND_E2E=0 leaves the e2e part out.
VG := valgrind -q --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite,indirect
VG_WRAPPER := build/valgrind-sidecar
VALGRIND_E2E ?= 1
.PHONY: test-valgrind
test-valgrind: deps
	@$(MAKE) --no-print-directory unit-bins daemon-all enforce-bins SANITIZE=0
	@rc=0; \
	CK_FORK=no VALGRIND="$(VG)" sh tests/run-unit.sh $(UNIT_BIN) || rc=1; \
	CK_FORK=no VALGRIND="$(VG)" sh tests/run-unit.sh \
	    $(filter-out %/check_authz %/check_chaincache %/check_dedup \
	    %/check_tasktoken,$(DTEST_CHECK_BIN)) $(ENF_BIN) || rc=1; \
	for t in run-int.sh run-route.sh; do \
	    SIDECAR=$(B)/tenuo-sidecar BACKEND=$(DTEST_BACKEND) \
	    CLIENT=$(DTEST_CLIENT) RAW=$(DTEST_RAW) SIDECAR_WRAP="$(VG)" \
	    sh $(DTEST_DIR)/$$t || rc=1; \
	done; \
	if [ "$(VALGRIND_E2E)" = 1 ]; then \
	    printf '#!/bin/sh\nexec %s %s "$$@"\n' "$(VG)" \
	    "$(CURDIR)/$(B)/tenuo-sidecar" > $(VG_WRAPPER) && \
	    chmod 755 $(VG_WRAPPER) && (cd $(E2E_DIR) && \
	    SIDECAR=$(CURDIR)/$(VG_WRAPPER) \
	    TENUOCTL=$(CURDIR)/$(B)/tenuoctl timeout 900 $(E2E_NODE) --test \
	    --test-concurrency=1 --test-reporter=./reporter.js \
	    test/enforce.test.js test/disconnect.test.js) || rc=1; \
	fi; \
	echo "test-valgrind: $$([ $$rc -eq 0 ] && echo passed || echo FAILED)"; \
	exit $$rc

# `make test` installs what it needs first, then builds and runs every suite.
test: deps
	@$(MAKE) --no-print-directory all unit-bins SANITIZE=$(SANITIZE)
	@$(MAKE) --no-print-directory -k $(TEST_RUNS) SANITIZE=$(SANITIZE)

# ---------------------------------------------------------------- bench
BENCH_SRC := $(sort $(wildcard bench/bench_*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(B)/bench/%)

$(B)/bench/%.o: bench/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -D_GNU_SOURCE $(LIB_CFLAGS) -Ilib -c -o $@ $<

$(B)/bench/%: $(B)/bench/%.o $(LIBTENUO)
	$(CC) $(LDFLAGS_BASE) -o $@ $< $(LIBTENUO) $(LIB_LIBS)

bench: deps
	@$(MAKE) --no-print-directory $(BENCH_BIN) SANITIZE=0
	@sh bench/run.sh $(BENCH_BIN)

# Checks that every benchmark runs (tiny sizes); never asserts speed.
.PHONY: bench-smoke
bench-smoke: deps
	@$(MAKE) --no-print-directory $(BENCH_BIN) SANITIZE=0
	@BENCH_SMOKE=1 sh bench/run.sh $(BENCH_BIN)

# ---------------------------------------------------------------- demo
demo: deps
	@$(MAKE) --no-print-directory all SANITIZE=0
	@sh tests/demo.sh $(TENUOCTL)

# ---------------------------------------------------------------- install
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib \
	    $(DESTDIR)$(PREFIX)/include/tenuo
	install -m 0755 $(TENUOCTL) $(DESTDIR)$(PREFIX)/bin/tenuoctl
	install -m 0644 $(LIBTENUO) $(DESTDIR)$(PREFIX)/lib/libtenuo.a
	install -m 0644 lib/tn_*.h $(DESTDIR)$(PREFIX)/include/tenuo/
	install -d $(DESTDIR)$(PREFIX)/lib/sysusers.d
	install -m 0644 systemd/tenuo-sidecar.sysusers \
	    $(DESTDIR)$(PREFIX)/lib/sysusers.d/tenuo-sidecar.conf
	@$(MAKE) --no-print-directory daemon-install

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(CTL_OBJ:.o=.d)
-include $(UNIT_BIN:$(B)/tests/%=$(B)/tests/unit/%.d)
