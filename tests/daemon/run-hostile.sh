#!/bin/sh
# Hostile clients (issue 7): the sidecar, enforcing, between our nghttp2
# backend (h2backend -r: it records the :path of every request it gets)
# and a client that sends malformed gRPC and abusive HTTP/2 (hostile.c;
# `hostile -l` lists the kinds).  For each kind:
#   (a) the answer is the clear one hostile expects (a gRPC status with
#       the sidecar's grpc-message, an RST_STREAM or GOAWAY code, or a
#       closed connection), else "not ok";
#   (b) the sidecar is still running and a well-behaved call on a new
#       connection (h2raw, /test.Echo/Unary) gets status 0 right after;
#   (c) the sidecar's peak RSS during the kind (VmHWM, reset through
#       /proc/PID/clear_refs before each kind) stays under RSS_BOUND_MB
#       above its RSS after warm-up: 64 MiB, 128 MiB under the sanitizers
#       (ASan's shadow memory and a 16 MiB quarantine);
#   (d) kinds marked "n" reached nothing at the frontend (the backend's
#       request log did not grow).
# 127.0.0.1 only, random free ports, every step under a timeout, every
# process we start is killed on exit.
#
# Env: SIDECAR BACKEND RAW HOSTILE (paths to the binaries), SANITIZE,
# HOSTILE_ONLY (a kind name: run only that one).
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
tn_bins SIDECAR BACKEND RAW HOSTILE
tn_init hostile
pass=0
fail=0
n=0
if [ "${SANITIZE:-0}" = 1 ]; then
	# ASan: shadow memory, redzones and a quarantine of freed memory,
	# kept small here so growth stays visible
	RSS_BOUND_MB=128
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16
	export ASAN_OPTIONS
else
	RSS_BOUND_MB=64
fi

ok() { n=$((n + 1)); echo "ok $n - $1"; pass=$((pass + 1)); }
nok() { n=$((n + 1)); echo "not ok $n - $1"; fail=$((fail + 1)); }

# kB of VmRSS or VmHWM of the sidecar
mem() { proc_kb "$SCPID" "$1"; }

# good: a well-behaved call on a new connection; 0 when status 0
good() {
	timeout 10 "$RAW" -p "$SP" -t 5000 -s /test.Echo/Unary \
	    > "$T/good.out" 2>&1 &&
	    [ "$(tail -1 "$T/good.out")" = "status 0" ]
}

# ---------------------------------------------------------------- start
start_backend -p 0 -r "$T/reqs"
SP=$(freeport)
# Enforcing: warrants required, task tokens checked, workflow task
# completions read (block_local_activities), 4 MiB messages, 2 s for the
# client preface.
cat > "$T/sc.conf" <<EOC
listen = 127.0.0.1:$SP
upstream = 127.0.0.1:$BP
allow_service = test.Echo
enforcement = enforce
require_warrant = on
trusted_root = 3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29
max_message_bytes = 4194304
block_local_activities = on
tls_handshake_timeout = 2s
audit_log = $T/audit.log
shutdown_grace = 2s
EOC
chmod 600 "$T/sc.conf"
"$SIDECAR" -c "$T/sc.conf" 2> "$T/sc.err" &
SCPID=$!
if ! wait_for "$T/sc.err" "forwarding to"; then
	cat "$T/sc.err"
	nok "sidecar starts"
	echo "$pass passed, $fail failed"
	exit 1
fi
i=0
while [ $i -lt 5 ]; do
	good || { nok "well-behaved call before any abuse"; cat "$T/good.out"; }
	i=$((i + 1))
done
BASE=$(mem VmRSS)
echo "# sidecar pid $SCPID, RSS after warm-up ${BASE} kB;" \
    "bound: peak < +${RSS_BOUND_MB} MiB per kind"

# ---------------------------------------------------------------- kinds
"$HOSTILE" -l > "$T/kinds"
while read -r kind flags; do
	if [ -n "${HOSTILE_ONLY:-}" ] && [ "$kind" != "$HOSTILE_ONLY" ]; then
		continue
	fi
	why=""
	before=$(nlines "$T/reqs")
	echo 5 > "/proc/$SCPID/clear_refs" 2>/dev/null
	timeout 60 "$HOSTILE" -p "$SP" -t 30000 "$kind" > "$T/h.out" 2>&1
	rc=$?
	out=$(grep '^outcome: ' "$T/h.out" | sed 's/^outcome: //')
	[ $rc -eq 0 ] || why="$why; unexpected answer (rc $rc)"
	sleep 0.2
	if ! kill -0 "$SCPID" 2>/dev/null; then
		nok "$kind: $out; THE SIDECAR DIED"
		tail -30 "$T/sc.err" | sed 's/^/    /'
		break
	fi
	hwm=$(mem VmHWM)
	after=$(nlines "$T/reqs")
	fwd=""
	case $flags in
	*n*)
		[ "$before" = "$after" ] || why="$why; $((after - before))"\
" request(s) reached the frontend"
		fwd=", nothing forwarded";;
	esac
	good || why="$why; a well-behaved call then failed: "\
"$(tail -1 "$T/good.out")"
	peak=$(( (hwm - BASE) / 1024 ))
	[ "$peak" -lt "$RSS_BOUND_MB" ] ||
	    why="$why; peak RSS +$peak MiB over the baseline"
	if [ -z "$why" ]; then
		ok "$kind: $out (alive, next call ok, peak +$peak MiB$fwd)"
	else
		nok "$kind: $out${why}"
		sed 's/^/    /' "$T/h.out" | grep -v '^    outcome: '
	fi
done < "$T/kinds"

# ------------------------------------------------------------- stop
kill -0 "$SCPID" 2>/dev/null && echo "# sidecar RSS after the kinds: $(mem VmRSS) kB"
if kill -0 "$SCPID" 2>/dev/null; then
	stop_sidecar "sidecar exits 0 on SIGTERM"
fi
san_clean

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
