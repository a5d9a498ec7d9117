'use strict';
// A stand-in Temporal frontend: an @grpc/grpc-js server for
// temporal.api.workflowservice.v1.WorkflowService, loaded from the upstream
// protos that ship inside @temporalio/core-bridge.  It serves what an
// activity-only worker needs and answers UNIMPLEMENTED to everything else.
//
// Two records are kept for assertions:
//   calls  what the application sees, per RPC: method, metadata, decoded request
//   wire   what arrived on the HTTP/2 stream, per RPC: every request header as
//          sent, and each gRPC message with its compressed flag, its bytes as
//          received, the bytes after gunzip and the decoded request.
// The wire record comes from a passive 'data' listener on each HTTP/2 stream
// (grpc-js strips grpc-encoding and the compressed flag before the handler).

const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const crypto = require('node:crypto');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const SERVICE = 'temporal.api.workflowservice.v1.WorkflowService';
const SERVICE_PROTO = 'temporal/api/workflowservice/v1/service.proto';

// Locate api_upstream inside @temporalio/core-bridge (the folder moved
// between versions, so search for it).
function findProtoRoot() {
  const pkg = path.dirname(require.resolve('@temporalio/core-bridge/package.json'));
  const queue = [[pkg, 0]];
  while (queue.length) {
    const [dir, depth] = queue.shift();
    if (fs.existsSync(path.join(dir, SERVICE_PROTO)))
      return dir;
    if (depth >= 7)
      continue;
    let ents;
    try {
      ents = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of ents) {
      if (e.isDirectory() && e.name !== 'node_modules' && e.name !== 'target' &&
          e.name !== 'releases')
        queue.push([path.join(dir, e.name), depth + 1]);
    }
  }
  throw new Error(`${SERVICE_PROTO} not found under ${pkg}`);
}

const LOADER_OPTS = {
  keepCase: true, longs: String, enums: String, defaults: false, oneofs: true,
};

let cached;
function loadService() {
  if (cached)
    return cached;
  const root = findProtoRoot();
  const def = protoLoader.loadSync(SERVICE_PROTO, { ...LOADER_OPTS, includeDirs: [root] });
  const svc = def[SERVICE];
  if (!svc)
    throw new Error(`${SERVICE} missing from ${root}`);
  cached = { root, def, svc };
  return cached;
}

// grpc-js sets a Promise-returning shutdown; wrap the callback APIs.
function bind(server, port) {
  return new Promise((resolve, reject) => {
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(),
      (err, p) => (err ? reject(err) : resolve(p)));
  });
}

// Split a request body into gRPC length-prefixed messages.
function splitMessages(buf) {
  const out = [];
  let off = 0;
  while (off + 5 <= buf.length) {
    const flag = buf[off];
    const len = buf.readUInt32BE(off + 1);
    if (off + 5 + len > buf.length)
      break;
    out.push({ flag, bytes: buf.subarray(off + 5, off + 5 + len) });
    off += 5 + len;
  }
  return { messages: out, trailing: buf.length - off };
}

function pollKey(req) {
  return (req.task_queue && req.task_queue.name) || '';
}

class Frontend {
  constructor(opts = {}) {
    const { root, svc } = loadService();
    this.protoRoot = root;
    this.svc = svc;
    this.methods = Object.keys(svc);
    this.namespace = opts.namespace ?? 'default';
    this.configure(opts);
    this.streamHeaders = new WeakMap();
    this.reset();
  }

  // holdMs: how long an empty long poll is held (the real frontend answers
  //   an empty poll after about 60 s, before the client's 70 s deadline).
  // namespaceCaps: DescribeNamespace capabilities (worker_poll_complete_on_shutdown:
  //   ShutdownWorker completes the worker's open polls with an empty response).
  // gzipResponses: answer with gzip messages (grpc-encoding: gzip) when the
  //   client accepts gzip, as a grpc-go server does for a gzip request;
  //   grpc-js on its own always answers identity.
  configure(opts = {}) {
    this.holdMs = opts.holdMs ?? 60000;
    this.namespaceCaps = opts.namespaceCaps ?? { worker_poll_complete_on_shutdown: true };
    this.gzipResponses = !!opts.gzipResponses;
  }

