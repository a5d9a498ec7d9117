#!/bin/sh
# Scale and lifecycle test: long polls by the thousand, SIGHUP under
# load, keepalive.  The sidecar between h2backend and grpc core clients
# (several connections each, as workers open), 127.0.0.1 only, random
# free ports, every step under a timeout, every process we start killed
# on exit.  Prints a summary line.
#
# Env: SIDECAR BACKEND CLIENT (paths to the binaries); SANITIZE=1 when
# they are ASan/UBSan builds (a looser memory bound: the sanitizers
# roughly triple what each stream costs).
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
tn_bins SIDECAR BACKEND CLIENT
tn_init scale
pass=0
fail=0

# Long polls: 2000 streams held 20 s over 20 connections (100 a
# connection; real workers hold ~10 each), each with a 70 s deadline.
# Measured: ~2.3 kB a stream (plain), ~8 kB (sanitizers), connections
# included; the bounds leave a 7x and 4x margin.
NPOLL=2000
NCONN=20
HOLD_MS=20000
if [ "${SANITIZE:-0}" = 1 ]; then
	RSS_MAX_KB=65536
else
	RSS_MAX_KB=32768
fi

ok() { echo "ok - $1"; pass=$((pass + 1)); }
nok() { echo "FAIL - $1"; fail=$((fail + 1)); }

# metric NAME: -1 when missing (in place of tests/lib.sh's)
metric() { metric_at "$AP" "$1"; }

# backend NAME ARGS...: starts h2backend, sets PORT_NAME
backend() {
	name=$1
	shift
	start_named "$name" "$T/be-$name.out" "$BACKEND" "$@" -p 0 ||
	    { echo "backend $name did not start"; exit 1; }
}

backend ok
backend deaf -P
SP=$(freeport)
TARGET=127.0.0.1:$SP
AP=$(freeport)
# Keepalive every second, 1 s to answer: far shorter than the streams
# (the analogue of a 70 s poll outliving a 60 s timer).
conf() {
	cat > "$T/sc.conf.new" <<EOC
listen = 127.0.0.1:$SP
upstream = 127.0.0.1:$1
allow_service = test.Echo
require_warrant = off
audit_log = $T/audit.log
admin_listen = 127.0.0.1:$AP
upstream_keepalive = 1s
upstream_keepalive_timeout = 1s
shutdown_grace = 10s
EOC
	chmod 600 "$T/sc.conf.new"
	mv "$T/sc.conf.new" "$T/sc.conf"
}
conf "$PORT_ok"
"$SIDECAR" -c "$T/sc.conf" 2> "$T/sc.err" &
SCPID=$!
if ! wait_for "$T/sc.err" "forwarding to"; then
	cat "$T/sc.err"
	nok "sidecar starts"
	echo "test-daemon-scale: $pass passed, $fail failed"
	exit 1
fi
ok "sidecar starts"
client 30 wait-ok 10 > /dev/null

# ---------------------------------------------------------- long polls
pings0=$(metric upstream_pings_total)
client $((HOLD_MS / 1000 + 60)) longpoll "$SCPID" $NCONN $NPOLL $HOLD_MS \
    $RSS_MAX_KB &
CLPID=$!
sleep 8
open=$(metric streams)
wait "$CLPID"
rc=$?
pings=$(($(metric upstream_pings_total) - pings0))
echo "    ($open streams open at the sidecar mid-hold; $pings keepalive PINGs answered meanwhile)"
if [ $rc -eq 0 ] && [ "$open" -ge $NPOLL ]; then
	ok "$NPOLL concurrent long polls over $NCONN connections, memory bounded"
else
	nok "$NPOLL concurrent long polls (client rc $rc, $open open)"
fi
if [ $rc -eq 0 ] && [ "$pings" -ge $((NCONN * 5)) ] &&
    [ "$(metric upstream_failures_total)" = 0 ]; then
	ok "quiet streams outlive many keepalive periods (PINGs answered)"
else
	nok "quiet streams and keepalive ($pings PINGs)"
fi

# ------------------------------------------------- SIGHUP under load
r0=$(metric reloads_total)
client 60 load 6 4 300 &
CLPID=$!
i=0
while [ $i -lt 25 ]; do
	sleep 0.2
	kill -HUP "$SCPID"
	i=$((i + 1))
done
wait "$CLPID"
rc=$?
r1=$(metric reloads_total)
echo "    ($((r1 - r0)) reloads during the load)"
if [ $rc -eq 0 ] && [ $((r1 - r0)) -ge 20 ]; then
	ok "SIGHUP 25 times under 300 calls in flight: no call fails"
else
	nok "SIGHUP under load (client rc $rc, $((r1 - r0)) reloads)"
fi

# -------------------------------------------- keepalive unanswered
conf "$PORT_deaf"
kill -HUP "$SCPID"
sleep 0.5
if client 30 inflight-unavailable "keepalive PING not answered"; then
	ok "a frontend that stops answering PINGs: streams end UNAVAILABLE"
else
	nok "keepalive timeout"
fi

kill -TERM "$SCPID"
i=0
while kill -0 "$SCPID" 2>/dev/null && [ $i -lt 150 ]; do
	sleep 0.1
	i=$((i + 1))
done
wait "$SCPID"
src=$?
SCPID=""
[ $src -eq 0 ] && ok "sidecar exits 0" || nok "sidecar exit status $src"
san_clean

echo "test-daemon-scale: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
