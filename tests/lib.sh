# Shell helpers shared by the test and bench scripts (POSIX sh), sourced
# by tests/daemon/run-*.sh, tests/soak/run.sh, bench/net/*.sh and
# bench/authz/large-rss.sh.  Scripts define their own ok/nok counters.
# Helper-local variables start with _ so they do not clobber the caller's.

# tn_init NAME: makes $T (/tmp/tenuo-NAME.XXXXXX), clears PIDS BEPID SCPID
# and sets the traps: on exit every pid in them is continued and killed
# and $T removed; INT and TERM exit 1.
tn_init() {
	T=$(mktemp -d "/tmp/tenuo-$1.XXXXXX")
	PIDS=""
	BEPID=""
	SCPID=""
	trap tn_cleanup EXIT
	trap 'exit 1' INT TERM
}

# tn_cleanup: the EXIT trap of tn_init (SIGCONT first: a case may have
# stopped a process).
tn_cleanup() {
	for _p in $PIDS $BEPID $SCPID; do
		kill -CONT "$_p" 2>/dev/null
		kill "$_p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$T"
}

# tn_bins VAR...: each VAR must be set (else the script exits, naming it);
# its path is made absolute.
tn_bins() {
	for _v in "$@"; do
		eval ": \"\${$_v:?}\""
		eval "$_v=\$(realpath \"\$$_v\")"
	done
}

# freeport: prints a TCP port on 127.0.0.1 that was free a moment ago.
freeport() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_for FILE PATTERN [tenths] [min count]: waits until FILE has at least
# min count (1) lines matching PATTERN, at most tenths (WAIT_TENTHS, else
# 50) tenths of a second; 1 on timeout.
wait_for() {
	_i=0
	while [ "$_i" -lt "${3:-${WAIT_TENTHS:-50}}" ]; do
		_c=$(grep -c "$2" "$1" 2>/dev/null)
		[ "${_c:-0}" -ge "${4:-1}" ] && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# wait_exit PID [tenths]: waits until PID is gone (100 tenths at most) and
# reaps it; sets EXITRC to its exit status, or to "timeout" and returns 1.
wait_exit() {
	_i=0
	while kill -0 "$1" 2>/dev/null && [ "$_i" -lt "${2:-100}" ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if kill -0 "$1" 2>/dev/null; then
		EXITRC=timeout
		return 1
	fi
	wait "$1"
	EXITRC=$?
	return 0
}

# start_named NAME FILE CMD...: runs CMD (a server that prints "PORT n")
# in the background, stdin /dev/null, output to FILE, its pid in PIDS and
# PID_NAME; waits (WAIT_TENTHS) for the line and sets PORT_NAME; 1 when
# it does not come.
start_named() {
	_n=$1
	_f=$2
	shift 2
	"$@" > "$_f" 2>&1 < /dev/null &
	eval "PID_$_n=$!"
	PIDS="$PIDS $!"
	wait_for "$_f" "^PORT " || return 1
	eval "PORT_$_n=$(awk '/^PORT/ { print $2 }' "$_f")"
}

# start_backend ARGS...: starts h2backend ($BACKEND ARGS) as BEPID, output
# to $T/be.out; sets BP to its port, exits 1 when it does not start.
start_backend() {
	: > "$T/be.out"
	"$BACKEND" "$@" > "$T/be.out" 2>&1 &
	BEPID=$!
	wait_for "$T/be.out" "^PORT " || { echo "backend did not start"; exit 1; }
	# shellcheck disable=SC2034 # for the caller
	BP=$(awk '/^PORT/ { print $2 }' "$T/be.out")
}

# client SECS ARGS...: grpcclient to $TARGET (TLS with $CA, $CERT, $KEY
# when set), output indented; its exit status.  No leak check: grpc core
# keeps some allocations until exit.
client() {
	secs=$1
	shift
	env ${CA:+GRPCCLIENT_CA=$CA} ${CERT:+GRPCCLIENT_CERT=$CERT} \
	    ${KEY:+GRPCCLIENT_KEY=$KEY} ASAN_OPTIONS=detect_leaks=0 \
	    timeout "$secs" "$CLIENT" "$TARGET" "$@" > "$T/client.out" 2>&1
	rc=$?
	sed 's/^/    /' "$T/client.out"
	return $rc
}

# http URL: prints the status line's code then the body; 0 when no answer.
http() {
	python3 - "$1" <<'EOP'
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=5)
    print(r.status); print(r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code)
except Exception as e:
    print(0)
EOP
}

# readyz: the status code of /readyz on admin port $AP (0: no answer).
readyz() { http "http://127.0.0.1:$AP/readyz" | sed -n 1p; }

# wait_ready CODE: /readyz answers CODE within 8 s.
wait_ready() {
	_i=0
	while [ $_i -lt 40 ]; do
		[ "$(readyz)" = "$1" ] && return 0
		sleep 0.2
		_i=$((_i + 1))
	done
	return 1
}

# metric NAME: the value of tenuo_sidecar_NAME on admin port $AP (empty
# when missing).
metric() {
	http "http://127.0.0.1:$AP/metrics" |
	    awk -v m="tenuo_sidecar_$1" '$1 == m { print $2 }'
}

# metric_at PORT NAME: the value of tenuo_sidecar_NAME on admin port PORT
# (-1 when missing).
metric_at() {
	python3 - "$1" "$2" <<'EOP'
import sys, urllib.request
m = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1],
    timeout=5).read().decode()
