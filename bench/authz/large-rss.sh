#!/bin/sh
# Part 4 of bench/net/run-net.sh alone, for before/after comparisons of
# the inspected large message (bench/PROFILE-authz.md): peak RSS growth of
# a fresh sidecar over its calls, as a multiple of the message size, for a
# 4 MiB echo passed through and a 4 MiB PollActivityTaskQueue task
# inspected (bench_authz mktask: depth-1 chain, gzip warrant, two
# arguments, 4 MiB of heartbeat_details).  127.0.0.1 only, every process
# started is killed on exit.
#
#   sh bench/authz/large-rss.sh [SIDECAR [NCALLS]]
#       (make daemon-all && sh bench/authz/build.sh first)
set -u

B=build/rel
SIDECAR=${1:-$B/tenuo-sidecar}
N=${2:-6}
BACKEND=$B/tests/daemon/h2backend
H2SERVE=$B/bench/net/bench_h2serve
BENCH_AUTHZ=$B/bench/authz/bench_authz
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../../tests/lib.sh"
tn_init large
WAIT_TENTHS=100

die() { echo "large-rss: $*" >&2; exit 1; }
hwm() { proc_kb "$1" VmHWM; }

# start_be NAME CMD...: sets PORT_NAME
start_be() {
	name=$1
	shift
	start_named "$name" "$T/$name.out" "$@" || die "$1 did not start"
}

# sidecar NAME UPSTREAM_PORT EXTRA_CONF: sets SP_NAME, PID_NAME
sidecar() {
	sp=$(freeport)
	mkdir -p "$T/$1"
	{
		sc_conf "$T/$1" "$sp" "$2"
		echo "max_message_bytes = 16777216"
		printf '%b' "$3"
	} > "$T/$1/sc.conf"
	chmod 600 "$T/$1/sc.conf"
	"$SIDECAR" -c "$T/$1/sc.conf" > /dev/null 2> "$T/$1/sc.err" \
	    < /dev/null &
	PIDS="$PIDS $!"
	eval "SP_$1=$sp PID_$1=$!"
	wait_for "$T/$1/sc.err" "forwarding to" || die "sidecar did not start"
}

# run NAME PORT PID PATH BODY: prints the row
run() {
	h0=$(hwm "$3")
	timeout 120 h2load -n "$N" -c 1 -m 1 -d "$5" \
	    -H 'content-type: application/grpc' -H 'te: trailers' \
	    "http://127.0.0.1:$2$4" > "$T/h2.txt" 2>&1
	ok=$(awk '/^requests:/ { for (i = 1; i <= NF; i++)
	    if ($(i+1) ~ /^succeeded/) print $i }' "$T/h2.txt")
	[ "${ok:-0}" = "$N" ] || { cat "$T/h2.txt" >&2; die "$1 failed"; }
	h1=$(hwm "$3")
	awk -v n="$1" -v a="$h0" -v b="$h1" 'BEGIN { printf "| %s | %.1f MiB | %.1f MiB | %.2f |\n", n, a / 1024, b / 1024, (b - a) / 1024 / 4 }'
}

python3 -c "import sys; n = 4 << 20; sys.stdout.buffer.write(bytes([0]) + n.to_bytes(4, 'big') + b'b' * n)" > "$T/body4m"
"$BENCH_AUTHZ" mktask "$T" $((4 << 20)) > /dev/null || die "mktask"
start_be be "$BACKEND" -p 0
start_be big "$H2SERVE" -f "$T/task.resp" -p 0
sidecar pass "$PORT_be" "require_warrant = off\n"
sidecar insp "$PORT_big" \
    "trusted_root = $(cat "$T/root.hex")\nrequire_warrant = on\n"
echo "| case ($N calls, 4 MiB) | VmHWM before | VmHWM after | growth / message |"
echo "|---|---:|---:|---:|"
run "pass-through echo" "$SP_pass" "$PID_pass" /test.Echo/Unary "$T/body4m"
run "inspected poll" "$SP_insp" "$PID_insp" \
    /temporal.api.workflowservice.v1.WorkflowService/PollActivityTaskQueue \
    "$T/poll.req"
echo
echo "allowed decisions in the audit log: $(grep -c '"decision":"allow"' "$T/insp/audit.log")"
