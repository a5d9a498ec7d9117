#!/bin/sh
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for
# FUZZ_SECONDS (default 60), seeded from the published vectors.  Exits
# non-zero if a target finds a crash, a leak or undefined behaviour.
set -eu

secs=${FUZZ_SECONDS:-60}
out=build/fuzz
mkdir -p "$out"
flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
libsrc=$(ls lib/*.c)
libs=$(pkg-config --libs libsodium zlib libcrypto libpcre2-8 libidn2)

# Seed corpora: every envelope, payload and stack in the vectors.
corpus=$out/corpus
rm -rf "$corpus"
mkdir -p "$corpus/warrant" "$corpus/cbor" "$corpus/codec" "$corpus/srl"
python3 - "$corpus" <<'PY'
import json, sys, os
root = sys.argv[1]
d = json.load(open('../shared/vectors/tenuo-spec-vectors.json'))
n = 0
for v in d['vectors']:
    for w in v['warrants']:
        for k, mode in (('envelope_hex', b'\x01'), ('payload_hex', b'\x00')):
            if k in w:
                b = bytes.fromhex(w[k])
                open(os.path.join(root, 'warrant', '%d' % n), 'wb').write(mode + b)
                open(os.path.join(root, 'cbor', '%d' % n), 'wb').write(b)
                n += 1
    for k, mode in (('srl', b'\x00'), ('approval', b'\x01')):
        e = v.get(k) or {}
        for f in ('signed_srl_hex', 'envelope_hex'):
            if f in e:
                open(os.path.join(root, 'srl', '%d' % n), 'wb').write(mode + bytes.fromhex(e[f]))
                n += 1
        if 'payload_hex' in e and k == 'approval':
            open(os.path.join(root, 'srl', '%d' % n), 'wb').write(b'\x02' + bytes.fromhex(e['payload_hex']))
            n += 1
    st = v.get('stack') or {}
    if 'hex' in st:
        b = bytes.fromhex(st['hex'])
        open(os.path.join(root, 'warrant', 's%d' % n), 'wb').write(b'\x01' + b)
        n += 1
PY

status=0
for t in tests/fuzz/fuzz_*.c; do
	name=$(basename "$t" .c)
	kind=${name#fuzz_}
	# shellcheck disable=SC2086
	clang $flags -Ilib -o "$out/$name" "$t" $libsrc $libs
	mkdir -p "$corpus/$kind"
	echo "fuzz: $name for ${secs}s"
	if ! "$out/$name" -max_total_time="$secs" -max_len=70000 \
	    -rss_limit_mb=2048 -print_final_stats=1 "$corpus/$kind" \
	    > "$out/$name.log" 2>&1; then
		echo "fuzz: $name FAILED (see $out/$name.log)"
		tail -40 "$out/$name.log"
		status=1
	else
		grep -E 'stat::number_of_executed_units|Done' "$out/$name.log" |
		    tail -2
	fi
done
exit $status
