#!/bin/sh
# Fault injection (issue 7): tenuo-sidecar between our gRPC backend
# (h2backend) and grpc core clients (grpcclient), or the e2e suite's
# stand-in Temporal frontend (faults-tasks.js) for the activity-task
# cases.  Each case starts its own sidecar and checks at the end that it
# is still alive (or exited 0 when told to stop) and that no task the
# frontend handed out went missing.
#
#   1 upstream down at start        5 worker killed mid-task
#   2 upstream SIGKILLed mid-poll   6 SIGHUP storm under load
#   3 slow upstream / slow worker   7 audit log on a full disk
#   4 TLS failures on both sides
#
# 127.0.0.1 and unix sockets only, random free ports, every wait bounded,
# every process we start is killed on exit.  Output: "ok N - name" or
# "not ok N - name" per check, then "N passed, M failed"; exit 1 on a
# failure.  FAULTS_CASES="1 4" runs only those cases.
#
# Env: SIDECAR BACKEND CLIENT (paths to the binaries); SIDECAR_WRAP
# (a command the sidecar runs under, e.g. valgrind); NODE (default node).
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
tn_bins SIDECAR BACKEND CLIENT
SRC=$(cd "$(dirname "$0")" && pwd)
NODE=${NODE:-node}
WRAP=${SIDECAR_WRAP:-}
CASES=${FAULTS_CASES:-1 2 3 4 5 6 7}
tn_init faults
n=0
pass=0
fail=0
skip=0

ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $CASE: $1"; }
nok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $CASE: $1"; }
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }

# backend NAME PORT ARGS...: starts h2backend on PORT (0: any), sets
# PORT_NAME and PID_NAME
backend() {
	name=$1
	port=$2
	shift 2
	start_named "$name" "$T/be-$name.out" "$BACKEND" "$@" -p "$port" ||
	    { echo "backend $name did not start"; cat "$T/be-$name.out"; exit 1; }
}

rss_kb() { proc_kb "$1" VmRSS; }

# conf LINES...: the sidecar's config ($T/sc.conf), written atomically.
conf() {
	{
		echo "listen = 127.0.0.1:$SP"
		echo "admin_listen = 127.0.0.1:$AP"
		echo "require_warrant = off"
		echo "allow_service = test.Echo"
		echo "shutdown_grace = 5s"
		for l in "$@"; do
			echo "$l"
		done
	} > "$T/sc.conf.new"
	chmod 600 "$T/sc.conf.new"
	mv "$T/sc.conf.new" "$T/sc.conf"
}

# start_sidecar: runs it on $T/sc.conf, stderr to $T/sc.err
start_sidecar() {
	: > "$T/sc.err"
	$WRAP "$SIDECAR" -c "$T/sc.conf" 2> "$T/sc.err" &
	SCPID=$!
	if ! wait_for "$T/sc.err" "forwarding to" 300; then
		nok "sidecar starts"
		sed 's/^/    /' "$T/sc.err" | tail -20
		return 1
	fi
	return 0
}

# end_case: the sidecar must be alive, then stop with exit 0 and no
# sanitizer (or valgrind) report.
end_case() {
	if ! kill -0 "$SCPID" 2>/dev/null; then
		nok "sidecar alive at the end"
		tail -20 "$T/sc.err" | sed 's/^/    /'
		wait "$SCPID" 2>/dev/null
		SCPID=""
		return
	fi
	kill -TERM "$SCPID"
	i=0
	while kill -0 "$SCPID" 2>/dev/null && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$SCPID" 2>/dev/null
	wait "$SCPID"
	src=$?
	SCPID=""
	if [ $src -eq 0 ] && ! grep -q "ERROR: \(Address\|Leak\|Undefined\)Sanitizer\|runtime error\|== ERROR SUMMARY: [1-9]" "$T/sc.err"; then
		ok "sidecar alive at the end, SIGTERM exits 0"
	else
		nok "sidecar alive at the end, SIGTERM exits 0 (rc $src)"
		grep -A20 "Sanitizer\|runtime error\|ERROR SUMMARY" "$T/sc.err" |
		    head -40 | sed 's/^/    /'
	fi
}

want() { case " $CASES " in *" $1 "*) return 0 ;; esac; return 1; }

SP=$(freeport)
AP=$(freeport)
TARGET=127.0.0.1:$SP

