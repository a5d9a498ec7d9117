#!/bin/sh
# The s_* variables come from the stats files, read with ".".
# shellcheck disable=SC2154
# Runs the libFuzzer targets built by tests/fuzz/fuzz.mk (make fuzz-bins).
#
#   run.sh fuzz TARGET...     seeds build/fuzz/corpus (seeds.py, gen_pb),
#                             then fuzzes each target for FUZZ_SECONDS (60)
#                             of wall time, FUZZ_JOBS (2) targets at a
#                             time, and prints a summary table
#   run.sh regress TARGET...  replays tests/fuzz/regress/<target>/* once
#
# Per target: log in build/fuzz/logs/<target>.log, crash/leak/timeout
# inputs in build/fuzz/artifacts/<target>/, stats (for long.sh) in
# build/fuzz/stats/<target>.  FUZZ_NICE (0) is the nice level of each
# fuzzer.  Exits non-zero if any target found a crash, a leak, undefined
# behaviour or a timeout, or failed to replay a regression input.
set -eu

out=$PWD/build/fuzz
corpus=$out/corpus
regress=$PWD/tests/fuzz/regress
export FUZZ_SANDBOX="$out/sandbox"

usage() {
	echo "usage: run.sh fuzz|regress TARGET..." >&2
	exit 2
}

# The user + system CPU seconds of the children from `times` output.
cpu_of() {
	sed -n 2p "$1" | awk '{
		t = 0
		for (i = 1; i <= 2; i++) {
			split($i, a, "m"); sub("s", "", a[2]); t += a[1] * 60 + a[2]
		}
		printf "%.1f", t }'
}

# One target, fuzzing; writes its stats file.
one() {
	t=$1
	secs=${FUZZ_SECONDS:-60}
	bin=$out/fuzz_$t
	log=$out/logs/$t.log
	art=$out/artifacts/$t
	st=$out/stats/$t
	rm -rf "$art"
	mkdir -p "$corpus/$t" "$art" "$out/logs" "$out/stats"
	set -- "$corpus/$t"
	if [ -d "$regress/$t" ]; then
		set -- "$@" "$regress/$t"
	fi
	start=$(date +%s)
	(
		set +e
		nice -n "${FUZZ_NICE:-0}" "$bin" -max_total_time="$secs" \
		    -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
		    -artifact_prefix="$art/" "$@" >"$log" 2>&1
		echo $? >"$st.rc"
		times >"$st.times"
	)
	end=$(date +%s)
	rc=$(cat "$st.rc")
	{
		echo "s_target=$t"
		echo "s_rc=$rc"
		echo "s_wall=$((end - start))"
		echo "s_cpu=$(cpu_of "$st.times")"
		echo "s_execs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
		    "$log" | tail -1)"
		echo "s_execps=$(sed -n 's/^stat::average_exec_per_sec: *//p' \
		    "$log" | tail -1)"
		echo "s_cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 |
		    sed 's/cov: //')"
		echo "s_ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 |
		    sed 's/ft: //')"
		echo "s_corpus=$(find "$corpus/$t" -type f | wc -l)"
		echo "s_crashes=$(find "$art" -type f | wc -l)"
		echo "s_artifacts='$(find "$art" -type f -exec basename {} \; |
		    sort | tr '\n' ' ' | sed 's/ $//')'"
	} >"$st"
	echo "fuzz: $t done (rc $rc, log $log)"
}

# The summary table of the stats files of the given targets.
summary() {
	printf '%-12s %6s %6s %12s %8s %6s %7s %7s %s\n' target wall cpu \
	    execs exec/s cov ft corpus crashes
	for t in "$@"; do
		# shellcheck disable=SC1090
		. "$out/stats/$t"
		printf '%-12s %6s %6s %12s %8s %6s %7s %7s %s\n' "$t" \
		    "$s_wall" "$s_cpu" "${s_execs:-?}" "${s_execps:-?}" \
		    "${s_cov:-?}" "${s_ft:-?}" "$s_corpus" \
		    "$s_crashes${s_artifacts:+ ($s_artifacts)}"
	done
}

seed() {
	rm -rf "$corpus"
	python3 tests/fuzz/seeds.py "$corpus" "$FUZZ_SANDBOX"
	mkdir -p "$corpus/intercept"
	"$out/gen_pb" "$corpus/intercept"
}

fuzz() {
	jobs=${FUZZ_JOBS:-2}
	for t in "$@"; do
		[ -x "$out/fuzz_$t" ] || { echo "fuzz: no $out/fuzz_$t" >&2; exit 1; }
	done
	seed
	echo "fuzz: $# targets, ${FUZZ_SECONDS:-60}s each, $jobs at a time"
	printf '%s\n' "$@" | xargs -P "$jobs" -I{} sh "$0" one {}
	echo
	summary "$@"
	status=0
	for t in "$@"; do
		# shellcheck disable=SC1090
		. "$out/stats/$t"
		if [ "$s_rc" != 0 ] || [ "$s_crashes" != 0 ]; then
			echo
			echo "fuzz: $t FAILED (rc $s_rc; $out/logs/$t.log):"
			grep -E -A12 '^==[0-9]+==ERROR|runtime error|deadly signal|Test unit written' \
			    "$out/logs/$t.log" | head -40
			status=1
		fi
	done
	return $status
}

# Replays each regression input once; no fuzzing.
regress() {
	status=0
	mkdir -p "$FUZZ_SANDBOX" "$out/logs"
	for t in "$@"; do
		dir=$regress/$t
		n=$(find "$dir" -type f 2>/dev/null | wc -l)
		if [ "$n" -eq 0 ]; then
			echo "fuzz-regress: $t: no inputs in tests/fuzz/regress/$t"
			continue
		fi
		log=$out/logs/$t.regress.log
		# shellcheck disable=SC2046 # names without blanks, one each
		if "$out/fuzz_$t" -rss_limit_mb=2048 -timeout=30 \
		    $(find "$dir" -type f | sort) >"$log" 2>&1; then
			echo "fuzz-regress: $t: $n inputs ok"
		else
			echo "fuzz-regress: $t: FAILED (see $log)"
			grep -E -B2 -A12 '^==[0-9]+==ERROR|runtime error|deadly signal' \
			    "$log" | head -40
			status=1
		fi
	done
	return $status
}

[ $# -ge 1 ] || usage
mode=$1
shift
case $mode in
fuzz)	[ $# -ge 1 ] || usage; fuzz "$@" ;;
regress) [ $# -ge 1 ] || usage; regress "$@" ;;
one)	one "$1" ;;
*)	usage ;;
esac
