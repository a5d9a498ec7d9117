'use strict';
// Tenuo material for the enforcement tests and the sidecar demo: keys and
// warrants from tenuoctl, the x-tenuo-* activity headers exactly as Tenuo's
// Python integration writes them (tenuo-temporal-integration.md §2), input
// payloads as Temporal's default Python data converter writes them (§3c),
// a signed revocation list (tn_srl.h, spec form), and a forged (widened)
// delegation child.  Node's own crypto does the Ed25519 signing.

const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const crypto = require('node:crypto');
const { execFileSync } = require('node:child_process');
const { sidecarBinary } = require('./sidecar');

function tenuoctlBinary() {
  if (process.env.TENUOCTL)
    return path.resolve(process.env.TENUOCTL);
  return path.join(path.dirname(sidecarBinary()), 'tenuoctl');
}

// Runs tenuoctl; returns stdout (trimmed).  Throws with stderr on a non-zero
// exit unless allowFail (then returns { code, out, err }).
function ctl(args, { allowFail = false } = {}) {
  try {
    const out = execFileSync(tenuoctlBinary(), args, { encoding: 'utf8', timeout: 15000,
      stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    return allowFail ? { code: 0, out, err: '' } : out;
  } catch (e) {
    if (allowFail && typeof e.status === 'number')
      return { code: e.status, out: String(e.stdout || '').trim(), err: String(e.stderr || '') };
    throw new Error(`tenuoctl ${args.join(' ')}: ${e.stderr || e.message}`);
  }
}

// ------------------------------------------------------------ keys
class Key {
  constructor(dir, name) {
    this.name = name;
    this.file = path.join(dir, `${name}.key`);
    this.pub = ctl(['keygen', '-o', this.file]);
    this.seed = Buffer.from(fs.readFileSync(this.file, 'utf8').trim(), 'hex');
    if (this.seed.length !== 32 || !/^[0-9a-f]{64}$/.test(this.pub))
      throw new Error(`tenuoctl keygen: unexpected key file or output for ${name}`);
  }

  sign(msg) {
    const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), this.seed]);
    const k = crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    return crypto.sign(null, msg, k);
  }
}

// ------------------------------------------------------------ warrants
function b64urlDecode(s) {
  return Buffer.from(s.trim().replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

// mint: tools = [{ tool, constraints: ['path=subpath:/data', ...] }]
function mint({ key, holder, tools, ttl = 3600, issuedAt, maxDepth }) {
  const a = ['mint', '--key', key.file, '--holder', holder.pub || holder];
  for (const t of tools) {
    a.push('--tool', t.tool);
    for (const c of t.constraints || [])
      a.push('--constraint', c);
  }
  a.push('--ttl', String(ttl));
  if (issuedAt !== undefined)
    a.push('--issued-at', String(issuedAt));
  if (maxDepth !== undefined)
    a.push('--max-depth', String(maxDepth));
  return ctl(a);
}

function attenuate({ key, parent, holder, tools, ttl = 1800 }) {
  const a = ['attenuate', '--key', key.file, '--parent', parent, '--holder', holder.pub || holder];
  for (const t of tools || []) {
    a.push('--tool', t.tool);
    for (const c of t.constraints || [])
      a.push('--constraint', c);
  }
  a.push('--ttl', String(ttl));
  return ctl(a);
}

// PoP over the JSON arguments as given (tenuoctl takes JSON values as they
// are: a dict argument must be passed as its Python json.dumps text).
function pop({ key, warrant, tool, args, at }) {
  const a = ['pop', '--key', key.file, '--warrant', warrant, '--tool', tool, '--args',
    typeof args === 'string' ? args : JSON.stringify(args)];
  if (at !== undefined)
    a.push('--at', String(at));
  return ctl(a);
}

function inspect(w) {
  return JSON.parse(ctl(['inspect', w]));
}

// ------------------------------------------------------------ CBOR (minimal)
// Returns { value, start, end } for the item at off.  Values: numbers (or
// BigInt), Buffers, strings, arrays of items' values, Map for maps, and
// { simple } / floats.  Only what warrants and stacks use.
function cborItem(buf, off) {
  const start = off;
  const ib = buf[off++];
  const major = ib >> 5;
  const ai = ib & 31;
  let arg;
  if (ai < 24) {
    arg = ai;
  } else if (ai === 24) {
    arg = buf[off]; off += 1;
  } else if (ai === 25) {
    arg = buf.readUInt16BE(off); off += 2;
  } else if (ai === 26) {
    arg = buf.readUInt32BE(off); off += 4;
  } else if (ai === 27) {
    arg = Number(buf.readBigUInt64BE(off)); off += 8;
  } else {
    throw new Error(`cbor: unsupported additional info ${ai} at ${start}`);
  }
  switch (major) {
    case 0: return { value: arg, start, end: off };
    case 1: return { value: -1 - arg, start, end: off };
    case 2: return { value: buf.subarray(off, off + arg), start, end: off + arg };
    case 3: return { value: buf.subarray(off, off + arg).toString('utf8'), start, end: off + arg };
    case 4: {
      const items = [];
      for (let i = 0; i < arg; i++) {
        const it = cborItem(buf, off);
        items.push(it);
        off = it.end;
      }
      return { value: items.map((x) => x.value), items, start, end: off };
    }
    case 5: {
      const m = new Map();
      for (let i = 0; i < arg; i++) {
        const k = cborItem(buf, off);
        const v = cborItem(buf, k.end);
        m.set(k.value, v.value);
        off = v.end;
      }
      return { value: m, start, end: off };
    }
    case 6: {
      const it = cborItem(buf, off);
      return { value: it.value, tag: arg, start, end: it.end };
    }
    default:
      return { value: { simple: ai }, start, end: off };
  }
}

function cborHead(major, n) {
  if (n < 24)
    return Buffer.from([(major << 5) | n]);
  if (n < 256)
    return Buffer.from([(major << 5) | 24, n]);
  if (n < 65536) {
    const b = Buffer.alloc(3); b[0] = (major << 5) | 25; b.writeUInt16BE(n, 1); return b;
  }
  const b = Buffer.alloc(5); b[0] = (major << 5) | 26; b.writeUInt32BE(n, 1); return b;
}

// Encoder for the SRL: numbers (uint), strings, Buffers, arrays, Maps
// (insertion order kept).
function cborEncode(v) {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0)
      throw new Error('cborEncode: only unsigned integers');
    if (v > 0xffffffff) {
      const b = Buffer.alloc(9); b[0] = 0x1b; b.writeBigUInt64BE(BigInt(v), 1); return b;
    }
    return cborHead(0, v);
  }
  if (typeof v === 'string') {
    const s = Buffer.from(v, 'utf8');
    return Buffer.concat([cborHead(3, s.length), s]);
  }
  if (Buffer.isBuffer(v))
    return Buffer.concat([cborHead(2, v.length), v]);
  if (Array.isArray(v))
    return Buffer.concat([cborHead(4, v.length), ...v.map(cborEncode)]);
  if (v instanceof Map) {
    const parts = [cborHead(5, v.size)];
    for (const [k, x] of v)
      parts.push(cborEncode(k), cborEncode(x));
    return Buffer.concat(parts);
  }
  throw new Error(`cborEncode: unsupported ${typeof v}`);
}

