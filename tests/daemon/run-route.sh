#!/bin/sh
# Routing test (issue 8, daemon/route.h): the sidecar between our nghttp2
# backend (h2backend -r: it records the :path of every request it gets)
# and a raw HTTP/2 client (h2raw) that sends what SDKs never would.  Each
# refused case checks the gRPC status (or nghttp2's RST_STREAM) the
# client got, that the backend saw nothing, and that an audit event was
# written.  127.0.0.1 only, random free ports, every step under a
# timeout, every process we start is killed on exit.
#
# Env: SIDECAR BACKEND RAW (paths to the binaries).
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
tn_bins SIDECAR BACKEND RAW
tn_init route
pass=0
fail=0
WS=/temporal.api.workflowservice.v1.WorkflowService

ok() { echo "ok - $1"; pass=$((pass + 1)); }
nok() { echo "FAIL - $1"; fail=$((fail + 1)); }

ndeny() { grep -c '"decision":"deny"' "$T/audit.log" 2>/dev/null || true; }

# raw ARGS...: one request through the sidecar; output in $T/raw.out
raw() {
	timeout 10 "$RAW" -p "$SP" -t 3000 "$@" > "$T/raw.out" 2>&1
}

# refused EXPECT NAME ARGS...: EXPECT is "status N" or "rst N"
refused() {
	want=$1
	name=$2
	shift 2
	before=$(nlines "$T/reqs")
	dbefore=$(ndeny)
	raw "$@"
	sleep 0.05
	after=$(nlines "$T/reqs")
	dafter=$(ndeny)
	if [ "$(tail -1 "$T/raw.out")" = "$want" ] &&
	    [ "$before" = "$after" ] && [ "$dafter" -gt "$dbefore" ]; then
		ok "refused: $name ($want, never forwarded, audited)"
	else
		nok "refused: $name (want $want; got $(tail -1 "$T/raw.out");" \
		    "backend requests $before -> $after; deny events" \
		    "$dbefore -> $dafter)"
		sed 's/^/    /' "$T/raw.out"
	fi
}

# passed NAME PATH ARGS...: the backend got exactly PATH
passed() {
	name=$1
	path=$2
	shift 2
	before=$(nlines "$T/reqs")
	raw -s "$path" "$@"
	sleep 0.05
	after=$(nlines "$T/reqs")
	if [ "$after" = $((before + 1)) ] &&
	    [ "$(tail -1 "$T/reqs")" = "$path" ] &&
	    ! grep -q "grpc-message: tenuo-sidecar" "$T/raw.out"; then
		ok "passed: $name"
	else
		nok "passed: $name (backend requests $before -> $after)"
		sed 's/^/    /' "$T/raw.out"
	fi
}

# ---------------------------------------------------------------- start
start_backend -p 0 -r "$T/reqs"
SP=$(freeport)
cat > "$T/sc.conf" <<EOC
listen = 127.0.0.1:$SP
upstream = 127.0.0.1:$BP
allow_service = test.Echo
require_warrant = off
audit_log = $T/audit.log
shutdown_grace = 2s
EOC
chmod 600 "$T/sc.conf"
# SIDECAR_WRAP: a command to run the sidecar under (make test-valgrind).
${SIDECAR_WRAP:-} "$SIDECAR" -c "$T/sc.conf" 2> "$T/sc.err" &
SCPID=$!
if ! wait_for "$T/sc.err" "forwarding to" 300; then
	cat "$T/sc.err"
	nok "sidecar starts"
	echo "test-daemon-route: $pass passed, $fail failed"
	exit 1
fi

# ------------------------------------------------------- what passes
passed "canonical WorkflowService method" "$WS/GetSystemInfo"
passed "unknown WorkflowService method (the frontend answers)" \
    "$WS/NoSuchMethod"
passed "inspected method, one message" "$WS/PollActivityTaskQueue"
passed "grpc.health.v1.Health" "/grpc.health.v1.Health/Check"
passed "allow_service test.Echo" "/test.Echo/Unary"
passed "content-type application/grpc+proto" "$WS/GetSystemInfo" \
    -D content-type -H content-type=application/grpc+proto

# x-tenuo-* metadata: dropped and audited, the rest of the call goes on
raw -s /test.Echo/Unary -H x-foo=bar -H x-tenuo-warrant=abc \
    -H x-tenuo-pop=def
if grep -q "^hdr x-foo: bar$" "$T/raw.out" &&
    ! grep -qi "^hdr x-tenuo" "$T/raw.out" &&
    [ "$(tail -1 "$T/raw.out")" = "status 0" ] &&
    grep -q '"decision":"metadata_dropped"' "$T/audit.log"; then
	ok "x-tenuo-* gRPC metadata dropped before the frontend, audited"
else
	nok "x-tenuo-* gRPC metadata"
	sed 's/^/    /' "$T/raw.out"
fi

# ------------------------------------------------------ path spellings
refused "status 3" "double slash" -s "/$WS/PollActivityTaskQueue"
refused "status 3" "empty segment" -s "$WS//PollActivityTaskQueue"
refused "status 3" "dot segment" -s "$WS/./PollActivityTaskQueue"
refused "status 3" "dot-dot segment" -s "/x/..$WS/PollActivityTaskQueue"
refused "status 3" "percent-encoding" -s "$WS/Poll%41ctivityTaskQueue"
refused "status 3" "encoded slash" \
    -s "/temporal.api.workflowservice.v1.WorkflowService%2FPollActivityTaskQueue"
