#!/bin/sh
# Builds the in-process authorization benchmark and the large-message
# server against the sidecar's own objects (make daemon-all first):
#   build/rel/bench/authz/bench_authz   (bench/authz/bench_authz.c)
#   build/rel/bench/net/bench_h2serve   (bench/net/bench_h2serve.c)
# With the top-level Makefile's warning set and hardening flags.
set -eu

B=build/rel
O=$B/bench
CC=${CC:-cc}
WARN="-Wall -Wextra -Werror -Wformat=2 -Wshadow -Wpointer-arith \
    -Wcast-qual -Wstrict-prototypes -Wmissing-prototypes \
    -Wmissing-declarations -Wvla -Wwrite-strings -Wundef \
    -Wimplicit-fallthrough -Wconversion -Wsign-conversion"
CFLAGS="-std=c11 -O2 -g -D_FORTIFY_SOURCE=2 $WARN -fstack-protector-strong \
    -fPIE -D_GNU_SOURCE"
LDFLAGS="-pie -Wl,-z,relro,-z,now"
PKGS="libsodium zlib libcrypto libpcre2-8 libidn2 libnghttp2 jansson \
    libssl libprotobuf-c"

for f in "$B/libtenuo.a" "$B/libtnproto.a" "$B/daemon/authz.o"; do
	[ -f "$f" ] || { echo "build.sh: $f missing: make daemon-all" >&2; exit 1; }
done
mkdir -p "$O/authz" "$O/net"
# shellcheck disable=SC2046
DOBJ=$(ls "$B"/daemon/*.o | grep -v '/main\.o$')

$CC $CFLAGS $(pkg-config --cflags $PKGS) -I"$B/proto" -Iproto -Ilib \
    -Idaemon -c -o "$O/authz/bench_authz.o" bench/authz/bench_authz.c
# shellcheck disable=SC2086
$CC $LDFLAGS -Wl,--wrap=tn_ed25519_verify -o "$O/authz/bench_authz" \
    "$O/authz/bench_authz.o" $DOBJ "$B/libtenuo.a" "$B/libtnproto.a" \
    $(pkg-config --libs $PKGS) -lev -lpthread

$CC $CFLAGS $(pkg-config --cflags libnghttp2) -c \
    -o "$O/net/bench_h2serve.o" bench/net/bench_h2serve.c
$CC $LDFLAGS -o "$O/net/bench_h2serve" "$O/net/bench_h2serve.o" \
    $(pkg-config --libs libnghttp2) -lev
