#!/bin/sh
# tests/demo-sidecar.sh: the sidecar demo (issue 5 §4).  A stand-in Temporal
# frontend, tenuo-sidecar enforcing Tenuo warrants in front of it, and a real
# @temporalio/worker reading files behind it: an allowed read, a denied read
# of /etc/passwd, and `tenuoctl audit` showing both.  Exits 0 only if the
# decisions come out as expected; bounded in time, cleans up after itself.
#
#   sh tests/demo-sidecar.sh build/rel/tenuoctl build/rel/tenuo-sidecar
#
# Needs Node.js >= 20.3 and tests/e2e/node_modules (make e2e-deps).
# Exit status: 0 demo OK, 1 demo failed, 2 enforcement not built into this
# sidecar (or the demo cannot run here).

set -u
T=${1:?usage: sh tests/demo-sidecar.sh PATH/TO/tenuoctl PATH/TO/tenuo-sidecar}
S=${2:?usage: sh tests/demo-sidecar.sh PATH/TO/tenuoctl PATH/TO/tenuo-sidecar}
case $T in /*) ;; *) T=$PWD/$T ;; esac
case $S in /*) ;; *) S=$PWD/$S ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
E2E=$HERE/e2e

command -v node >/dev/null 2>&1 || { echo "demo: node (>= 20.3) is needed"; exit 2; }
node "$E2E/check-node.js" || exit 2
[ -d "$E2E/node_modules/@temporalio/worker" ] ||
	{ echo "demo: $E2E/node_modules is missing (make e2e-deps)"; exit 2; }
[ -x "$S" ] || { echo "demo: no sidecar at $S"; exit 2; }
[ -x "$T" ] || { echo "demo: no tenuoctl at $T"; exit 2; }

# node kills its own children on exit; timeout bounds the whole run.
cd "$E2E" && SIDECAR=$S TENUOCTL=$T timeout -k 5 120 node demo/run.js
rc=$?
[ $rc -eq 124 ] && echo "demo FAILED: time limit (120 s) reached"
exit $rc
