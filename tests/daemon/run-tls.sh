#!/bin/sh
# TLS integration test: tenuo-sidecar with TLS toward workers (grpc core
# client with grpc_ssl_credentials_create) and toward the frontend (our
# h2backend with OpenSSL), with throwaway certificates made by
# mkcerts.sh in a temp dir.  127.0.0.1 only, random free ports, every step
# under a timeout, every process we start is killed on exit.  Prints a
# summary line.
#
# Env: SIDECAR BACKEND CLIENT (paths to the binaries).
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
tn_bins SIDECAR BACKEND CLIENT
SRC=$(cd "$(dirname "$0")" && pwd)
tn_init tls
pass=0
fail=0

ok() { echo "ok - $1"; pass=$((pass + 1)); }
nok() { echo "FAIL - $1"; fail=$((fail + 1)); }
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }

# backend NAME ARGS...: starts h2backend, sets PORT_NAME
backend() {
	name=$1
	shift
	start_named "$name" "$T/be-$name.out" "$BACKEND" "$@" -p 0 ||
	    { echo "backend $name did not start"; exit 1; }
}

P="$T/pki"
sh "$SRC/mkcerts.sh" "$P" || { echo "mkcerts.sh failed"; exit 1; }
echo "not a certificate" > "$P/junk.pem"
cp "$P/client.key" "$P/open.key"
chmod 640 "$P/open.key"

