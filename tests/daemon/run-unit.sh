#!/bin/sh
# Runs the daemon's Check suites from the project root; prints a summary.
# Usage: run-unit.sh BIN...
set -u
pass=0
fail=0
for b in "$@"; do
	if CK_DEFAULT_TIMEOUT=60 timeout 300 "$b"; then
		pass=$((pass + 1))
	else
		echo "FAIL - $b"
		fail=$((fail + 1))
	fi
done
echo "test-daemon-unit: $pass suites passed, $fail failed"
[ "$fail" -eq 0 ]