  reset() {
    for (const w of this.waiters || [])
      clearTimeout(w.timer);
    this.calls = [];
    this.wire = [];
    this.pollsCancelled = 0;     // long polls the client cancelled (RST_STREAM)
    this.pollsEmpty = 0;         // long polls answered empty after holdMs
    this.gzipped = 0;            // responses sent gzip-compressed
    this.queues = new Map();       // task queue name -> [PollActivityTaskQueueResponse]
    this.waiters = [];             // open long polls
    this.shutdownKeys = new Set(); // worker_instance_keys that called ShutdownWorker
    this.cancelTokens = new Set(); // task tokens whose heartbeat answers cancel_requested
    this.listeners = new Set();
  }

  // ------------------------------------------------------------ records
  record(method, call, request) {
    const metadata = {};
    for (const [k, v] of Object.entries(call.metadata.getMap()))
      metadata[k] = Buffer.isBuffer(v) ? `base64:${v.toString('base64')}` : v;
    const entry = { method, metadata, request, at: Date.now() };
    this.calls.push(entry);
    this.notify();
    return entry;
  }

  notify() {
    for (const fn of [...this.listeners])
      fn();
  }

  // Resolves when pred() is true; rejects after timeoutMs with what it saw.
  waitFor(pred, timeoutMs, what) {
    return new Promise((resolve, reject) => {
      const check = () => {
        let v;
        try {
          v = pred();
        } catch (e) {
          cleanup();
          reject(e);
          return;
        }
        if (v) {
          cleanup();
          resolve(v);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        const seen = this.calls.map((c) => c.method).join(',');
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what || 'condition'}; ` +
          `calls seen: ${seen}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  callsOf(method) {
    return this.calls.filter((c) => c.method === method);
  }

  // ------------------------------------------------------------ wire tap
  tapStream(stream, headers) {
    const p = headers[':path'] || '';
    const method = p.startsWith(`/${SERVICE}/`) ? p.slice(SERVICE.length + 2) : p;
    const raw = {};
    for (const [k, v] of Object.entries(headers))
      raw[k] = v;
    const entry = { method, path: p, headers: raw, messages: [], trailing: 0, done: false };
    this.streamHeaders.set(stream, headers);
    const chunks = [];
    this.wire.push(entry);
    stream.on('data', (c) => chunks.push(c));
    const finish = () => {
      if (entry.done)
        return;
      entry.done = true;
      const { messages, trailing } = splitMessages(Buffer.concat(chunks));
      entry.trailing = trailing;
      const def = this.svc[method];
      for (const m of messages) {
        const rec = { compressed: m.flag, length: m.bytes.length, wireBytes: m.bytes };
        try {
          rec.plain = m.flag === 1 ? zlib.gunzipSync(m.bytes) : m.bytes;
          if (def)
            rec.decoded = def.requestDeserialize(rec.plain);
        } catch (e) {
          rec.error = String(e);
        }
        entry.messages.push(rec);
      }
      this.notify();
    };
    stream.on('end', finish);
    stream.on('close', finish);
  }

  // Make grpc-js answer this call with a gzip message and grpc-encoding:
  // gzip (grpc-js internals, pinned version).
  maybeGzip(call) {
    if (!this.gzipResponses)
      return;
    let base = call.call;
    for (let i = 0; base && typeof base.serializeMessage !== 'function' && i < 16; i++)
      base = base.nextCall;
    if (!base || !base.stream)
      throw new Error('grpc-js internals changed: cannot find the call to compress');
    const h = this.streamHeaders.get(base.stream) || {};
    if (!String(h['grpc-accept-encoding'] || '').split(/\s*,\s*/).includes('gzip'))
      return;
    const plainSerialize = base.serializeMessage.bind(base);
    base.serializeMessage = (value) => {
      const plain = plainSerialize(value);
      const body = zlib.gzipSync(plain.subarray(5));
      const out = Buffer.allocUnsafe(body.length + 5);
      out.writeUInt8(1, 0);
      out.writeUInt32BE(body.length, 1);
      body.copy(out, 5);
      this.gzipped++;
      return out;
    };
    const md = new grpc.Metadata();
    md.set('grpc-encoding', 'gzip');
    call.sendMetadata(md);
  }

  // ------------------------------------------------------------ tasks
  enqueue(taskQueue, task) {
    for (let i = 0; i < this.waiters.length; i++) {
      const w = this.waiters[i];
      if (w.queue !== taskQueue || w.call.cancelled)
        continue;
      this.waiters.splice(i, 1);
      w.answer(task);
      return;
    }
    if (!this.queues.has(taskQueue))
      this.queues.set(taskQueue, []);
    this.queues.get(taskQueue).push(task);
  }

  cancelOnHeartbeat(token) {
    this.cancelTokens.add(Buffer.from(token).toString('hex'));
  }

  // ------------------------------------------------------------ handlers
  handlers() {
    const h = this.rawHandlers();
    const out = {};
    for (const [name, fn] of Object.entries(h)) {
      out[name] = (call, cb) => fn(call, (err, resp) => {
        if (!err && !call.cancelled)
          this.maybeGzip(call);
        cb(err, resp);
      });
    }
    return out;
  }

  rawHandlers() {
    const h = {};
    const unimplemented = (name) => (call, cb) => {
      this.record(name, call, call.request);
      cb({ code: grpc.status.UNIMPLEMENTED,
        details: `unknown method ${name} (stand-in frontend)` });
    };
    for (const m of this.methods)
      h[m] = unimplemented(m);

    h.GetSystemInfo = (call, cb) => {
      this.record('GetSystemInfo', call, call.request);
      cb(null, {
        server_version: '1.29.0',
        capabilities: {
          signal_and_query_header: true,
          internal_error_differentiation: true,
          activity_failure_include_heartbeat: true,
          supports_schedules: true,
          encoded_failure_attributes: true,
          build_id_based_versioning: true,
          upsert_memo: true,
          eager_workflow_start: true,
          sdk_metadata: true,
          count_group_by_execution_status: true,
          nexus: true,
        },
      });
    };

    h.DescribeNamespace = (call, cb) => {
      this.record('DescribeNamespace', call, call.request);
      const ns = call.request.namespace;
      if (ns !== this.namespace) {
        cb({ code: grpc.status.NOT_FOUND, details: `Namespace ${ns} is not found.` });
        return;
      }
      cb(null, {
        namespace_info: {
          name: ns,
          state: 'NAMESPACE_STATE_REGISTERED',
          description: 'stand-in',
          id: '5f0e3f5c-7d1b-4c8e-9a57-0b1f2a3c4d5e',
          capabilities: this.namespaceCaps,
          supports_schedules: true,
        },
        config: { workflow_execution_retention_ttl: { seconds: '86400', nanos: 0 } },
        is_global_namespace: false,
      });
    };

    h.PollActivityTaskQueue = (call, cb) => {
      this.record('PollActivityTaskQueue', call, call.request);
      const queue = pollKey(call.request);
      // A poll from a worker that has already called ShutdownWorker is
      // answered at once (as the server does once it knows the worker is
      // going away).
      if (call.request.worker_instance_key && this.namespaceCaps.worker_poll_complete_on_shutdown &&
          this.shutdownKeys.has(call.request.worker_instance_key)) {
        cb(null, {});
        return;
      }
      const q = this.queues.get(queue);
      if (q && q.length) {
        cb(null, q.shift());
        return;
      }
      // Hold the long poll open until a task arrives, the hold time passes
      // (then an empty response, as the real frontend does before the
      // client's 70 s deadline), or the client goes away.
      let hold = this.holdMs;
      const dl = call.getDeadline();
      if (dl instanceof Date || typeof dl === 'number') {
        const left = +dl - Date.now() - 1000;
        if (Number.isFinite(left))
          hold = Math.max(0, Math.min(hold, left));
      }
      const w = {
        queue,
        call,
        key: call.request.worker_instance_key || '',
        done: false,
        answer: (resp) => {
          if (w.done)
            return;
          w.done = true;
          // What the poll was answered with, kept for the tests: grpc-js
          // sets call.cancelled once the stream closes, even after a
          // normal answer, so "answered" cannot be read off the call.
          w.carried = resp && resp.task_token && resp.task_token.length > 0 ?
            Buffer.from(resp.task_token).toString('hex') : null;
          clearTimeout(w.timer);
          cb(null, resp);
        },
      };
      w.timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        this.pollsEmpty++;
        w.answer({});
      }, hold);
      call.on('cancelled', () => {
        if (!w.done)
          this.pollsCancelled++;
        w.done = true;
        clearTimeout(w.timer);
        this.waiters = this.waiters.filter((x) => x !== w);
      });
      this.waiters.push(w);
    };

    const ack = (name) => (call, cb) => {
      this.record(name, call, call.request);
      cb(null, {});
    };
    h.RespondActivityTaskCompleted = ack('RespondActivityTaskCompleted');
    h.RespondActivityTaskFailed = ack('RespondActivityTaskFailed');
    h.RespondActivityTaskCanceled = ack('RespondActivityTaskCanceled');

    h.RecordActivityTaskHeartbeat = (call, cb) => {
      this.record('RecordActivityTaskHeartbeat', call, call.request);
      const tok = Buffer.from(call.request.task_token || []).toString('hex');
      cb(null, { cancel_requested: this.cancelTokens.has(tok) });
    };

    h.ShutdownWorker = (call, cb) => {
      this.record('ShutdownWorker', call, call.request);
      // worker_poll_complete_on_shutdown: complete this worker's open polls
      // with an empty response.
      const key = call.request.worker_instance_key;
      if (key)
        this.shutdownKeys.add(key);
      if (key && this.namespaceCaps.worker_poll_complete_on_shutdown) {
        const mine = this.waiters.filter((w) => w.key === key);
        this.waiters = this.waiters.filter((w) => w.key !== key);
        for (const w of mine)
          w.answer({});
      }
      cb(null, {});
    };
    return h;
  }

  openPolls(workerKey) {
    return this.waiters.filter((w) => !workerKey || w.key === workerKey).length;
  }

  async start(port = 0) {
    this.server = new grpc.Server({
      'grpc.max_receive_message_length': 128 * 1024 * 1024,
    });
    this.server.addService(this.svc, this.handlers());
    this.port = await bind(this.server, port);
    // The HTTP/2 servers grpc-js made for this port (grpc-js internals,
    // pinned version): listen for streams after grpc-js's own handler.
    const h2 = this.server.http2Servers;
    if (!(h2 instanceof Map) || h2.size === 0)
      throw new Error('grpc-js internals changed: Server.http2Servers not found (wire tap)');
    for (const s of h2.keys())
      s.on('stream', (stream, headers) => this.tapStream(stream, headers));
    return this.port;
  }

  // Kill the server (every connection dropped, open calls end UNAVAILABLE
  // or with a reset), stay down for downMs, then serve again on the same
  // port with the same queues and records.
  async restart(downMs) {
    const s = this.server;
    this.server = null;
    for (const w of this.waiters)
      clearTimeout(w.timer);
    this.waiters = [];
    if (s)
      s.forceShutdown();
    this.restarts = (this.restarts || 0) + 1;
    await new Promise((r) => setTimeout(r, downMs));
    await this.start(this.port);
  }

  async close() {
    for (const w of this.waiters)
      clearTimeout(w.timer);
    this.waiters = [];
    if (!this.server)
      return;
    const s = this.server;
    this.server = null;
    await new Promise((resolve) => {
      const t = setTimeout(() => {
        s.forceShutdown();
        resolve();
      }, 2000);
      s.tryShutdown(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

// A PollActivityTaskQueueResponse as the real frontend builds it.
function makeTask({ token, activityType, activityId, args = [], workflowId, heartbeatSec = 10,
  startToCloseSec = 30, attempt = 1, header = {}, namespace = 'default' }) {
  const now = Date.now();
  const ts = { seconds: String(Math.floor(now / 1000)), nanos: (now % 1000) * 1e6 };
  const jsonPayload = (v) => ({
    metadata: { encoding: Buffer.from('json/plain') },
    data: Buffer.from(JSON.stringify(v)),
  });
  const fields = {};
  for (const [k, v] of Object.entries(header))
    fields[k] = jsonPayload(v);
  return {
    task_token: Buffer.from(token),
    workflow_namespace: namespace,
    workflow_type: { name: 'E2EWorkflow' },
    workflow_execution: {
      workflow_id: workflowId || `wf-${activityId}`,
      run_id: crypto.createHash('sha256').update(String(activityId)).digest('hex')
        .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/, '$1-$2-$3-$4-$5'),
    },
    activity_type: { name: activityType },
    activity_id: String(activityId),
    header: { fields },
    input: { payloads: args.map(jsonPayload) },
    scheduled_time: ts,
    current_attempt_scheduled_time: ts,
    started_time: ts,
    attempt,
    schedule_to_close_timeout: { seconds: '120', nanos: 0 },
    start_to_close_timeout: { seconds: String(startToCloseSec), nanos: 0 },
    heartbeat_timeout: { seconds: String(heartbeatSec), nanos: 0 },
    retry_policy: {
      initial_interval: { seconds: '1', nanos: 0 },
      backoff_coefficient: 2,
      maximum_interval: { seconds: '100', nanos: 0 },
      maximum_attempts: 3,
    },
  };
}

async function startFrontend(opts) {
  const fe = new Frontend(opts);
  await fe.start(opts && opts.port);
  return fe;
}

module.exports = { Frontend, startFrontend, makeTask, findProtoRoot, loadService, SERVICE };