# ------------------------------------------------------------ -t checks
cat > "$P/good-tls.conf" <<EOC
listen = tls:127.0.0.1:7234
listen = unix:$T/unused.sock
listen_tls_cert_file = server.pem
listen_tls_key_file = server.key
listen_tls_client_ca_file = ca.pem
upstream = localhost:7233
upstream_tls = on
upstream_ca_file = ca.pem
upstream_cert_file = client.pem
upstream_key_file = client.key
upstream_server_name = localhost
require_warrant = off
EOC
cat > "$P/bad-pki.conf" <<'EOC'
# expect: bad-pki.conf:14: upstream_key_file open.key: readable by group or others (mode 0640); run chmod go-rw
# expect: bad-pki.conf:8: listen_tls_key_file other.key: private key does not match the certificate in server.pem
# expect: bad-pki.conf:9: listen_tls_client_ca_file junk.pem: cannot load CA certificates (PEM): no certificate or crl found
# expect: bad-pki.conf:12: upstream_ca_file junk.pem: cannot load CA certificates (PEM): no certificate or crl found
listen = 127.0.0.1:7233
listen = tls:127.0.0.1:7234
listen_tls_cert_file = server.pem
listen_tls_key_file = other.key
listen_tls_client_ca_file = junk.pem
upstream = 127.0.0.1:7233
upstream_tls = on
upstream_ca_file = junk.pem
upstream_cert_file = client.pem
upstream_key_file = open.key
require_warrant = off
EOC
cat > "$P/bad-pair.conf" <<'EOC'
# expect: bad-pair.conf:6: listen_tls_cert_file junk.pem: cannot load the certificate chain (PEM): no start line (PEM lib)
# expect: bad-pair.conf:10: upstream_key_file server.key: private key does not match the certificate in client.pem
listen = tls:127.0.0.1:7234
listen_tls_key_file = server.key
upstream = localhost:7233
listen_tls_cert_file = junk.pem
upstream_tls = on
upstream_ca_file = ca.pem
upstream_cert_file = client.pem
upstream_key_file = server.key
require_warrant = off
EOC
chmod 600 "$P"/*.conf
(cd "$P" && timeout 10 "$SIDECAR" -t -c good-tls.conf > t.out 2>&1)
rc=$?
if [ $rc -eq 0 ] && grep -qx "configuration OK" "$P/t.out"; then
	ok "-t loads certificates, keys and CAs of a good TLS config"
else
	nok "-t on a good TLS config (rc $rc: $(cat "$P/t.out"))"
fi
for f in bad-pki bad-pair; do
	(cd "$P" && timeout 10 "$SIDECAR" -t -c $f.conf > t.out 2>&1)
	rc=$?
	sed -n 's/^# expect: //p' "$P/$f.conf" > "$P/expect"
	grep "^$f.conf:[0-9]" "$P/t.out" > "$P/got"
	if [ $rc -eq 1 ] && cmp -s "$P/expect" "$P/got"; then
		ok "-t $f.conf: every TLS problem as file:line, exit 1"
	else
		nok "-t $f.conf (rc $rc)"
		diff "$P/expect" "$P/got"
	fi
done

# --------------------------------------------------------------- start
backend plain -c "$P/server.pem" -k "$P/server.key"
backend mtls -c "$P/server.pem" -k "$P/server.key" -C "$P/ca.pem"
backend noalpn -c "$P/server.pem" -k "$P/server.key" -n
backend h2c
python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
print("PORT", s.getsockname()[1], flush=True); time.sleep(120)' \
    > "$T/be-silent.out" 2>&1 &
PIDS="$PIDS $!"
wait_for "$T/be-silent.out" "^PORT " || { echo "silent did not start"; exit 1; }
PORT_silent=$(awk '/^PORT/ { print $2 }' "$T/be-silent.out")

SP=$(freeport)
HP=$(freeport)
AP=$(freeport)
# sidecar conf: base + the lines given
conf() {
	{
		echo "listen = tls:127.0.0.1:$SP"
		echo "listen = 127.0.0.1:$HP"
		echo "listen_tls_cert_file = $P/${DCERT:-server}.pem"
		echo "listen_tls_key_file = $P/${DCERT:-server}.key"
		echo "admin_listen = 127.0.0.1:$AP"
		echo "audit_log = $T/audit.log"
		echo "require_warrant = off"
		echo "tls_handshake_timeout = 1s"
		echo "allow_service = test.Echo"
		for l in "$@"; do
			echo "$l"
		done
	} > "$T/sc.conf.new"
	chmod 600 "$T/sc.conf.new"
	mv "$T/sc.conf.new" "$T/sc.conf"
}
nreload=0
reload() {
	conf "$@"
	nreload=$((nreload + 1))
	kill -HUP "$SCPID"
	wait_for "$T/sc.err" "configuration reloaded\|reload refused" 50 \
	    "$nreload"
}
UP_OK="upstream_tls = on
upstream_ca_file = $P/ca.pem"
conf "upstream = 127.0.0.1:$PORT_plain" "upstream_tls = on" \
    "upstream_ca_file = $P/ca.pem"
"$SIDECAR" -c "$T/sc.conf" 2> "$T/sc.err" &
SCPID=$!
if ! wait_for "$T/sc.err" "forwarding to"; then
	cat "$T/sc.err"
	nok "sidecar starts with TLS on both sides"
	echo "test-daemon-tls: $pass passed, $fail failed"
	exit 1
fi
ok "sidecar starts with TLS on both sides"

# ---------------------------------------------------- TLS on both sides
TARGET=127.0.0.1:$SP
CA=$P/ca.pem
if client 180 all; then
	ok "grpc core conformance, TLS to the sidecar and TLS upstream"
else
	nok "grpc core conformance over TLS"
fi
check "authorization (API key) passes through TLS untouched" "client 30 auth"
check "flow control holds over TLS" "client 120 slow-reader $SCPID 64"
CA='' TARGET=127.0.0.1:$HP
check "the h2c listener still speaks h2c" "client 30 auth"
check "h2c to the TLS listener is refused" \
    "(TARGET=127.0.0.1:$SP; client 30 expect-refused)"
CA=$P/ca2.pem TARGET=127.0.0.1:$SP
check "a client that does not trust our certificate is refused" \
    "client 30 expect-refused"

# ALPN: a client offering only http/1.1 gets no_application_protocol; one
# offering nothing is closed after the handshake, before any HTTP/2.
alpn() {
	timeout 10 python3 - "$SP" "$P/ca.pem" "$1" <<'EOP'
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
if sys.argv[3] != "none":
    ctx.set_alpn_protocols([sys.argv[3]])
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
try:
    t = ctx.wrap_socket(s, server_hostname="localhost")
    data = t.recv(100)
    print("closed" if data == b"" else "data %r" % data)
except (ssl.SSLError, ConnectionError) as e:
    print("refused:", e)
EOP
}
a1=$(alpn http/1.1)
a2=$(alpn none)
a3=$(alpn h2)
echo "    (http/1.1: $a1; none: $a2; h2: $a3)"
if echo "$a1" | grep -qi 'no.application.protocol' &&
    echo "$a2" | grep -q '^closed\|^refused' &&
    echo "$a3" | grep -q '^data'; then
	ok "ALPN without h2 is refused"
else
	nok "ALPN without h2 is refused"
fi

python3 -c 'import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
t = time.time(); d = s.recv(1)
print("closed after %.1fs" % (time.time() - t) if d == b"" else "data")' \
    "$SP" > "$T/hs.out" 2>&1
check "a worker that never finishes the handshake is cut off" \
    "grep -q 'closed after [0-2]\.' '$T/hs.out' || { cat '$T/hs.out'; false; }"

# ---------------------------------------------------- upstream failures
TARGET=127.0.0.1:$SP CA=$P/ca.pem
reload "upstream = 127.0.0.1:$PORT_plain" "upstream_tls = on" \
    "upstream_ca_file = $P/ca2.pem"
check "upstream signed by an unknown CA: UNAVAILABLE naming verification" \
    "client 30 expect-unavailable 'TLS: certificate verify failed'"
reload "upstream = 127.0.0.1:$PORT_plain" "$UP_OK" \
    "upstream_server_name = wrong.example"
check "wrong upstream server name: UNAVAILABLE (hostname mismatch)" \
    "client 30 expect-unavailable 'hostname mismatch'"
reload "upstream = 127.0.0.1:$PORT_plain" "$UP_OK" \
    "upstream_server_name = localhost"
check "upstream_server_name = localhost verifies by DNS name" \
    "client 30 auth"
reload "upstream = 127.0.0.1:$PORT_mtls" "$UP_OK"
# TLS 1.3 sends the server's refusal after the client's Finished: the
# sidecar reads either the alert or, when the server closes first, a reset.
check "frontend requires a client certificate we lack: UNAVAILABLE" \
    "client 30 expect-unavailable 'TLS: tlsv13 alert certificate required|TLS: Connection reset by peer'"
reload "upstream = 127.0.0.1:$PORT_mtls" "$UP_OK" \
    "upstream_cert_file = $P/client.pem" "upstream_key_file = $P/client.key"
check "mTLS upstream with a client certificate works" "client 30 auth"
reload "upstream = 127.0.0.1:$PORT_noalpn" "$UP_OK"
check "frontend without ALPN h2: UNAVAILABLE" \
    "client 30 expect-unavailable 'ALPN h2'"
reload "upstream = 127.0.0.1:$PORT_h2c" "$UP_OK"
check "h2c frontend with upstream_tls = on: UNAVAILABLE naming TLS" \
    "client 30 expect-unavailable 'TLS: '"
reload "upstream = 127.0.0.1:$PORT_silent" "$UP_OK"
check "frontend that never answers the handshake: UNAVAILABLE (timeout)" \
    "client 30 expect-unavailable 'TLS: handshake timed out'"
grep -q 'upstream.*TLS: certificate verify failed' "$T/sc.err"
check "upstream TLS errors are logged with OpenSSL's reason" "[ $? -eq 0 ]"
python3 -c 'import sys, urllib.request
print(urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1],
    timeout=5).read().decode())' "$AP" > "$T/metrics" 2>&1
check "metrics count TLS handshake failures on both sides" \
    "grep -q '^tenuo_sidecar_upstream_tls_failures_total [1-9]' '$T/metrics' &&
    grep -q '^tenuo_sidecar_downstream_tls_failures_total [1-9]' '$T/metrics'"

# ---------------------------------------------- readiness with TLS
# No worker connected: /readyz rests on the probe, which must do the TLS
# handshake (a TCP connect alone would say ready with a wrong CA).
reload "upstream = 127.0.0.1:$PORT_plain" "$UP_OK"
check "/readyz 200 with a frontend that verifies" "wait_ready 200"
reload "upstream = 127.0.0.1:$PORT_plain" "upstream_tls = on" \
    "upstream_ca_file = $P/ca2.pem"
check "/readyz 503 when the frontend's certificate does not verify (wrong CA)" \
    "wait_ready 503 && grep -q 'upstream not ready: TLS: certificate verify failed' '$T/sc.err'"
reload "upstream = 127.0.0.1:$PORT_h2c"
check "/readyz 200 with an h2c frontend that answers SETTINGS" \
    "wait_ready 200"
reload "upstream = 127.0.0.1:$PORT_silent"
check "/readyz 503 with a frontend that accepts TCP but never speaks HTTP/2" \
    "wait_ready 503"

# ------------------------------------------------------- reload and mTLS
reload "upstream = 127.0.0.1:$PORT_plain" "$UP_OK" \
    "listen_tls_client_ca_file = $P/ca.pem"
check "workers without a client certificate are refused (mTLS)" \
    "client 30 expect-refused"
check "workers with a client certificate get through (mTLS)" \
    "(CERT=$P/client.pem KEY=$P/client.key; client 30 auth)"
sed "s|$P/server.key|$P/other.key|" "$T/sc.conf" > "$T/sc.conf.new"
mv "$T/sc.conf.new" "$T/sc.conf"
chmod 600 "$T/sc.conf"
nreload=$((nreload + 1))
kill -HUP "$SCPID"
wait_for "$T/sc.err" "reload refused" 50 1
check "SIGHUP with a key that does not match: refused with file:line" \
    "grep -q 'sc.conf:4: listen_tls_key_file .*other.key: private key does not match' '$T/sc.err' &&
    (CERT=$P/client.pem KEY=$P/client.key; client 30 auth)"
DCERT=server2
reload "upstream = 127.0.0.1:$PORT_plain" "$UP_OK"
check "SIGHUP re-reads the certificate: new connections use the new one" \
    "(CA=$P/ca2.pem; client 30 auth) && client 30 expect-refused"

kill -TERM "$SCPID"
i=0
while kill -0 "$SCPID" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
wait "$SCPID"
src=$?
SCPID=""
check "sidecar exits 0" "[ $src -eq 0 ]"
san_clean

echo "test-daemon-tls: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
