'use strict';
// Harness for the enforcement tests and the sidecar demo: a stand-in
// frontend that also answers the workflow-side calls the sidecar inspects
// (RespondWorkflowTaskCompleted with eager activity_tasks,
// StartWorkflowExecution, SignalWithStartWorkflowExecution), a sidecar with
// a full enforcement config (lib/sidecar.js writes a fixed pass-through
// config, so this one writes its own), an activity worker, a grpc-js client,
// and the check whether the sidecar has enforcement built in.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { spawn, spawnSync } = require('node:child_process');
const grpc = require('@grpc/grpc-js');

const { Frontend, loadService } = require('./frontend');
const { freePort, sidecarBinary } = require('./sidecar');

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// ------------------------------------------------------------ frontend
class EnforceFrontend extends Frontend {
  reset() {
    super.reset();
    this.eager = new Map();  // hex(workflow task token) -> [activity task]
  }

  // Answer RespondWorkflowTaskCompleted for this workflow task token with
  // these eager activity tasks.
  eagerFor(wfToken, tasks) {
    this.eager.set(Buffer.from(wfToken).toString('hex'), tasks);
  }

  rawHandlers() {
    const h = super.rawHandlers();
    h.RespondWorkflowTaskCompleted = (call, cb) => {
      this.record('RespondWorkflowTaskCompleted', call, call.request);
      const k = Buffer.from(call.request.task_token || []).toString('hex');
      cb(null, { activity_tasks: this.eager.get(k) || [] });
    };
    const start = (name) => (call, cb) => {
      this.record(name, call, call.request);
      cb(null, { run_id: crypto.randomUUID(), started: true });
    };
    h.StartWorkflowExecution = start('StartWorkflowExecution');
    h.SignalWithStartWorkflowExecution = start('SignalWithStartWorkflowExecution');
    return h;
  }
}

async function startEnforceFrontend(opts = {}) {
  const fe = new EnforceFrontend(opts);
  await fe.start(opts.port);
  return fe;
}

// Terminal calls the frontend received for a task token (original bytes).
const TERMINAL = ['RespondActivityTaskCompleted', 'RespondActivityTaskFailed',
  'RespondActivityTaskCanceled'];
function terminalCalls(fe, token) {
  const want = Buffer.from(token).toString('hex');
  return fe.calls.filter((c) => TERMINAL.includes(c.method) &&
    Buffer.from(c.request.task_token || []).toString('hex') === want);
}

// ------------------------------------------------------------ detection
// A sidecar built with enforcement accepts the enforcement keys; one
// without refuses them as unknown.  Only that exact refusal means "not
// built": any other outcome (accepted, or refused for another reason) runs
// the tests, so they cannot skip silently once enforcement is there.
function detectEnforcement(bin = sidecarBinary()) {
  if (!fs.existsSync(bin))
    return { built: true, why: `no binary at ${bin}` };  // tests fail with the real error
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenuo-enf-probe-'));
  try {
    const conf = path.join(dir, 'probe.conf');
    fs.writeFileSync(conf, ['listen = 127.0.0.1:1', 'upstream = 127.0.0.1:2',
      'trusted_root = 3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29',
      'enforcement = enforce', 'require_warrant = on', 'pop_clock = scheduled', ''].join('\n'),
    { mode: 0o600 });
    const r = spawnSync(bin, ['-t', '-c', conf], { encoding: 'utf8', timeout: 10000 });
    const out = `${r.stdout || ''}${r.stderr || ''}`;
    if (r.status !== 0 && /unknown key "pop_clock"/.test(out))
      return { built: false, why: `\`${path.basename(bin)} -t\` refuses \`pop_clock = scheduled\`: unknown key` };
    return { built: true, why: r.status === 0 ? 'config with pop_clock accepted' : out.trim() };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------ sidecar
const live = new Set();
process.on('exit', () => {
  for (const c of live) {
    try {
      c.kill('SIGKILL');
    } catch { /* gone */ }
  }
});

async function waitForText(file, re, timeoutMs) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    let txt = '';
    try {
      txt = fs.readFileSync(file, 'utf8');
    } catch { /* not yet */ }
    if (re.test(txt))
      return txt;
    if (Date.now() > end)
      return null;
    await sleep(50);
  }
}

