#!/bin/sh
# Integration test: tenuo-sidecar between our nghttp2 gRPC backend
# (h2backend) and a grpc core client (grpcclient).  127.0.0.1 and unix
# sockets only, random free ports, every step under a timeout, every
# process we start is killed on exit.  Prints a summary line.
#
# Env: SIDECAR BACKEND CLIENT (paths to the binaries).
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
tn_bins SIDECAR BACKEND CLIENT
SRC=$(cd "$(dirname "$0")" && pwd)
tn_init int
pass=0
fail=0

ok() { echo "ok - $1"; pass=$((pass + 1)); }
nok() { echo "FAIL - $1"; fail=$((fail + 1)); }
# grpc core keeps some allocations until process exit: no leak check
# for the client (the sidecar keeps its own leak check under ASan).
client() {
	ASAN_OPTIONS=detect_leaks=0 timeout "$1" "$CLIENT" "$2" "$3" ${4:-} \
	    ${5:-} > "$T/client.out" 2>&1
	rc=$?
	sed 's/^/    /' "$T/client.out"
	return $rc
}

# ---------------------------------------------------------------- -t
for f in good-minimal.conf good-full.conf; do
	cp "$SRC/conf/$f" "$SRC/conf/roots.txt" "$T/"
done
chmod 600 "$T"/*
(cd "$T" && timeout 10 "$SIDECAR" -t -c good-full.conf > t.out 2>&1)
rc=$?
if [ $rc -eq 0 ] && grep -qx "configuration OK" "$T/t.out"; then
	ok "-t on a good config prints configuration OK, exit 0"
else
	nok "-t on a good config (rc $rc: $(cat "$T/t.out"))"
fi
cp "$SRC/conf/bad-values.conf" "$T/" && chmod 600 "$T/bad-values.conf"
(cd "$T" && timeout 10 "$SIDECAR" -t -c bad-values.conf > t.out 2>&1)
rc=$?
sed -n 's/^# expect: //p' "$T/bad-values.conf" > "$T/expect"
grep '^bad-values.conf:[0-9]' "$T/t.out" > "$T/got"
if [ $rc -eq 1 ] && cmp -s "$T/expect" "$T/got" &&
    ! grep -q "configuration OK" "$T/t.out"; then
	ok "-t on a bad config lists every error as file:line, exit 1"
else
	nok "-t on a bad config (rc $rc)"
	diff "$T/expect" "$T/got"
fi
chmod 666 "$T/good-minimal.conf"
(cd "$T" && timeout 10 "$SIDECAR" -t -c good-minimal.conf > t.out 2>&1)
rc=$?
if [ $rc -eq 1 ] && grep -q "writable by group or others" "$T/t.out"; then
	ok "-t refuses a config others can write"
else
	nok "-t on a world-writable config (rc $rc)"
fi
if timeout 5 "$SIDECAR" -V | grep -q '^tenuo-sidecar [0-9]'; then
	ok "-V prints the version"
else
	nok "-V"
fi

# ---------------------------------------------------------------- start
start_backend -p 0
SP=$(freeport)
AP=$(freeport)
cat > "$T/sc.conf" <<EOC
listen = 127.0.0.1:$SP
listen = unix:$T/sc.sock
upstream = 127.0.0.1:$BP
allow_service = test.Echo
trusted_root = 3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29
audit_log = $T/audit.log
admin_listen = 127.0.0.1:$AP
shutdown_grace = 10s
EOC
chmod 600 "$T/sc.conf"
cp "$T/sc.conf" "$T/sc.good"
# SIDECAR_WRAP: a command to run the sidecar under (make test-valgrind).
${SIDECAR_WRAP:-} "$SIDECAR" -c "$T/sc.conf" 2> "$T/sc.err" &
SCPID=$!
if ! wait_for "$T/sc.err" "forwarding to" 300; then
	cat "$T/sc.err"
	nok "sidecar starts"
	echo "test-daemon-int: $pass passed, $fail failed"
	exit 1
fi
ok "sidecar starts"

# ---------------------------------------------------------- conformance
if client 180 "unix:$T/sc.sock" all; then
	ok "grpc core conformance through the unix socket"
else
	nok "grpc core conformance through the unix socket"
fi
if client 180 "127.0.0.1:$SP" all; then
	ok "grpc core conformance through TCP"
else
	nok "grpc core conformance through TCP"
fi

if client 120 "127.0.0.1:$SP" slow-reader "$SCPID" 256; then
	ok "flow control: a slow worker stalls the frontend, memory bounded"
else
	nok "flow control: a slow worker stalls the frontend, memory bounded"
fi

# ---------------------------------------------------------------- admin
if http "http://127.0.0.1:$AP/healthz" | sed -n 1p | grep -qx 200 &&
    http "http://127.0.0.1:$AP/readyz" | sed -n 1p | grep -qx 200; then
	ok "admin /healthz and /readyz answer 200"
else
	nok "admin /healthz /readyz"
fi
http "http://127.0.0.1:$AP/metrics" > "$T/metrics"
if grep -q '^tenuo_sidecar_rpcs_total{method="/test.Echo/Unary",grpc_status="0"} [1-9]' "$T/metrics" &&
    grep -q '^tenuo_sidecar_streams_total [1-9]' "$T/metrics"; then
	ok "admin /metrics counts RPCs by method and status"
else
	nok "admin /metrics"
fi

# --------------------------------------------------------------- faults
ASAN_OPTIONS=detect_leaks=0 timeout 30 "$CLIENT" "127.0.0.1:$SP" \
    inflight-unavailable > "$T/inflight.out" 2>&1 &
CLPID=$!
sleep 0.5
kill "$BEPID"
wait "$BEPID" 2>/dev/null
BEPID=""
wait "$CLPID"
rc=$?
sed 's/^/    /' "$T/inflight.out"
[ $rc -eq 0 ] && ok "upstream killed: in-flight stream gets UNAVAILABLE" ||
    nok "upstream killed: in-flight stream gets UNAVAILABLE"
if client 30 "127.0.0.1:$SP" expect-unavailable; then
	ok "upstream down: new stream gets UNAVAILABLE"
else
	nok "upstream down: new stream gets UNAVAILABLE"
fi
if http "http://127.0.0.1:$AP/readyz" | sed -n 1p | grep -qx 503; then
	ok "admin /readyz is 503 while the upstream is down"
else
	nok "admin /readyz while the upstream is down"
fi
start_backend -p "$BP"
if client 30 "127.0.0.1:$SP" wait-ok 15; then
	ok "reconnects after the upstream returns"
else
	nok "reconnects after the upstream returns"
fi

# ------------------------------------------------------ upstream GOAWAY
# One worker connection for the whole run: the client's (+1); a GOAWAY
# passed on to the worker would make it reconnect (+2).
c0=$(metric connections_total)
u0=$(metric upstream_connects_total)
if client 60 "127.0.0.1:$SP" goaway &&
    [ "$(metric connections_total)" = "$((c0 + 1))" ] &&
    [ "$(metric upstream_connects_total)" -gt "$u0" ]; then
	ok "upstream GOAWAY drained: in-flight calls finish, racing calls are resent, new ones use a fresh upstream connection, the worker stays connected"
else
	nok "upstream GOAWAY drained (worker connections $c0 -> $(metric connections_total))"
fi
echo "    ($(metric streams_replayed_total) streams refused unseen and resent)"

# -------------------------------------------------------------- signals
echo "no_such_key = 1" >> "$T/sc.conf"
kill -HUP "$SCPID"
if wait_for "$T/sc.err" "reload refused" && kill -0 "$SCPID" &&
    grep -q 'sc.conf:9: unknown key "no_such_key"' "$T/sc.err" &&
    client 30 "127.0.0.1:$SP" wait-ok 5; then
	ok "SIGHUP with a bad config: refused with file:line, still serving"
else
	nok "SIGHUP with a bad config"
fi
cp "$T/sc.good" "$T/sc.conf"
kill -HUP "$SCPID"
if wait_for "$T/sc.err" "configuration reloaded" &&
    client 30 "127.0.0.1:$SP" wait-ok 5; then
	ok "SIGHUP with a good config reloads"
else
	nok "SIGHUP with a good config"
fi
mv "$T/audit.log" "$T/audit.log.1"
kill -USR1 "$SCPID"
wait_for "$T/sc.err" "reopening the audit log" >/dev/null
client 30 "127.0.0.1:$SP" wait-ok 5 >/dev/null
if wait_for "$T/audit.log" '"event":"connection_opened"' &&
    grep -q '"event":"config_reload_refused"' "$T/audit.log.1"; then
	ok "SIGUSR1 reopens the audit log (JSON lines in both files)"
else
	nok "SIGUSR1 reopens the audit log"
fi

# SIGTERM: a grpc core call and a raw HTTP/2 one (nghttp, which shows
# the frames) in flight; both must finish, and the worker must get the
# shutdown notice (GOAWAY, last stream 2^31-1) then the final GOAWAY
# naming its stream.
ASAN_OPTIONS=detect_leaks=0 timeout 30 "$CLIENT" "127.0.0.1:$SP" delay 1500 \
    > "$T/drain.out" 2>&1 &
CLPID=$!
printf '\0\0\0\0\5hello' > "$T/body"
timeout 30 nghttp -nv -H 'content-type: application/grpc' -H 'te: trailers' \
    -H 'x-delay-ms: 2500' -d "$T/body" \
    "http://127.0.0.1:$SP/test.Echo/Delay" > "$T/nghttp.out" 2>&1 &
NGPID=$!
sleep 0.5
kill -TERM "$SCPID"
wait "$CLPID"
crc=$?
wait "$NGPID"
nrc=$?
sed 's/^/    /' "$T/drain.out"
wait_exit "$SCPID" 150
src=$EXITRC
SCPID=""
if [ $crc -eq 0 ] && [ "$src" = 0 ] && grep -q "stopped" "$T/sc.err"; then
	ok "SIGTERM drains the in-flight call and exits 0"
else
	nok "SIGTERM drain (client rc $crc, sidecar rc $src)"
	tail -5 "$T/sc.err"
fi
if [ $nrc -eq 0 ] &&
    grep -q 'last_stream_id=2147483647, error_code=NO_ERROR' "$T/nghttp.out" &&
    grep -Eq 'last_stream_id=[1-9][0-9]{0,8}, error_code=NO_ERROR' "$T/nghttp.out" &&
    grep -q 'grpc-status: 0' "$T/nghttp.out"; then
	ok "SIGTERM: the worker gets GOAWAY twice (notice, then last stream) and its call completes"
else
	nok "SIGTERM GOAWAY to the worker (nghttp rc $nrc)"
	grep -i 'goaway\|last_stream\|grpc-status' "$T/nghttp.out" | sed 's/^/    /'
fi
san_clean
wrap_clean

echo "test-daemon-int: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
