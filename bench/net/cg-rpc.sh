#!/bin/sh
# Instructions per pass-through RPC of the sidecar under callgrind, at
# each h2load shape: the sidecar runs twice per shape (N and 2N unary
# calls of /test.Echo/Unary, 205-byte message, start to SIGTERM), and the
# difference over N is the cost of one RPC without start-up and shutdown.
# Instruction counts do not depend on what else the machine runs.
#
#   SIDECAR=build/rel/tenuo-sidecar BACKEND=build/rel/tests/daemon/h2backend \
#       sh bench/net/cg-rpc.sh [N] [SHAPE...]     (N 2000; 1x1 1x10 10x10)
#
# Prints "shape N total(N) total(2N) per_rpc" lines; CG_KEEP=DIR keeps the
# 2N run's callgrind file of each shape as DIR/cg.SHAPE.
set -u

: "${SIDECAR:?}" "${BACKEND:?}"
N=${1:-2000}
[ $# -gt 0 ] && shift
SHAPES=${*:-1x1 1x10 10x10}
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../../tests/lib.sh"
tn_init cg
WAIT_TENTHS=100

die() { echo "cg-rpc: $*" >&2; exit 1; }

command -v valgrind > /dev/null || die "valgrind is needed (make deps installs it)"
python3 -c "import sys; sys.stdout.buffer.write(b'\0\0\0\0\xcd' + b'a' * 205)" \
    > "$T/body"
start_named be "$T/be.out" "$BACKEND" -p 0 ||
    die "backend did not start"
BP=$PORT_be

# run SHAPE N: prints the sidecar's total instructions
run() {
	c=${1%x*}
	m=${1#*x}
	sp=$(freeport)
	{
		sc_conf "$T" "$sp" "$BP"
		echo "require_warrant = off"
	} > "$T/sc.conf"
	chmod 600 "$T/sc.conf"
	rm -f "$T"/cg.out "$T/sc.err"
	valgrind --tool=callgrind --callgrind-out-file="$T/cg.out" \
	    "$SIDECAR" -c "$T/sc.conf" 2> "$T/sc.err" &
	pid=$!
	PIDS="$PIDS $pid"
	wait_for "$T/sc.err" "forwarding to" 600 ||
	    { cat "$T/sc.err" >&2; die "sidecar did not start"; }
	timeout 300 h2load -n "$2" -c "$c" -m "$m" -d "$T/body" \
	    -H 'content-type: application/grpc' -H 'te: trailers' \
	    "http://127.0.0.1:$sp/test.Echo/Unary" > "$T/h2.txt" 2>&1
	grep -q "^requests: .* $2 succeeded" "$T/h2.txt" ||
	    { cat "$T/h2.txt" >&2; die "$1: not every request succeeded"; }
	kill "$pid"
	wait "$pid" 2>/dev/null
	awk '/^summary:/ { print $2 }' "$T/cg.out"
}

for shape in $SHAPES; do
	t1=$(run "$shape" "$N")
	t2=$(run "$shape" $((N * 2)))
	[ -n "${CG_KEEP:-}" ] && cp "$T/cg.out" "$CG_KEEP/cg.$shape"
	echo "$shape $N $t1 $t2 $(( (t2 - t1) / N ))"
done
