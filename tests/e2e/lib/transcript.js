'use strict';
// What the frontend received in one run, normalized so that a run through
// the sidecar can be compared with a run straight to the frontend.
//
// Kept: every request header, in order, with its value (only :authority is
// replaced, since the worker dials a different port in each run); each
// message's compressed flag, its decoded content, and for the messages whose
// content does not vary between runs the SHA-256 of the bytes as they
// arrived (compressed or not).  Normalized: the worker's random
// worker_instance_key and worker_grouping_key, and the clock and load
// readings in ShutdownWorker's worker_heartbeat.  PollActivityTaskQueue
// calls are compared as a set: how many polls a run makes depends on timing.

const crypto = require('node:crypto');

const VOLATILE_METHODS = new Set(['PollActivityTaskQueue', 'ShutdownWorker']);

function norm(v, key) {
  if (v === null || v === undefined)
    return v;
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) {
    const b = Buffer.from(v);
    return b.length > 1024 ? `bytes[${b.length}]:${sha(b)}` : `bytes:${b.toString('base64')}`;
  }
  if (Array.isArray(v))
    return v.map((x) => norm(x));
  if (typeof v === 'object') {
    if (key === 'worker_heartbeat')
      return heartbeatShape(v);
    const out = {};
    for (const k of Object.keys(v).sort())
      out[k] = norm(v[k], k);
    return out;
  }
  if (key === 'worker_instance_key' || key === 'worker_grouping_key')
    return '<uuid>';
  return v;
}

function heartbeatShape(h) {
  const a = h.activity_task_slots_info || {};
  return {
    worker_identity: h.worker_identity,
    host_name: h.host_info && h.host_info.host_name,
    process_id: h.host_info && h.host_info.process_id,
    task_queue: h.task_queue,
    deployment_version: norm(h.deployment_version),
    sdk_name: h.sdk_name,
    sdk_version: h.sdk_version,
    status: h.status,
    total_processed_tasks: a.total_processed_tasks,
    total_failed_tasks: a.total_failed_tasks,
  };
}

function sha(b) {
  return crypto.createHash('sha256').update(b).digest('hex').slice(0, 16);
}

// only: a set of method names to keep (all when absent).
function entryOf(w) {
  const headers = Object.entries(w.headers).map(([k, v]) =>
    [k, k === ':authority' ? '<authority>' : v]);
  return {
    method: w.method,
    headers,
    trailing: w.trailing,
    messages: w.messages.map((m) => ({
      compressed: m.compressed,
      ...(VOLATILE_METHODS.has(w.method) ? {} : { sha256: sha(m.wireBytes) }),
      decoded: m.error ? `error: ${m.error}` : norm(m.decoded),
    })),
  };
}

// A sorted list of canonical JSON strings, one per call (polls deduplicated).
function transcript(frontend, only) {
  const seen = new Set();
  const out = [];
  for (const w of frontend.wire) {
    if (!w.done || (only && !only.has(w.method)))
      continue;
    const s = JSON.stringify(entryOf(w));
    if (w.method === 'PollActivityTaskQueue') {
      if (seen.has(s))
        continue;
      seen.add(s);
    }
    out.push(s);
  }
  return out.sort();
}

// Human-readable difference between two transcripts (empty when equal).
function diffTranscripts(a, b, la = 'direct', lb = 'sidecar') {
  const count = (xs) => xs.reduce((m, x) => m.set(x, (m.get(x) || 0) + 1), new Map());
  const ca = count(a);
  const cb = count(b);
  const lines = [];
  for (const [k, n] of ca) {
    if ((cb.get(k) || 0) < n)
      lines.push(`only in ${la} (${n - (cb.get(k) || 0)}x): ${k}`);
  }
  for (const [k, n] of cb) {
    if ((ca.get(k) || 0) < n)
      lines.push(`only in ${lb} (${n - (ca.get(k) || 0)}x): ${k}`);
  }
  return lines;
}

module.exports = { transcript, diffTranscripts, norm };