class EnforceSidecar {
  // lines: config lines after listen/upstream/audit_log/admin_listen (a
  // function of this, so they can name files in this.dir).
  constructor({ upstreamPort, lines, dir }) {
    this.bin = sidecarBinary();
    this.upstreamPort = upstreamPort;
    this.lines = lines;
    this.dir = dir || fs.mkdtempSync(path.join(os.tmpdir(), 'tenuo-enf-'));
    this.conf = path.join(this.dir, 'sidecar.conf');
    this.auditLog = path.join(this.dir, 'audit.log');
    this.errLog = path.join(this.dir, 'sidecar.err');
    this.tokenKey = path.join(this.dir, 'task-token.key');
  }

  writeConf(lines) {
    const all = [
      `listen = 127.0.0.1:${this.port}`,
      `upstream = 127.0.0.1:${this.upstreamPort}`,
      `audit_log = ${this.auditLog}`,
      `admin_listen = 127.0.0.1:${this.adminPort}`,
      'shutdown_grace = 2s',
      ...(typeof lines === 'function' ? lines(this) : lines),
    ];
    const tmp = `${this.conf}.tmp`;
    fs.writeFileSync(tmp, all.join('\n') + '\n', { mode: 0o600 });
    fs.chmodSync(tmp, 0o600);
    fs.renameSync(tmp, this.conf);
  }

  async start() {
    if (!fs.existsSync(this.bin))
      throw new Error(`sidecar binary not found: ${this.bin}`);
    this.port = await freePort();
    this.adminPort = await freePort();
    if (!fs.existsSync(this.tokenKey))
      fs.writeFileSync(this.tokenKey, crypto.randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
    this.writeConf(this.lines);
    const err = fs.openSync(this.errLog, 'w');
    this.proc = spawn(this.bin, ['-c', this.conf], { stdio: ['ignore', err, err], cwd: this.dir });
    fs.closeSync(err);
    live.add(this.proc);
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        live.delete(this.proc);
        this.exitCode = code;
        this.exitSignal = signal;
        resolve({ code, signal });
      });
    });
    const ok = await Promise.race([waitForText(this.errLog, /forwarding to/, 10000),
      this.exited.then(() => null)]);
    if (!ok) {
      const log = this.stderr();
      await this.stop();
      throw new Error(`sidecar did not start (config ${this.conf}):\n${log}`);
    }
    return this.port;
  }

  get address() {
    return `127.0.0.1:${this.port}`;
  }

  alive() {
    return this.proc && this.exitCode === undefined && this.exitSignal === undefined;
  }

  stderr() {
    try {
      return fs.readFileSync(this.errLog, 'utf8');
    } catch {
      return '';
    }
  }

  // The audit log's JSON events.
  events() {
    let txt = '';
    try {
      txt = fs.readFileSync(this.auditLog, 'utf8');
    } catch {
      return [];
    }
    const out = [];
    for (const l of txt.split('\n')) {
      if (!l.trim())
        continue;
      try {
        out.push(JSON.parse(l));
      } catch {
        out.push({ unparsable: l });
      }
    }
    return out;
  }

  auditText() {
    try {
      return fs.readFileSync(this.auditLog, 'utf8');
    } catch {
      return '';
    }
  }

  async waitEvent(pred, timeoutMs, what) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const ev = this.events().find(pred);
      if (ev)
        return ev;
      if (Date.now() > end)
        throw new Error(`no audit event ${what} within ${timeoutMs} ms; audit log:\n` +
          this.auditText().split('\n').slice(-15).join('\n'));
      await sleep(50);
    }
  }

  // Rewrites the config and sends SIGHUP; resolves once the audit log
  // says config_reloaded (rejects on config_reload_refused).
  async reload(lines) {
    const before = this.events().filter((e) => /^config_reload/.test(e.event || '')).length;
    this.lines = lines;
    this.writeConf(lines);
    this.proc.kill('SIGHUP');
    const end = Date.now() + 10000;
    for (;;) {
      const evs = this.events().filter((e) => /^config_reload/.test(e.event || ''));
      if (evs.length > before) {
        const e = evs[evs.length - 1];
        if (e.event !== 'config_reloaded')
          throw new Error(`reload refused: ${JSON.stringify(e)}\n${this.stderr()}`);
        return e;
      }
      if (Date.now() > end)
        throw new Error(`no config_reloaded audit event after SIGHUP:\n${this.stderr()}`);
      await sleep(50);
    }
  }

  async stop() {
    if (!this.proc || !this.alive())
      return this.exited ? this.exited : null;
    this.proc.kill('SIGTERM');
    let timer;
    const r = await Promise.race([this.exited,
      new Promise((res) => { timer = setTimeout(() => res(null), 6000); })]);
    clearTimeout(timer);
    if (r)
      return r;
    this.proc.kill('SIGKILL');
    return this.exited;
  }

  cleanup() {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------ worker
let runtimeInstalled = false;
function installRuntime(sdk) {
  if (runtimeInstalled)
    return;
  sdk.Runtime.install({ logger: new sdk.DefaultLogger(process.env.E2E_LOG_LEVEL || 'ERROR'),
    shutdownSignals: [] });
  runtimeInstalled = true;
}

function withTimeout(p, ms, what) {
  let t;
  return Promise.race([p.finally(() => clearTimeout(t)),
    new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`${what}: timed out after ${ms} ms`)), ms); })]);
}

