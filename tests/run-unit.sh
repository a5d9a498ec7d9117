#!/bin/sh
# Runs every Check suite given on the command line from the project root
# (suites read ../shared/vectors), and ends with one summary line.
# Exits non-zero if any suite fails or crashes.
set -u

pass=0
fail=0
failed_suites=""
for t in "$@"; do
	name=$(basename "$t")
	out=$(${VALGRIND:-} "$t" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks' | sed "s/^/$name: /"
	# Check's summary: "NN%: Checks: C, Failures: F, Errors: E"
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks' | tail -1)
	c=$(printf '%s' "$line" | sed -n 's/.*Checks: \([0-9]*\).*/\1/p')
	f=$(printf '%s' "$line" | sed -n 's/.*Failures: \([0-9]*\).*/\1/p')
	e=$(printf '%s' "$line" | sed -n 's/.*Errors: \([0-9]*\).*/\1/p')
	if [ -z "$c" ]; then
		c=0; f=0; e=1
	fi
	pass=$((pass + c - f - e))
	fail=$((fail + f + e))
	if [ "$rc" -ne 0 ] || [ $((f + e)) -ne 0 ]; then
		failed_suites="$failed_suites $name"
		printf '%s\n' "$out" | grep -vE '^[0-9]+%: Checks|^Running suite' >&2
		[ "$rc" -ne 0 ] && [ $((f + e)) -eq 0 ] && fail=$((fail + 1))
	fi
done
echo "unit: $pass passed, $fail failed"
[ -z "$failed_suites" ] || { echo "failing suites:$failed_suites" >&2; exit 1; }
exit 0