for l in m.splitlines():
    if l.startswith("tenuo_sidecar_%s " % sys.argv[2]):
        print(l.split()[1]); break
else:
    print(-1)
EOP
}

# sc_conf DIR LISTEN_PORT UPSTREAM_PORT: prints the sidecar config lines
# the bench scripts share (audit log and task token key in DIR).
sc_conf() {
	echo "listen = 127.0.0.1:$2"
	echo "upstream = 127.0.0.1:$3"
	echo "allow_service = test.Echo"
	echo "audit_log = $1/audit.log"
	echo "task_token_key_file = $1/token.key"
	echo "shutdown_grace = 1s"
}

# stop_sidecar OKNAME: SIGTERM to $SCPID, then ok OKNAME when it exits 0
# within 10 s, else nok (with the tail of $T/sc.err).
stop_sidecar() {
	kill -TERM "$SCPID"
	if ! wait_exit "$SCPID" 100; then
		nok "sidecar exits on SIGTERM"
		return
	fi
	SCPID=""
	if [ "$EXITRC" -eq 0 ]; then
		ok "$1"
	else
		nok "sidecar exit status $EXITRC"
		tail -20 "$T/sc.err"
	fi
}

# san_clean: nok (and the reports) when $T/sc.err has a sanitizer report.
san_clean() {
	if grep -q "ERROR: \(Address\|Leak\|Undefined\)Sanitizer\|runtime error" \
	    "$T/sc.err"; then
		nok "sidecar ran clean under the sanitizers"
		grep -A20 "Sanitizer\|runtime error" "$T/sc.err" | head -60
	fi
}

# wrap_clean: under valgrind (SIDECAR_WRAP), any memcheck report in
# $T/sc.err fails the run (the error exit code, if set, already failed
# the exit status check).
wrap_clean() {
	[ -n "${SIDECAR_WRAP:-}" ] || return 0
	if grep -q '^==[0-9]*== ' "$T/sc.err"; then
		nok "sidecar ran clean under $SIDECAR_WRAP"
		grep '^==[0-9]*== ' "$T/sc.err" | head -80
	else
		ok "sidecar ran clean under ${SIDECAR_WRAP%% *}"
	fi
}

# nlines FILE: its line count, 0 when it does not exist.
nlines() { if [ -f "$1" ]; then wc -l < "$1"; else echo 0; fi; }

# proc_kb PID FIELD: the value of FIELD (VmRSS, VmHWM in kB; Threads) in
# /proc/PID/status; nothing when PID is gone.
proc_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }

# nfds PID: how many descriptors PID has open.
nfds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
