#!/bin/sh
# Makes throwaway TLS material for the daemon tests in DIR (nothing here
# is committed; every key lives and dies with the test's temp dir).
#
#   ca.pem ca.key          test CA
#   ca2.pem ca2.key        another CA
#   server.pem server.key  CN=localhost, SAN DNS:localhost IP:127.0.0.1
#   server2.pem server2.key  the same names, issued by ca2
#   client.pem client.key  CN=test-worker, clientAuth, from ca
#   other.key              a key that matches no certificate
#
# EC P-256 keys (fast), valid for two days.  Keys are mode 0600.
# Usage: mkcerts.sh DIR
set -eu
D=$1
mkdir -p "$D"
cd "$D"

key() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$1" 2>/dev/null
	chmod 600 "$1"
}

ca() {
	key "$1.key"
	openssl req -x509 -new -key "$1.key" -out "$1.pem" -days 2 \
	    -subj "/CN=tenuo test $1" -sha256 \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# leaf NAME CN EXTS [CA]
leaf() {
	key "$1.key"
	openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$2" \
	    2>/dev/null
	printf '%s\n' "$3" > "$1.ext"
	openssl x509 -req -in "$1.csr" -CA "${4:-ca}.pem" -CAkey "${4:-ca}.key" \
	    -CAcreateserial -days 2 -sha256 -extfile "$1.ext" \
	    -out "$1.pem" 2>/dev/null
	rm -f "$1.csr" "$1.ext"
}

SERVER_EXT="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1"
ca ca
ca ca2
leaf server localhost "$SERVER_EXT"
leaf server2 localhost "$SERVER_EXT" ca2
leaf client test-worker "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
key other.key
rm -f ca.srl ca2.srl
chmod 644 ./*.pem