// A warrant or stack as tenuoctl prints it -> { stack: Buffer (CBOR array
// of warrants, root first), warrants: [Buffer, ...] (each element's bytes as
// they are in the stack), leaf: Buffer }.  A single warrant becomes a
// one-element stack.
function splitStack(text) {
  const raw = b64urlDecode(text);
  const top = cborItem(raw, 0);
  if (top.end !== raw.length)
    throw new Error('splitStack: trailing bytes');
  // A warrant's first element is an integer; a stack's is an array.
  if (raw[0] >> 5 === 4 && top.items.length && raw[top.items[0].start] >> 5 === 4) {
    const warrants = top.items.map((it) => raw.subarray(it.start, it.end));
    return { stack: raw, warrants, leaf: warrants[warrants.length - 1] };
  }
  return { stack: Buffer.concat([Buffer.from([0x81]), raw]), warrants: [raw], leaf: raw };
}

function stackFromWarrants(ws) {
  return Buffer.concat([cborHead(4, ws.length), ...ws]);
}

function toB64url(buf) {
  return buf.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// Re-signs a warrant envelope [1, payload, [1, sig]] after edit(payload)
// with the issuer's key: "tenuo-warrant-v1" || 0x01 || payload
// (tn_warrant.h).  Used to forge a widened delegation child.
function resignWarrant(envelope, issuerKey, edit) {
  const top = cborItem(envelope, 0);
  if (top.items.length !== 3 || top.items[0].value !== 1)
    throw new Error('resignWarrant: not a version-1 envelope');
  const payload = edit(Buffer.from(top.items[1].value));
  const sig = issuerKey.sign(Buffer.concat([Buffer.from('tenuo-warrant-v1'), Buffer.from([1]), payload]));
  return Buffer.concat([Buffer.from([0x83, 0x01]), cborHead(2, payload.length), payload,
    Buffer.from([0x82, 0x01, 0x58, 0x40]), sig]);
}

// Replaces every CBOR text string equal to from with to inside payload (the
// surrounding arrays and maps count items, not bytes, so lengths may differ).
function replaceText(payload, from, to) {
  const needle = Buffer.concat([cborHead(3, Buffer.byteLength(from)), Buffer.from(from)]);
  const repl = Buffer.concat([cborHead(3, Buffer.byteLength(to)), Buffer.from(to)]);
  const parts = [];
  let off = 0;
  let n = 0;
  for (;;) {
    const i = payload.indexOf(needle, off);
    if (i < 0)
      break;
    parts.push(payload.subarray(off, i), repl);
    off = i + needle.length;
    n++;
  }
  if (!n)
    throw new Error(`replaceText: "${from}" not found`);
  parts.push(payload.subarray(off));
  return Buffer.concat(parts);
}

// ------------------------------------------------------------ SRL
// tn_srl.h, TN_SRL_FORM_SPEC: {"payload": P, "signature": bytes(64)}, P =
// {"revoked_ids": [text], "version": uint, "issued_at": uint,
// "issuer": [32 uints]}; signed "tenuo-warrant-v1" || "tenuo-srl-v1" || P.
function buildSrl({ key, revokedIds, version = 1, issuedAt = Math.floor(Date.now() / 1000) - 5 }) {
  const issuer = [...Buffer.from(key.pub, 'hex')];
  const p = cborEncode(new Map([
    ['revoked_ids', revokedIds],
    ['version', version],
    ['issued_at', issuedAt],
    ['issuer', issuer],
  ]));
  const sig = key.sign(Buffer.concat([Buffer.from('tenuo-warrant-v1'), Buffer.from('tenuo-srl-v1'), p]));
  // The payload map is spliced in as its exact signed bytes.
  return Buffer.concat([Buffer.from([0xa2]), cborEncode('payload'), p, cborEncode('signature'),
    cborEncode(sig)]);
}

// ------------------------------------------------------------ headers
// Tenuo writes Payload(data=<bytes>) with empty metadata (§2).
function rawPayload(data) {
  return { metadata: {}, data: Buffer.from(data) };
}

// The x-tenuo-* header fields for one activity, as the Python workflow
// outbound interceptor writes them: x-tenuo-warrant = the leaf's raw CBOR,
// gzip level 9 when compressed (default) with x-tenuo-compressed "1";
// x-tenuo-wire-format "2"; x-tenuo-key-id; x-tenuo-pop = standard base64
// (padded) of the signature; x-tenuo-arg-keys = names in positional order
// joined by ","; x-tenuo-warrant-chain (only for delegated children) =
// standard base64 (padded) of the stack CBOR, not gzipped.
function tenuoHeaders({ warrant, chain, pop: sig, argKeys, keyId = 'agent', compress = true,
  extra = {}, omit = [] }) {
  const f = {};
  if (warrant) {
    f['x-tenuo-warrant'] = rawPayload(compress ? zlib.gzipSync(warrant, { level: 9 }) : warrant);
    f['x-tenuo-compressed'] = rawPayload(compress ? '1' : '0');
    f['x-tenuo-wire-format'] = rawPayload('2');
    f['x-tenuo-key-id'] = rawPayload(keyId);
  }
  if (chain)
    f['x-tenuo-warrant-chain'] = rawPayload(chain.toString('base64'));
  if (sig !== undefined)
    f['x-tenuo-pop'] = rawPayload(sig);
  if (argKeys)
    f['x-tenuo-arg-keys'] = rawPayload(argKeys.join(','));
  for (const k of omit)
    delete f[k];
  return { ...f, ...extra };
}

// ------------------------------------------------------------ payloads
// Temporal's default Python converter: json/plain is json.dumps(v,
// separators=(",", ":"), sort_keys=True) (ensure_ascii on), given here as
// the exact text; binary/plain is the bytes.
function jsonText(text) {
  return { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(text) };
}
function json(v) {
  return jsonText(JSON.stringify(v));
}
function binary(buf) {
  return { metadata: { encoding: Buffer.from('binary/plain') }, data: Buffer.from(buf) };
}

function ts(ms) {
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
}

// A PollActivityTaskQueueResponse as the real frontend builds it, with the
// header fields and input payloads given as they are.
function enforceTask({ token, activityType, activityId, payloads = [], header = {},
  workflowId, runId, scheduledMs = Date.now(), currentAttemptScheduledMs, attempt = 1,
  namespace = 'default', startToCloseSec = 30, heartbeatSec = 10 }) {
  const now = Date.now();
  return {
    task_token: Buffer.from(token),
    workflow_namespace: namespace,
    workflow_type: { name: 'EnforceWorkflow' },
    workflow_execution: {
      workflow_id: workflowId || `wf-${activityId}`,
      run_id: runId || crypto.createHash('sha256').update(`run/${workflowId || activityId}`)
        .digest('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/, '$1-$2-$3-$4-$5'),
    },
    activity_type: { name: activityType },
    activity_id: String(activityId),
    header: { fields: header },
    input: { payloads },
    scheduled_time: ts(scheduledMs),
    current_attempt_scheduled_time: ts(currentAttemptScheduledMs ?? scheduledMs),
    started_time: ts(now),
    attempt,
    schedule_to_close_timeout: { seconds: String(6 * 3600), nanos: 0 },
    start_to_close_timeout: { seconds: String(startToCloseSec), nanos: 0 },
    heartbeat_timeout: { seconds: String(heartbeatSec), nanos: 0 },
    retry_policy: {
      initial_interval: { seconds: '1', nanos: 0 },
      backoff_coefficient: 2,
      maximum_interval: { seconds: '100', nanos: 0 },
      maximum_attempts: 5,
    },
  };
}

module.exports = {
  tenuoctlBinary, ctl, Key, mint, attenuate, pop, inspect, b64urlDecode, toB64url,
  cborItem, cborEncode, splitStack, stackFromWarrants, resignWarrant, replaceText, buildSrl,
  rawPayload, tenuoHeaders, json, jsonText, binary, enforceTask,
};