# ------------------------------------------- 1 upstream down at start
if want 1; then
CASE="1 upstream down at start"
BP=$(freeport)
conf "upstream = 127.0.0.1:$BP" "audit_log = $T/audit1.log"
if start_sidecar; then
	ok "sidecar starts with nothing listening upstream"
	pid0=$SCPID
	check "/readyz is 503 (not ready)" "wait_ready 503"
	check "an RPC gets UNAVAILABLE from the sidecar naming the upstream" \
	    "client 30 expect-unavailable 'Connection refused'"
	check "the refusal is logged and audited (upstream_connect_failed)" \
	    "grep -q 'upstream 127.0.0.1:$BP: .*Connection refused' '$T/sc.err' &&
	    wait_for '$T/audit1.log' '\"event\":\"upstream_connect_failed\"'"
	backend up1 "$BP"
	check "the upstream comes up: RPCs succeed, no restart" \
	    "client 30 wait-ok 15 && [ \$SCPID = $pid0 ]"
	check "/readyz turns 200" "wait_ready 200"
	end_case
	kill "$PID_up1" 2>/dev/null
fi
fi

# ------------------------------------- 2 upstream SIGKILLed mid-poll
if want 2; then
CASE="2 upstream killed mid-poll"
backend up2 0
conf "upstream = 127.0.0.1:$PORT_up2" "audit_log = $T/audit2.log"
if start_sidecar; then
	check "RPCs go through" "client 30 wait-ok 10"
	# Three long polls in flight (Sleep: the backend never answers).
	for i in 1 2 3; do
		ASAN_OPTIONS=detect_leaks=0 timeout 30 "$CLIENT" "$TARGET" \
		    inflight-unavailable > "$T/poll$i.out" 2>&1 &
		eval "CL$i=$!"
	done
	sleep 1
	kill -KILL "$PID_up2"
	t0=$(date +%s%N)
	prc=0
	for i in 1 2 3; do
		eval "wait \$CL$i" || prc=1
	done
	ms=$((($(date +%s%N) - t0) / 1000000))
	sed 's/^/    /' "$T/poll1.out"
	check "the long polls get UNAVAILABLE promptly ($ms ms after the kill)" \
	    "[ $prc -eq 0 ] && [ $ms -lt 3000 ]"
	check "new RPCs get UNAVAILABLE while it is down" \
	    "client 30 expect-unavailable 'upstream'"
	check "the loss is audited (upstream_lost)" \
	    "wait_for '$T/audit2.log' '\"event\":\"upstream_lost\"'"
	check "the sidecar survives" "kill -0 $SCPID"
	backend up2 "$PORT_up2"
	check "reconnects when the upstream returns" "client 30 wait-ok 15"
	end_case
	kill "$PID_up2" 2>/dev/null
fi
fi

# -------------------------------------- 3 slow upstream / slow worker
if want 3; then
CASE="3 backpressure"
backend up3 0
conf "upstream = 127.0.0.1:$PORT_up3" "audit_log = $T/audit3.log"
if start_sidecar; then
	# A frontend that stops reading (SIGSTOP) while four workers each
	# send a 16 MiB message: the sidecar buffers a window per stream,
	# not the messages; when it resumes every echo comes back whole.
	python3 -c 'import sys, struct
