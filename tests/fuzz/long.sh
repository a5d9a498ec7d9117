#!/bin/sh
# The s_* variables come from the stats files, read with ".".
# shellcheck disable=SC2154
# The long fuzzing run (make fuzz-long): every target for FUZZ_SECONDS
# (default 1800) of wall time, FUZZ_JOBS (default 2) at a time, through
# run.sh; then writes tests/fuzz/RESULTS.md with the machine, the clang
# version and per target: wall and CPU seconds, executions, executions per
# second, coverage (cov/ft), corpus size and crashes.
#
#   sh tests/fuzz/long.sh TARGET...        (make fuzz-long passes them all)
set -u

[ $# -ge 1 ] || { echo "usage: long.sh TARGET..." >&2; exit 2; }
FUZZ_SECONDS=${FUZZ_SECONDS:-1800}
FUZZ_JOBS=${FUZZ_JOBS:-2}
export FUZZ_SECONDS FUZZ_JOBS
out=$PWD/build/fuzz
res=tests/fuzz/RESULTS.md
started=$(date -u '+%Y-%m-%d %H:%M:%S UTC')

sh tests/fuzz/run.sh fuzz "$@"
status=$?

cpu=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -1)
cc=$(${FZ_CC:-clang} --version | head -1)
{
	echo "# Fuzzing results"
	echo
	echo "Written by \`make fuzz-long\` (tests/fuzz/long.sh); do not edit."
	echo
	echo "- date: $started"
	echo "- machine: $(nproc) CPUs, $cpu"
	echo "- compiler: $cc"
	echo "- per target: FUZZ_SECONDS=$FUZZ_SECONDS of wall time," \
	    "FUZZ_JOBS=$FUZZ_JOBS targets at a time; ASan + UBSan;" \
	    "seeded by tests/fuzz/seeds.py and gen_pb"
	echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo
	echo "| target | wall s | CPU s | executions | exec/s | cov | ft |" \
	    "corpus | crashes |"
	echo "|---|--:|--:|--:|--:|--:|--:|--:|---|"
	for t in "$@"; do
		s_artifacts=
		# shellcheck disable=SC1090
		. "$out/stats/$t"
		crash=$s_crashes
		[ -n "$s_artifacts" ] && crash="$s_crashes ($s_artifacts)"
		[ "$s_rc" != 0 ] && [ "$s_crashes" = 0 ] && crash="exit $s_rc"
		echo "| $t | $s_wall | $s_cpu | ${s_execs:-?} | ${s_execps:-?} |" \
		    "${s_cov:-?} | ${s_ft:-?} | $s_corpus | $crash |"
	done
	echo
	echo "CPU s is user + system time of the fuzzer process; it falls" \
	    "below the wall time when FUZZ_JOBS exceeds the free cores."
	echo "cov and ft are libFuzzer's final coverage counters (edges," \
	    "features)."
} >"$res"
echo "long.sh: wrote $res"
exit $status
