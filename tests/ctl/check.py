"""Helpers for tests/ctl/run.sh: JSON checks and encoding conversions.

Each subcommand exits 0 when the check holds and 1 (with a message on
stderr) when it does not, so the shell test can report it.
"""
import base64
import json
import sys

VECTORS = "../shared/vectors/tenuo-spec-vectors.json"


def fail(msg):
    sys.stderr.write(msg + "\n")
    sys.exit(1)


def b64url_decode(s):
    s = s.strip()
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64url_encode(b):
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def one_json(path):
    """The file must hold exactly one line: one JSON object."""
    text = open(path).read()
    if text.count("\n") != 1 or not text.endswith("\n"):
        fail("expected one line of JSON, got %r" % text)
    return json.loads(text)


def vector(vid):
    d = json.load(open(VECTORS))
    for v in d["vectors"]:
        if v["id"] == vid:
            return v
    fail("no vector " + vid)


def cmd_vec(vid, index, field):
    """Prints a field of warrant #index of vector vid."""
    print(vector(vid)["warrants"][int(index)][field])


def cmd_srl(vid):
    """Writes the vector's complete SRL bytes (hex) to stdout as raw."""
    v = vector(vid)
    for name, blob in v["blobs"].items():
        if name.startswith("Complete SignedRevocationList"):
            sys.stdout.buffer.write(bytes.fromhex(blob["hex"]))
            return
    fail("no SRL in " + vid)


def cmd_deny(path, code):
    o = one_json(path)
    want = {"decision": "deny", "code": code}
    if any(o.get(k) != v for k, v in want.items()):
        fail("expected %s, got %s" % (want, o))
    if not isinstance(o.get("reason"), str) or not o["reason"]:
        fail("deny without a reason: %s" % o)
    if set(o) != {"decision", "code", "reason"}:
        fail("unexpected fields: %s" % o)


def cmd_allow(path, depth, wid=None):
    o = one_json(path)
    if o.get("decision") != "allow" or o.get("chain_depth") != int(depth):
        fail("expected allow at depth %s, got %s" % (depth, o))
    w = o.get("warrant_id", "")
    if not (w.startswith("tnu_wrt_") and len(w) == 40):
        fail("bad warrant_id in %s" % o)
    if wid is not None and w != wid:
        fail("expected warrant_id %s, got %s" % (wid, w))


def envelope_payload(env):
    """Splits [1, bytes payload, [1, sig]] (payload < 64 KiB)."""
    if env[0] != 0x83 or env[1] != 0x01:
        fail("not an envelope")
    if env[2] == 0x58:
        n, off = env[3], 4
    elif env[2] == 0x59:
        n, off = int.from_bytes(env[3:5], "big"), 5
    else:
        n, off = env[2] - 0x40, 3
    return env[off:off + n]


def cmd_remint(published_b64, ours_b64):
    """Our payload equals the published one but for the 16 id bytes."""
    pub = envelope_payload(b64url_decode(published_b64))
    ours = envelope_payload(b64url_decode(ours_b64))
    # payload starts a? 00 01 01 50 <16 id bytes>
    if ours[:5] != pub[:5] or len(ours) != len(pub):
        fail("payload head or length differs: %s vs %s"
             % (ours[:5].hex(), pub[:5].hex()))
    if ours[5 + 16:] != pub[5 + 16:]:
        fail("payload differs after the id:\n%s\n%s"
             % (ours.hex(), pub.hex()))
    wid = ours[5:21]
    if wid[6] >> 4 != 7 or wid[8] >> 6 != 2:
        fail("id %s is not a UUIDv7" % wid.hex())


def strip_ids(doc):
    for w in doc["warrants"]:
        for k in ("id", "payload_sha256"):
            w.pop(k, None)
    return doc


def cmd_inspect_eq(a, b):
    """Two inspect outputs agree on everything but ids and hashes."""
    x = strip_ids(json.load(open(a)))
    y = strip_ids(json.load(open(b)))
    if x != y:
        fail("inspect differs:\n%s\n%s" % (json.dumps(x), json.dumps(y)))


def cmd_inspect(path, expr):
    """Evaluates a Python expression over the inspect output `d`."""
    d = json.load(open(path))
    if not eval(expr, {"d": d}):
        fail("does not hold: %s\n%s" % (expr, json.dumps(d, indent=1)))


def cmd_pem(*b64s):
    """One TENUO WARRANT block per envelope, 64 characters a line."""
    for s in b64s:
        body = b64url_encode(b64url_decode(s))
        print("-----BEGIN TENUO WARRANT-----")
        for i in range(0, len(body), 64):
            print(body[i:i + 64])
        print("-----END TENUO WARRANT-----")


def cmd_pemchain(b64):
    body = b64url_encode(b64url_decode(b64))
    print("-----BEGIN TENUO WARRANT CHAIN-----")
    for i in range(0, len(body), 64):
        print(body[i:i + 64])
    print("-----END TENUO WARRANT CHAIN-----")


def cmd_std(b64):
    print(base64.standard_b64encode(b64url_decode(b64)).decode())


def cmd_split(stack_b64, index):
    """Prints element #index of a stack (array of < 24 envelopes)."""
    raw = b64url_decode(stack_b64)
    n = raw[0] - 0x80
    off = 1
    for i in range(n):
        env = raw[off:]
        p = envelope_payload(env)
        start = env.index(p) + len(p)
        # [1, sig]: 82 01 58 40 <64>
        end = start + 4 + 64
        if i == int(index):
            print(b64url_encode(env[:end]))
            return
        off += end
    fail("no element %s" % index)


def cmd_raw(b64):
    """Writes the decoded bytes (raw CBOR) to stdout."""
    sys.stdout.buffer.write(b64url_decode(b64))


def cmd_flip(b64, offset_from_end):
    """Flips one bit near the end (inside the signature)."""
    raw = bytearray(b64url_decode(b64))
    raw[len(raw) - int(offset_from_end)] ^= 0x01
    print(b64url_encode(bytes(raw)))


def main():
    cmds = {k[4:]: v for k, v in globals().items() if k.startswith("cmd_")}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        fail("usage: check.py " + "|".join(sorted(cmds)) + " ...")
    cmds[sys.argv[1]](*sys.argv[2:])


if __name__ == "__main__":
    main()