n = 16 * 1024 * 1024
sys.stdout.buffer.write(b"\0" + struct.pack(">I", n) + bytes(range(256)) * (n // 256))' \
	    > "$T/big"
	client 30 wait-ok 10 > /dev/null
	r0=$(rss_kb "$SCPID")
	kill -STOP "$PID_up3"
	for i in 1 2 3 4; do
		timeout 60 nghttp -nv -H 'content-type: application/grpc' \
		    -H 'te: trailers' -d "$T/big" \
		    "http://127.0.0.1:$SP/test.Echo/Unary" > "$T/up$i.out" 2>&1 &
		eval "NG$i=$!"
	done
	sleep 4
	r1=$(rss_kb "$SCPID")
	grow=$(( (r1 - r0) / 1024 ))
	echo "    (VmRSS ${r0} kB -> ${r1} kB with 64 MiB waiting to go upstream)"
	check "frontend not reading: sidecar memory bounded (+$grow MiB < 24 MiB)" \
	    "[ $grow -lt 24 ]"
	kill -CONT "$PID_up3"
	nrc=0
	for i in 1 2 3 4; do
		eval "wait \$NG$i" || nrc=1
	done
	good=$(grep -l 'grpc-status: 0' "$T"/up?.out | wc -l)
	check "when it reads again the four transfers complete ($good/4 grpc-status 0)" \
	    "[ $nrc -eq 0 ] && [ $good -eq 4 ]"
	rm -f "$T/big"
	check "a worker that does not read: the frontend stalls, memory bounded, all arrives" \
	    "client 120 slow-reader $SCPID 256"
	end_case
fi
fi

# ---------------------------------------------------- 4 TLS failures
if want 4; then
CASE="4 TLS failures"
P="$T/pki"
sh "$SRC/mkcerts.sh" "$P" || { echo "mkcerts.sh failed"; exit 1; }
backend tls 0 -c "$P/server.pem" -k "$P/server.key"
backend noalpn 0 -c "$P/server.pem" -k "$P/server.key" -n
TP=$(freeport)
tconf() {
	conf "listen = tls:127.0.0.1:$TP" \
	    "listen_tls_cert_file = $P/server.pem" \
	    "listen_tls_key_file = $P/server.key" \
	    "tls_handshake_timeout = 1s" "audit_log = $T/audit4.log" \
	    "upstream_tls = on" "$@"
}
nrel=0
treload() {
	tconf "$@"
	nrel=$((nrel + 1))
	kill -HUP "$SCPID"
	wait_for "$T/sc.err" "configuration reloaded\|reload refused" 50 "$nrel"
}
tconf "upstream = 127.0.0.1:$PORT_tls" "upstream_ca_file = $P/ca2.pem"
if start_sidecar; then
	check "upstream certificate from an untrusted CA: UNAVAILABLE, logged, audited" \
	    "client 30 expect-unavailable 'certificate verify failed' &&
	    grep -q 'upstream.*TLS: certificate verify failed' '$T/sc.err' &&
	    wait_for '$T/audit4.log' 'upstream_connect_failed.*certificate verify failed'"
	treload "upstream = 127.0.0.1:$PORT_tls" "upstream_ca_file = $P/ca.pem" \
	    "upstream_server_name = wrong.example"
	check "wrong upstream server name: UNAVAILABLE (hostname mismatch), audited" \
	    "client 30 expect-unavailable 'hostname mismatch' &&
	    wait_for '$T/audit4.log' 'upstream_connect_failed.*hostname mismatch'"
	treload "upstream = 127.0.0.1:$PORT_noalpn" "upstream_ca_file = $P/ca.pem"
	check "upstream without ALPN h2: UNAVAILABLE, audited" \
	    "client 30 expect-unavailable 'ALPN h2' &&
	    wait_for '$T/audit4.log' 'upstream_connect_failed.*ALPN'"
	treload "upstream = 127.0.0.1:$PORT_tls" "upstream_ca_file = $P/ca.pem"
	check "with the right settings the same sidecar serves" \
	    "client 30 wait-ok 10"
	# Downstream: garbage instead of a ClientHello, a client that does
	# not trust us, a client that never finishes the handshake.
	f0=$(metric downstream_tls_failures_total)
	python3 -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + bytes(range(256)) * 8)
try:
    d = s.recv(100)
except OSError:
    d = b""
print("garbage answered with %d bytes then closed" % len(d))' "$TP" | sed 's/^/    /'
	(TARGET=127.0.0.1:$TP CA=$P/ca2.pem; client 30 expect-refused) \
	    > /dev/null
	python3 -c 'import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"\x16\x03\x01\x00\x05")
t = time.time(); d = s.recv(1)
print("half a ClientHello: closed after %.1fs" % (time.time() - t))' "$TP" |
	    sed 's/^/    /'
	f1=$(metric downstream_tls_failures_total)
	check "bad downstream handshakes are counted ($f0 -> $f1), logged and audited" \
	    "[ $f1 -ge \$(($f0 + 3)) ] &&
	    wait_for '$T/audit4.log' '\"event\":\"tls_handshake_failed\"' 50 3 &&
	    grep -qi 'handshake' '$T/sc.err'"
	check "and the sidecar keeps serving TLS workers" \
	    "(TARGET=127.0.0.1:$TP CA=$P/ca.pem; client 30 auth)"
	end_case
fi
kill "$PID_tls" "$PID_noalpn" 2>/dev/null
fi

# ------------------------------------------------- 5 worker killed
# (and 7: the audit log on a full disk) run on the stand-in Temporal
# frontend; their checks come back as ok/FAIL lines, renumbered here.
node_case() {
	CASE=$1
	mode=$2
	if ! command -v "$NODE" > /dev/null 2>&1; then
		n=$((n + 1)); skip=$((skip + 1))
		echo "ok $n - $CASE # SKIP node not found"
		return
	fi
	SIDECAR=$SIDECAR timeout 170 "$NODE" "$SRC/faults-tasks.js" "$mode" \
	    > "$T/node.out" 2>&1
	rc=$?
	while IFS= read -r l; do
		case $l in
		"ok - "*) ok "${l#ok - }" ;;
		"FAIL - "*) nok "${l#FAIL - }" ;;
		"SKIP - "*) n=$((n + 1)); skip=$((skip + 1))
		    echo "ok $n - $CASE # SKIP ${l#SKIP - }" ;;
		*) echo "    $l" ;;
		esac
	done < "$T/node.out"
	if [ $rc -ne 0 ] && [ $rc -ne 2 ] && ! grep -q '^FAIL - ' "$T/node.out"; then
		nok "faults-tasks.js $mode exited $rc"
	fi
}
want 5 && node_case "5 worker killed mid-task" worker-kill