refused "status 3" "query string" -s "$WS/PollActivityTaskQueue?x=1"
refused "status 3" "trailing slash" -s "$WS/PollActivityTaskQueue/"
refused "status 3" "method case variant" -s "$WS/pollActivityTaskQueue"
refused "status 3" "method case variant (ById)" \
    -s "$WS/RespondActivityTaskCompletedbyId"
refused "status 3" "service case variant" \
    -s "/temporal.api.workflowservice.v1.workflowservice/PollActivityTaskQueue"
refused "status 3" "NUL in the path" -s "$WS/PollActivityTaskQueue\\0"
refused "rst 1" "absolute URI" -s "http://h$WS/PollActivityTaskQueue"
refused "status 12" "service not passed" -s "/other.Service/Method"
refused "status 12" "grpc reflection not passed" \
    -s "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"
refused "status 12" "operator service not passed by default" \
    -s "/temporal.api.operatorservice.v1.OperatorService/ListClusters"

# ---------------------------------------------------- pseudo-headers
refused "rst 1" "duplicate :path" -s "$WS/GetSystemInfo" \
    -H ":path=$WS/PollActivityTaskQueue"
refused "rst 1" "duplicate :authority" -s "$WS/GetSystemInfo" \
    -H ":authority=other"
refused "rst 1" "missing :path" -s "$WS/GetSystemInfo" -D :path
refused "rst 1" "missing :method" -s "$WS/GetSystemInfo" -D :method
refused "rst 1" "extra pseudo-header" -s "$WS/GetSystemInfo" \
    -H ":protocol=websocket"
refused "status 3" ":method GET" -s "$WS/GetSystemInfo" -D :method \
    -H ":method=GET"

# ------------------------------------------------------ content-type
for ct in application/json text/plain application/grpc-web \
    application/grpc-web+proto application/grpc+json; do
	refused "status 3" "content-type $ct" -s "$WS/GetSystemInfo" \
	    -D content-type -H "content-type=$ct"
done
refused "status 3" "no content-type" -s "$WS/GetSystemInfo" -D content-type

# ------------------------------------------------------ header fields
for h in content-type=application/grpc te=trailers grpc-timeout=1S \
    grpc-encoding=identity user-agent=x temporal-namespace=ns2; do
	refused "status 3" "duplicate ${h%%=*}" -s "$WS/GetSystemInfo" -H "$h" \
	    -H "$h"
done
refused "status 3" "CR in a value" -s "$WS/GetSystemInfo" -H 'x-a=1\r2'
refused "status 3" "LF in a value" -s "$WS/GetSystemInfo" -H 'x-a=1\n2'
refused "status 3" "NUL in a value" -s "$WS/GetSystemInfo" -H 'x-a=1\02'
refused "status 3" "invalid name" -s "$WS/GetSystemInfo" -H 'x(a=1'
refused "rst 1" "upper-case name" -s "$WS/GetSystemInfo" -H 'X-A=1'
refused "rst 1" "connection-specific field" -s "$WS/GetSystemInfo" \
    -H 'connection=close'
refused "rst 1" "te other than trailers" -s "$WS/GetSystemInfo" -D te \
    -H 'te=gzip'

# ------------------------------------------ one message per unary call
refused "status 3" "two messages on a poll" -s "$WS/PollActivityTaskQueue" \
    -m 2
refused "status 3" "no message on a poll" -s "$WS/PollActivityTaskQueue" \
    -m 0
refused "status 3" "two messages on a completion" \
    -s "$WS/RespondActivityTaskCompleted" -m 2
refused "status 3" "no message on a start" -s "$WS/StartWorkflowExecution" \
    -m 0
refused "status 3" "two messages on a workflow task completion" \
    -s "$WS/RespondWorkflowTaskCompleted" -m 2

# ---------------------------------------------------- HTTP/1.1, h2c
for name in "HTTP/1.1 request" "h2c upgrade"; do
	before=$(nlines "$T/reqs")
	if [ "$name" = "h2c upgrade" ]; then
		req='POST /temporal.api.workflowservice.v1.WorkflowService/GetSystemInfo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\nContent-Type: application/grpc\r\nContent-Length: 0\r\n\r\n'
	else
		req='POST /temporal.api.workflowservice.v1.WorkflowService/GetSystemInfo HTTP/1.1\r\nHost: x\r\nContent-Type: application/grpc\r\nContent-Length: 0\r\n\r\n'
	fi
	timeout 10 "$RAW" -p "$SP" -t 3000 -1 "$req" > "$T/raw.out" 2>&1
	if [ "$(tail -1 "$T/raw.out")" = "closed" ] &&
	    ! grep -q "HTTP/1" "$T/raw.out" &&
	    [ "$before" = "$(nlines "$T/reqs")" ]; then
		ok "refused: $name (connection closed, never forwarded)"
	else
		nok "refused: $name"
		sed 's/^/    /' "$T/raw.out"
	fi
done

# ------------------------------------------------------------- stop
stop_sidecar "sidecar exits 0"
san_clean
wrap_clean

echo "test-daemon-route: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
