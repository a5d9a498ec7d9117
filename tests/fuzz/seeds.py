#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets: seeds.py OUT SANDBOX.

OUT/<target>/ gets one file per seed, in the input format of
tests/fuzz/fuzz_<target>.c; SANDBOX gets the files config seeds name.
Sources: the published vectors (../shared/vectors), the constraint cases
of the unit suites (their ALLOW/DENY/ATT_OK/ATT_BAD lines, expanded by
the C preprocessor), conf/ and tests/daemon/conf/, and generated gzip
streams and gRPC frames.  fuzz_intercept's seeds come from gen_pb.c.
"""
import ast
import glob
import gzip
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

OUT, SANDBOX = sys.argv[1], sys.argv[2]
VECTORS = '../shared/vectors/tenuo-spec-vectors.json'
counts = {}


def put(target, data, name=None):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    if name is None:
        name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)
    counts[target] = counts.get(target, 0) + 1


# ------------------------------------------------------------ CBOR writer
def head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for ai, fmt in ((24, '>B'), (25, '>H'), (26, '>I'), (27, '>Q')):
        if n < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | ai]) + struct.pack(fmt, n)
    raise ValueError(n)


def cbor(v):
    if v is None:
        return b'\xf6'
    if v is True:
        return b'\xf5'
    if v is False:
        return b'\xf4'
    if isinstance(v, int):
        return head(0, v) if v >= 0 else head(1, -1 - v)
    if isinstance(v, float):
        if v != v:
            return b'\xf9\x7e\x00'
        for ai, fmt in ((25, '>e'), (26, '>f'), (27, '>d')):
            try:
                b = struct.pack(fmt, v)
            except OverflowError:
                continue
            if struct.unpack(fmt, b)[0] == v:
                return bytes([0xe0 | ai]) + b
    if isinstance(v, str):
        b = v.encode('utf-8', 'surrogatepass')
        return head(3, len(b)) + b
    if isinstance(v, bytes):
        return head(2, len(v)) + v
    if isinstance(v, list):
        return head(4, len(v)) + b''.join(cbor(x) for x in v)
    if isinstance(v, dict):
        return head(5, len(v)) + b''.join(cbor(k) + cbor(x)
                                          for k, x in v.items())
    raise TypeError(type(v))


# ---------------------------------------------------------------- vectors
def vectors():
    d = json.load(open(VECTORS))
    for v in d['vectors']:
        for w in v['warrants']:
            for k, mode in (('envelope_hex', b'\x01'), ('payload_hex', b'\x00')):
                if k in w:
                    b = bytes.fromhex(w[k])
                    put('warrant', mode + b)
                    put('cbor', b)
        for k, mode in (('srl', b'\x00'), ('approval', b'\x01')):
            e = v.get(k) or {}
            for f in ('signed_srl_hex', 'envelope_hex'):
                if f in e:
                    put('srl', mode + bytes.fromhex(e[f]))
            if 'payload_hex' in e and k == 'approval':
                put('srl', b'\x02' + bytes.fromhex(e['payload_hex']))
        st = v.get('stack') or {}
        if 'hex' in st:
            put('warrant', b'\x01' + bytes.fromhex(st['hex']))
    for f in glob.glob('../shared/vectors/*.json'):
        if not f.endswith('tenuo-spec-vectors.json'):
            put('args', b'\x00' + open(f, 'rb').read()[:60000])


# ------------------------------------------------- constraint test cases
MARK = {'ALLOW': 'A', 'DENY': 'A', 'ATT_OK': 'P', 'ATT_BAD': 'P'}
LIT = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


def literal(part):
    """The C string a run of adjacent literals spells, or None."""
    part = part.strip()
    if not part or LIT.sub('', part).strip():
        return None
    try:
        return ''.join(ast.literal_eval('"%s"' % m.group(1))
                       for m in LIT.finditer(part))
    except (SyntaxError, ValueError):
        return None


def test_cases():
    """(kind, first, second, json_value) from the unit suites."""
    out = []
    for path in sorted(glob.glob('tests/unit/check_*.c')):
        src = open(path).read()
        if not re.search(r'\b(ALLOW|DENY|ATT_OK|ATT_BAD)\(', src):
            continue
        jsonval = os.path.basename(path) == 'check_constraint.c'
        src = re.sub(r'^\s*#\s*include.*$', '', src, flags=re.M)
        src = re.sub(r'#define (ALLOW|DENY|ATT_OK|ATT_BAD)\(',
                     r'#define \1_ORIG(', src)
        pre = ''.join('#define %s(a, b) @@%s a @@S b @@E\n' % (k, m)
                      for k, m in MARK.items())
        with tempfile.NamedTemporaryFile('w', suffix='.c',
                                         delete=False) as t:
            t.write(pre + src)
        try:
            r = subprocess.run(['cpp', '-P', '-w', t.name],
                               capture_output=True, text=True)
        finally:
            os.unlink(t.name)
        for m in re.finditer(r'@@([AP])(.*?)@@S(.*?)@@E', r.stdout, re.S):
            a, b = literal(m.group(2)), literal(m.group(3))
            if a is None or b is None:
                continue
            out.append((m.group(1), a, b, jsonval))
    return out


def constraints():
    cases = test_cases()
    allowed = {}
    for kind, a, b, jsonval in cases:
        try:
            ca = json.loads(a)
        except ValueError:
            continue
        if kind == 'A':
            try:
                v = json.loads(b) if jsonval else b
            except ValueError:
                continue
            put('constraint', cbor([ca, v]))
            allowed.setdefault(a, []).append(v)
            chain(0, [ca], v)
        else:
            try:
                cb = json.loads(b)
            except ValueError:
                continue
            put('constraint', cbor([ca, cb, 'x']))
    # attenuation pairs again, with values their child allows
    for kind, a, b, jsonval in cases:
        if kind != 'P' or b not in allowed:
            continue
        try:
            ca, cb = json.loads(a), json.loads(b)
        except ValueError:
            continue
        for v in allowed[b][:3]:
            put('constraint', cbor([ca, cb, v]))
            chain(1, [ca, cb], v)
    # a three-link chain that narrows a path step by step
    chain(2, [[16, None], [2, {'pattern': '/data/*'}],
              [1, {'value': '/data/x'}]], '/data/x')
    chain(0x07, [[16, None]] * 4, 'x')
    chain(0x05, [[2, {'pattern': '/data/*'}], [2, {'pattern': '/data/*'}]],
          '/data/y')


def chain(top, cs, value):
    """fuzz_chain input: top byte, per warrant flags/len/constraint."""
    b = bytes([top & ~3 | (len(cs) - 1)])
    for c in cs:
        e = cbor(c)
        b += bytes([3 << 2]) + struct.pack('>H', len(e)) + e
    put('chain', b + cbor(value))


# ------------------------------------------------------- payloads (args)
def args():
    enc = {'json/plain': 0, 'binary/plain': 1, 'binary/null': 2,
           'binary/encrypted': 3, None: 4}
    samples = [
        ([('json/plain', b'"/data/x"')], b'path'),
        ([('json/plain', b'{"b": 1, "a": [1.5, null, true]}'),
          ('json/plain', b'[1, 2, {"x": "y"}]')], b'cfg,items'),
        ([('binary/plain', b'\x00\x01'), ('binary/null', b'')], b'a,b'),
        ([('json/plain', b'1e400')], b'n'),
        ([('json/plain', b'"\\ud800"')], b's'),
        ([('json/plain', b'[' * 40 + b']' * 40)], b'deep'),
        ([('binary/encrypted', b'xx')], None),
        ([(None, b'1'), ('json/plain', b'-0.0')], b'a,a'),
    ]
    for pls, keys in samples:
        b = bytes([len(pls) | (0x80 if keys is not None else 0)])
        for e, d in pls:
            b += bytes([enc[e]]) + struct.pack('>H', len(d)) + d
        put('args', b + (keys or b''))


# ------------------------------------------------------------------ codec
def codec():
    import base64
    raw = bytes(range(48))
    for cap in (0x0f, 0x05, 0x1f):
        put('codec', bytes([cap]) + base64.b64encode(raw))
        put('codec', bytes([cap]) + base64.urlsafe_b64encode(raw).rstrip(b'='))
        put('codec', bytes([cap]) + raw.hex().encode())
        put('codec', bytes([cap]) + b'-----BEGIN PUBLIC KEY-----\n' +
            base64.encodebytes(raw) + b'-----END PUBLIC KEY-----\n')
        put('codec', bytes([cap]) + gzip.compress(raw * 20, mtime=0))


# ------------------------------------------------------------------- gzip
def gz(data, level=9):
    return gzip.compress(data, compresslevel=level, mtime=0)


def gzip_seeds():
    def sel(cap):
        return struct.pack('>H', cap if cap < 0x8000 else
                           0x8000 | (cap // 1024))
    zeros = gz(b'\0' * 4096)
    bomb = gz(b'\0' * (2 << 20))            # 2 MiB of zeros, ~2 KiB
    rnd = gz(hashlib.sha256(b'x').digest() * 64, 1)
    for cap in (0, 1, 100, 4095, 4096, 4097, 32767):
        put('gzip', sel(cap) + zeros)
        put('gzip', sel(cap) + rnd)
    for kib in (1, 64, 1024, 2047, 2048, 2049, 8191):
        put('gzip', sel(kib * 1024) + bomb)
    put('gzip', sel(32767) + zeros + zeros)        # two members
    put('gzip', sel(32767) + zeros[:-3])           # truncated
    bad = bytearray(zeros)
    bad[-5] ^= 1                                   # CRC
    put('gzip', sel(32767) + bytes(bad))
    bad = bytearray(zeros)
    bad[-1] ^= 1                                   # ISIZE
    put('gzip', sel(32767) + bytes(bad))
    put('gzip', sel(32767) + zlib.compress(b'zlib, not gzip'))
    put('gzip', sel(32767) + gz(b''))


# ------------------------------------------------------------ gRPC frames
def frame(body, compressed=0):
    return bytes([compressed]) + struct.pack('>I', len(body)) + body


def grpc_seeds():
    msg = b'\x0a\x07default\x12\x06\x0a\x04main'
    for enc in (0, 1, 2, 3):
        e = enc << 5
        put('grpc_frame', bytes([e | 16, 7]) + frame(msg))
        put('grpc_frame', bytes([e | 16, 1]) + frame(msg) + frame(b'') +
            frame(msg * 3))
        put('grpc_frame', bytes([e | 16, 9]) + frame(gz(msg), 1))
        put('grpc_frame', bytes([e | 10, 3]) + frame(gz(b'\0' * 5000), 1))
        put('grpc_frame', bytes([e | 16, 2]) + frame(gz(msg), 1) +
            frame(msg) + frame(gz(msg * 50), 1))
    put('grpc_frame', bytes([8, 0]) + frame(b'x' * 300))        # too big
    put('grpc_frame', bytes([16, 5]) + b'\x02\x00\x00\x00\x01x')  # bad flag
    put('grpc_frame', bytes([16, 4]) + frame(msg)[:9])          # partial
    put('grpc_frame', bytes([24, 6]) + b'\x00\x7f\xff\xff\xff')   # huge


# ----------------------------------------------------------------- config
def config():
    os.makedirs(SANDBOX, exist_ok=True)
    for f in ('roots.txt', 'bad-roots-file.txt'):
        shutil.copy(os.path.join('tests/daemon/conf', f), SANDBOX)
        os.chmod(os.path.join(SANDBOX, f), 0o644)
    for f in sorted(glob.glob('conf/*.conf') +
                    glob.glob('tests/daemon/conf/*.conf')):
        put('config', open(f, 'rb').read())
    put('config', b'upstream = 127.0.0.1:7233\ntrusted_root = ' +
        b'3b' * 32 + b'\n[policy a]\nnamespace = ns\ntask_queue = q*\n'
        b'tool_map = a:b, c:d\nrequire_warrant_on_start = on\n'
        b'trusted_root = ' + b'ab' * 32 + b'\n')
    put('config', b'upstream = [::1]:7233\nlisten = unix:/tmp/x.sock\n'
        b'require_warrant = off\nshutdown_grace = 1500ms\n'
        b'upstream_keepalive = 0\nallow_service = a.b.C\n' +
        b'x' * 4100 + b'\n')


def main():
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    vectors()
    constraints()
    args()
    codec()
    gzip_seeds()
    grpc_seeds()
    config()
    print('seeds: ' + ', '.join('%s %d' % kv for kv in sorted(counts.items())))


main()