# ------------------------------------------------------ 6 SIGHUP storm
if want 6; then
CASE="6 SIGHUP storm"
backend up6 0
conf "upstream = 127.0.0.1:$PORT_up6" "audit_log = $T/audit6-0.log"
cp "$T/sc.conf" "$T/sc.good"
if start_sidecar; then
	client 30 wait-ok 10 > /dev/null
	sleep 0.5
	fd0=$(nfds "$SCPID")
	ASAN_OPTIONS=detect_leaks=0 timeout 90 "$CLIENT" "$TARGET" load 12 4 16 \
	    > "$T/load.out" 2>&1 &
	LD=$!
	# Long polls held across the storm: Delay calls of 5 s, each on a
	# connection of its own.
	LPS=""
	for j in 1 2 3 4 5 6 7 8; do
		ASAN_OPTIONS=detect_leaks=0 timeout 60 "$CLIENT" "$TARGET" delay \
		    5000 > "$T/lp$j.out" 2>&1 &
		LPS="$LPS $!"
	done
	sleep 1
	i=0
	while [ $i -lt 120 ]; do
		case $((i % 4)) in
		0) conf "upstream = 127.0.0.1:$PORT_up6" \
		    "audit_log = $T/audit6-$i.log" ;;
		1) conf "upstream = 127.0.0.1:$PORT_up6" "no_such_key = $i" ;;
		2) conf "upstream = 127.0.0.1:$PORT_up6" \
		    "audit_log = $T/audit6-$i.log" \
		    "max_message_bytes = $((4194304 + i))" ;;
		3) conf "upstream = 127.0.0.1:$PORT_up6" "max_message_bytes = banana"
		   chmod 666 "$T/sc.conf" ;;
		esac
		kill -HUP "$SCPID" || break
		i=$((i + 1))
	done
	# And a burst with no edit in between: signals pile up.
	j=0
	while [ $j -lt 100 ] && kill -HUP "$SCPID"; do
		j=$((j + 1))
	done
	echo "    ($i SIGHUPs with edits, then $j in a burst)"
	i=$((i + j))
	wait $LD
	lrc=$?
	prc=0
	for p in $LPS; do
		wait "$p" || prc=1
	done
	tail -1 "$T/load.out" | sed 's/^/    /'
	cat "$T"/lp?.out | grep -v '^grpcclient' | sort | uniq -c |
	    sed 's/^/    /'
	check "no crash: the sidecar is alive after $i SIGHUPs" "kill -0 $SCPID"
	check "unary load during the storm: every call succeeded" "[ $lrc -eq 0 ]"
	check "8 long polls (5 s) across the storm: every one answered right" \
	    "[ $prc -eq 0 ]"
	rl=$(grep -c "configuration reloaded" "$T/sc.err")
	rf=$(grep -c "reload refused" "$T/sc.err")
	echo "    ($rl reloads done, $rf refused)"
	check "both kinds of edits were seen (reloaded and refused)" \
	    "[ $rl -ge 1 ] && [ $rf -ge 1 ]"
	# Settle, then: a last valid edit and an invalid one after it.
	sleep 1
	r0=$((rl + rf))
	conf "upstream = 127.0.0.1:$PORT_up6" "audit_log = $T/audit6-final.log"
	kill -HUP "$SCPID"
	wait_for "$T/sc.err" "configuration reloaded\|reload refused" 50 $((r0 + 1))
	conf "upstream = 127.0.0.1:$PORT_up6" "audit_log = $T/audit6-bad.log" \
	    "no_such_key = last"
	kill -HUP "$SCPID"
	wait_for "$T/sc.err" "configuration reloaded\|reload refused" 50 $((r0 + 2))
	check "RPCs succeed after the storm" "client 30 wait-ok 10"
	check "the config in force is the last valid one (its audit log gets the events)" \
	    "wait_for '$T/audit6-final.log' '\"event\":\"connection_opened\"' &&
	    [ ! -e '$T/audit6-bad.log' ] && grep 'configuration reloaded\\|reload refused' '$T/sc.err' | tail -1 | grep -q 'reload refused'"
	fd1=$fd0
	j=0
	while [ $j -lt 50 ]; do
		fd1=$(nfds "$SCPID")
		[ "$fd1" -le "$fd0" ] && break
		sleep 0.1
		j=$((j + 1))
	done
	check "no fd leaked ($fd0 before, $fd1 after)" "[ $fd1 -eq $fd0 ]"
	end_case
fi
fi

want 7 && node_case "7 audit log on a full disk" audit-full

[ $skip -gt 0 ] && echo "($skip skipped, see the SKIP lines)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