// An unmodified activity worker on taskQueue at address, running
// lib/enforce-activities.js; resolves once its first poll reached frontend.
async function startWorker({ sdk, frontend, address, taskQueue }) {
  installRuntime(sdk);
  const connection = await withTimeout(sdk.NativeConnection.connect({ address }), 15000,
    'NativeConnection.connect');
  const worker = await withTimeout(sdk.Worker.create({
    connection, namespace: 'default', taskQueue,
    activities: require('./enforce-activities'),
    shutdownGraceTime: '2s',
    maxConcurrentActivityTaskExecutions: 32,
  }), 15000, 'Worker.create');
  const runP = worker.run();
  let runErr;
  runP.catch((e) => { runErr = e; });
  await frontend.waitFor(() => frontend.callsOf('PollActivityTaskQueue')
    .some((c) => c.request.task_queue && c.request.task_queue.name === taskQueue), 15000,
  `a PollActivityTaskQueue on ${taskQueue}`);
  return {
    worker,
    state: () => worker.getState(),
    error: () => runErr,
    async stop() {
      try {
        if (worker.getState() === 'RUNNING')
          worker.shutdown();
        await withTimeout(runP, 15000, 'Worker.run to end');
      } catch (e) {
        runErr = runErr || e;
      }
      try {
        await withTimeout(connection.close(), 5000, 'NativeConnection.close');
      } catch { /* reported by the caller if it matters */ }
      return runErr;
    },
  };
}

// ------------------------------------------------------------ grpc client
function client(address) {
  const { svc } = loadService();
  const Ctor = grpc.makeGenericClientConstructor(svc, 'WorkflowService');
  return new Ctor(address, grpc.credentials.createInsecure());
}

// Promise of { err, resp } for one unary call (deadline 10 s).
function unary(c, method, req, md = new grpc.Metadata()) {
  return new Promise((resolve) => {
    c[method](req, md, { deadline: Date.now() + 10000 },
      (err, resp) => resolve({ err, resp }));
  });
}

module.exports = {
  EnforceFrontend, startEnforceFrontend, EnforceSidecar, detectEnforcement, startWorker,
  client, unary, terminalCalls, TERMINAL, sleep, waitForText,
};
