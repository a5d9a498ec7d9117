#!/bin/sh
# Runs every benchmark and writes bench/RESULTS.md: the machine, the
# versions, the method, and each benchmark's own table (medians of
# repeated rounds measured in one run, so the ratios compare like with
# like on a noisy shared machine).
#
#   sh bench/run.sh BIN...          (make bench: BIN = build/rel/bench/bench_*)
#   BENCH_SMOKE=1 sh bench/run.sh BIN...
#                                   each benchmark minimally, to check that
#                                   it runs (never that it is fast); writes
#                                   build/rel/bench/RESULTS-smoke.md and
#                                   leaves bench/RESULTS.md alone
#
# Besides the library benchmarks named on the command line it builds the
# sidecar (make daemon-all), bench/authz/bench_authz.c and
# bench/net/bench_h2serve.c (bench/authz/build.sh), then runs
# bench_authz (in-process authorization) and bench/net/run-net.sh
# (pass-through against nghttpx, 10,000 long polls, 4 MiB messages, a
# callgrind profile).
set -eu

SMOKE=${BENCH_SMOKE:-0}
if [ "$SMOKE" = 1 ]; then
	out=build/rel/bench/RESULTS-smoke.md
	lib_args=1
	authz_args="1 5"
else
	out=bench/RESULTS.md
	lib_args=
	authz_args=
fi
mkdir -p build/rel/bench
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

echo "bench: building the sidecar and the authz/net benchmarks" >&2
${MAKE:-make} --no-print-directory daemon-all SANITIZE=0 >&2
sh bench/authz/build.sh >&2

{
	echo "# Benchmark results"
	echo
	if [ "$SMOKE" = 1 ]; then
		echo "**Smoke run (BENCH_SMOKE=1): each benchmark ran minimally;"
		echo "the numbers mean nothing.**"
		echo
	fi
	echo "Written by \`make bench\` on $(date -u +%Y-%m-%dT%H:%M:%SZ)."
	echo
	echo "## Machine"
	echo
	echo "- CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1) ($(nproc) cores, shared with other work)"
	echo "- Memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
	echo "- Kernel: $(uname -sr)"
	echo "- Compiler: $(${CC:-cc} --version | head -1)"
	echo "- libsodium $(pkg-config --modversion libsodium), OpenSSL $(pkg-config --modversion libcrypto), zlib $(pkg-config --modversion zlib), nghttp2 $(pkg-config --modversion libnghttp2), protobuf-c $(pkg-config --modversion libprotobuf-c)"
	echo "- Load while running: $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min load average at the start)"
	echo
	echo "## Method"
	echo
	echo "Each benchmark runs every operation in rounds and reports the"
	echo "median round (7 rounds unless stated; 9 for the network"
	echo "benchmarks).  Ratios are computed from numbers taken in the same"
	echo "process or the same round, so they survive the noise of a shared"
	echo "machine; absolute times drift from run to run.  Targets are"
	echo "issue 6's (and issues 2 and 3's for the library); each has a"
	echo "met / not met line below its table."
	echo
} > "$tmp"

for b in "$@"; do
	name=$(basename "$b")
	echo "bench: running $name" >&2
	{
		echo "## $name"
		echo
		# shellcheck disable=SC2086
		"$b" $lib_args
		echo
	} >> "$tmp"
done

echo "bench: running bench_authz" >&2
{
	echo "## Authorization in process (issue 6, 2): bench_authz"
	echo
	# shellcheck disable=SC2086
	build/rel/bench/authz/bench_authz $authz_args
	echo
} >> "$tmp"

echo "bench: running bench/net/run-net.sh" >&2
SIDECAR=build/rel/tenuo-sidecar BACKEND=build/rel/tests/daemon/h2backend \
    H2SERVE=build/rel/bench/net/bench_h2serve \
    BENCH_AUTHZ=build/rel/bench/authz/bench_authz BENCH_SMOKE="$SMOKE" \
    sh bench/net/run-net.sh >> "$tmp"

mv "$tmp" "$out"
trap - EXIT
echo "bench: wrote $out" >&2
cat "$out"
