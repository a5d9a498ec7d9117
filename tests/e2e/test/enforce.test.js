'use strict';
// Issue 5 acceptance: Tenuo authorization of activity tasks at the sidecar,
// end to end with an unmodified @temporalio/worker and warrants from
// tenuoctl.  The x-tenuo-* headers and input payloads are built exactly as
// Tenuo's Python integration and Temporal's default Python converter write
// them (lib/enforce-tenuo.js).  Every denial must reach the frontend as one
// RespondActivityTaskFailed from the sidecar (identity tenuo-sidecar@...,
// ApplicationFailure type = Tenuo's wire type, non_retryable), the activity
// body must not run (lib/enforce-activities.js leaves a file when it runs),
// and every task put in the queue must end exactly once.
//
// Without enforcement in the sidecar (detected by `tenuo-sidecar -t` refusing
// `pop_clock` as an unknown key, lib/enforce-harness.js), every test is
// reported SKIP with that reason.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');

const T = require('../lib/enforce-tenuo');
const H = require('../lib/enforce-harness');

const WATCHDOG = setTimeout(() => {
  console.error('enforce: global time limit (150 s) reached, exiting');
  process.exit(2);
}, 150000);
WATCHDOG.unref();

// ------------------------------------------------------------------ skip
let sdk;
let skip = false;
const det = H.detectEnforcement();
// E2E_ENFORCE_FORCE=1 runs the tests even when the probe says "not built"
// (to debug the suite itself).
if (!det.built && !process.env.E2E_ENFORCE_FORCE) {
  skip = `enforcement not built into this sidecar (${det.why})`;
} else {
  try {
    require('@temporalio/core-bridge');
    sdk = require('@temporalio/worker');
  } catch (e) {
    skip = `@temporalio/worker cannot load: ${String(e && e.message).split('\n')[0]}`;
  }
}
if (skip)
  console.log(`SKIP: ${skip}`);
function etest(name, fn) {
  test(name, { skip }, fn);
}

// ------------------------------------------------------------------ setup
const QUEUE = 'enforce-main';
const NOW = () => Math.floor(Date.now() / 1000);
let dir;
let sideDir;
let fe;
let main;          // the enforcing sidecar
let worker;
const K = {};      // keys
const W = {};      // warrants / stacks as tenuoctl prints them
const extraSidecars = [];
const enqueued = [];  // { token, queue, what }
let seq = 0;

function mainLines(sc) {
  return [
    `trusted_root = ${K.cp.pub}`,
    'enforcement = enforce',
    'require_warrant = on',
    'pop_clock = scheduled',
    'pop_max_windows = 5',
    'redact_args = on',
    'strip_tenuo_headers = on',
    `task_token_key_file = ${sc.tokenKey}`,
    `revocation_list_file = ${path.join(dir, 'revoked.srl')}`,
  ];
}

before(async () => {
  if (skip)
    return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenuo-enforce-'));
  sideDir = path.join(dir, 'side-effects');
  fs.mkdirSync(sideDir);
  process.env.ENFORCE_SIDE_EFFECTS = sideDir;
  for (const n of ['cp', 'agent', 'tenantA', 'tenantB', 'platform', 'orch', 'reader', 'writer',
    'rogue', 'other', 'hup1', 'hup2'])
    K[n] = new T.Key(dir, n);
  const t = NOW();
  W.data = T.mint({ key: K.cp, holder: K.agent, ttl: 3600, tools: [
    { tool: 'read_file', constraints: ['path=subpath:/data'] },
    { tool: 'list_directory', constraints: ['path=subpath:/data'] },
    { tool: 'take_args', constraints: ['cfg=wildcard', 'items=wildcard', 'ratio=range:0..10',
      'blob=wildcard', 'matrix=wildcard'] },
  ] });
  W.tenantA = T.mint({ key: K.cp, holder: K.tenantA, ttl: 3600,
    tools: [{ tool: 'read_file', constraints: ['path=subpath:/data/tenant-a'] }] });
  W.tenantB = T.mint({ key: K.cp, holder: K.tenantB, ttl: 3600,
    tools: [{ tool: 'read_file', constraints: ['path=subpath:/data/tenant-b'] }] });
  // Three stages: control plane -> platform -> orchestrator -> reader / writer.
  W.platform = T.mint({ key: K.cp, holder: K.platform, ttl: 3600, tools: [
    { tool: 'read_file', constraints: ['path=subpath:/data'] },
    { tool: 'write_file', constraints: ['path=subpath:/data', 'content=wildcard'] },
    { tool: 'list_directory', constraints: ['path=subpath:/data'] }] });
  W.orch = T.attenuate({ key: K.platform, parent: W.platform, holder: K.orch, ttl: 3000, tools: [
    { tool: 'read_file', constraints: ['path=subpath:/data/project'] },
    { tool: 'write_file', constraints: ['path=subpath:/data/project', 'content=wildcard'] },
    { tool: 'list_directory', constraints: ['path=subpath:/data/project'] }] });
  W.reader = T.attenuate({ key: K.orch, parent: W.orch, holder: K.reader, ttl: 600, tools: [
    { tool: 'read_file', constraints: ['path=subpath:/data/project/in'] },
    { tool: 'list_directory', constraints: ['path=subpath:/data/project/in'] }] });
  W.writer = T.attenuate({ key: K.orch, parent: W.orch, holder: K.writer, ttl: 600, tools: [
    { tool: 'write_file', constraints: ['path=subpath:/data/project/out', 'content=wildcard'] }] });
  // A widened reader: the orchestrator signs a child whose Subpath is /data,
  // wider than its own /data/project (tenuoctl attenuate refuses this).
  const rs = T.splitStack(W.reader);
  const forged = T.resignWarrant(rs.leaf, K.orch,
    (p) => T.replaceText(p, '/data/project/in', '/data'));
  W.widened = T.toB64url(T.stackFromWarrants([...rs.warrants.slice(0, -1), forged]));
  W.expired = T.mint({ key: K.cp, holder: K.agent, ttl: 600, issuedAt: t - 7200,
    tools: [{ tool: 'read_file', constraints: ['path=subpath:/data'] }] });
  W.rogue = T.mint({ key: K.rogue, holder: K.agent, ttl: 3600,
    tools: [{ tool: 'read_file', constraints: ['path=subpath:/data'] }] });
  W.revoked = T.mint({ key: K.cp, holder: K.agent, ttl: 3600,
    tools: [{ tool: 'read_file', constraints: ['path=subpath:/data'] }] });
  W.old = T.mint({ key: K.cp, holder: K.agent, ttl: 8 * 3600, issuedAt: t - 3 * 3600 - 60,
    tools: [{ tool: 'read_file', constraints: ['path=subpath:/data'] }] });
  W.hup1 = T.mint({ key: K.hup1, holder: K.agent, ttl: 3600,
    tools: [{ tool: 'read_file', constraints: ['path=subpath:/data'] }] });
  W.hup2 = T.mint({ key: K.hup2, holder: K.agent, ttl: 3600,
    tools: [{ tool: 'read_file', constraints: ['path=subpath:/data'] }] });
  fs.writeFileSync(path.join(dir, 'revoked.srl'),
    T.buildSrl({ key: K.cp, revokedIds: [T.inspect(W.revoked).warrants[0].id] }));

  // Self-checks of the test material with tenuoctl (the same libtenuo), so
  // a wrong input is reported as such and not as a sidecar bug.
  const auth = (stack, tool, args, sig, extra = []) => T.ctl(['authorize', '--trusted-root',
    K.cp.pub, '--stack', stack, '--tool', tool, '--args', JSON.stringify(args), '--pop', sig,
    ...extra], { allowFail: true });
  const a1 = { path: '/data/project/in/x' };
  const r1 = auth(W.widened, 'read_file', a1, T.pop({ key: K.reader, warrant: W.widened,
    tool: 'read_file', args: a1 }));
  assert.equal(r1.code, 1, `widened child must be refused by tenuoctl: ${r1.out}`);
  const a2 = { path: '/data/x' };
  const r2 = auth(W.revoked, 'read_file', a2, T.pop({ key: K.agent, warrant: W.revoked,
    tool: 'read_file', args: a2 }), ['--srl', path.join(dir, 'revoked.srl')]);
  assert.match(r2.out, /"code":"revoked"/, `SRL self-check: ${r2.out}`);

  fe = await H.startEnforceFrontend({});
  main = new H.EnforceSidecar({ upstreamPort: fe.port, lines: mainLines, dir: path.join(dir, 'main') });
  fs.mkdirSync(main.dir);
  await main.start();
  worker = await H.startWorker({ sdk, frontend: fe, address: main.address, taskQueue: QUEUE });
});

after(async () => {
  let failed = false;
  if (worker) {
    const e = await worker.stop();
    if (e)
      console.error(`worker: ${e.stack || e}`);
  }
  for (const s of [main, ...extraSidecars]) {
    if (!s || !s.proc)
      continue;
    const r = await s.stop();
    if (!r || r.code !== 0) {
      failed = true;
      console.error(`sidecar ${s.dir} exit ${JSON.stringify(r)}\n${s.stderr()}`);
    }
  }
  if (fe)
    await fe.close();
  if (dir) {
    if (failed || process.env.E2E_KEEP)
      console.error(`enforce files kept in ${dir}`);
    else
      fs.rmSync(dir, { recursive: true, force: true });
  }
  clearTimeout(WATCHDOG);
});

// ------------------------------------------------------------------ tasks
function warrantId(stack) {
  const ws = T.inspect(stack).warrants;
  return ws[ws.length - 1].id;
}

// A read_file-like task signed as Tenuo's workflow side would sign it.
// opts: stack (tenuoctl text), key (PoP signer), tool, args (PoP map, JSON
// values as tenuoctl takes them), payloads (defaults: json of each arg),
// argKeys, chain (send x-tenuo-warrant-chain), scheduledMs, attempt, ...
function signed(opts) {
  const n = ++seq;
  const tool = opts.tool || 'read_file';
  const scheduledMs = opts.scheduledMs ?? Date.now();
  const args = opts.args;
  const argKeys = opts.argKeys || Object.keys(args || {});
  const st = opts.stack ? T.splitStack(opts.stack) : null;
  let header = {};
  if (st) {
    const sig = opts.pop !== undefined ? opts.pop : T.pop({ key: opts.key || K.agent,
      warrant: opts.popStack || opts.stack, tool: opts.popTool || tool,
      args: opts.popArgs || args, at: Math.floor((opts.popAtMs ?? scheduledMs) / 1000) });
    let leaf = st.leaf;
    if (opts.tamper)
      leaf = opts.tamper(Buffer.from(leaf));
    header = T.tenuoHeaders({ warrant: leaf, chain: opts.chain ? st.stack : null, pop: sig,
      argKeys, compress: opts.compress !== false });
  }
  Object.assign(header, opts.extraHeader || {});
  const activityId = opts.activityId || `${tool}-${n}`;
  const token = opts.token || `enf-tok-${n}-${crypto.randomBytes(4).toString('hex')}`;
  const payloads = opts.payloads || argKeys.map((k) => T.json(args[k]));
  const task = T.enforceTask({ token, activityType: opts.activityType || tool, activityId,
    payloads, header, workflowId: opts.workflowId, runId: opts.runId, scheduledMs,
    currentAttemptScheduledMs: opts.currentAttemptScheduledMs, attempt: opts.attempt || 1 });
  return { task, token, activityId, tool, args,
    warrantId: st ? warrantId(opts.stack) : 'none' };
}

function enqueue(t, queue = QUEUE, frontend = fe) {
  enqueued.push({ token: t.token, queue, what: `${t.tool} ${t.activityId}`, fe: frontend });
  frontend.enqueue(queue, t.task);
  return t;
}

function ranMarker(activityId) {
  const f = path.join(sideDir, `ran-${activityId}`);
  return fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, 'utf8')) : null;
}

function resultOf(call) {
  const p = call.request.result && call.request.result.payloads && call.request.result.payloads[0];
  return p ? JSON.parse(Buffer.from(p.data).toString()) : undefined;
}

async function expectAllowed(t, { frontend = fe, sidecar = main, timeoutMs = 20000 } = {}) {
  const call = await frontend.waitFor(() => H.terminalCalls(frontend, t.token)[0], timeoutMs,
    `the answer to ${t.activityId}`);
  assert.equal(call.method, 'RespondActivityTaskCompleted',
    `${t.activityId}: expected completed, got ${call.method}: ` +
    `${JSON.stringify(call.request.failure || {}).slice(0, 400)}`);
  assert.ok(!String(call.request.identity).startsWith('tenuo-sidecar@'),
    `${t.activityId}: completed by ${call.request.identity}, not the worker`);
  const ran = ranMarker(t.activityId);
  assert.ok(ran, `${t.activityId}: the activity body did not run`);
  assert.notEqual(ran.taskToken, Buffer.from(t.token).toString('hex'),
    `${t.activityId}: the worker got the frontend's task token unwrapped (no MAC binding)`);
  const ev = await sidecar.waitEvent((e) => e.activity_id === t.activityId && e.decision, 5000,
    `decision for ${t.activityId}`);
  assert.equal(ev.decision, 'allow', `${t.activityId}: audit ${JSON.stringify(ev)}`);
  return { call, result: resultOf(call), ran, ev };
}

const MSG = (tool, id) => new RegExp(`^Activity '${tool.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' ` +
  `denied: .+ \\(warrant: ${id}\\)$`, 's');

async function expectDenied(t, type, { frontend = fe, sidecar = main, secrets = [],
  timeoutMs = 20000, warrant = t.warrantId } = {}) {
  const call = await frontend.waitFor(() => H.terminalCalls(frontend, t.token)[0], timeoutMs,
    `the answer to ${t.activityId}`);
  const f = call.request.failure || {};
  const afi = f.application_failure_info || {};
  assert.equal(call.method, 'RespondActivityTaskFailed',
    `${t.activityId}: expected a denial, got ${call.method} (${JSON.stringify(resultOf(call))})`);
  assert.match(String(call.request.identity), /^tenuo-sidecar@./,
    `${t.activityId}: failed by ${call.request.identity}, not the sidecar`);
  assert.equal(afi.type, type, `${t.activityId}: failure ${JSON.stringify(f).slice(0, 500)}`);
  assert.equal(afi.non_retryable, true, `${t.activityId}: denial must be non_retryable`);
  assert.match(String(f.message), MSG(t.tool, warrant), `${t.activityId}: message`);
  assert.equal(call.request.namespace, 'default');
  for (const s of secrets)
    assert.ok(!String(f.message).includes(s), `${t.activityId}: message reveals ${s}: ${f.message}`);
  assert.equal(ranMarker(t.activityId), null, `${t.activityId}: the denied activity body ran`);
  // (An earlier allow for the same activity id, as in the replay test, is
  // not this decision.)
  const ev = await sidecar.waitEvent((e) => e.activity_id === t.activityId && e.decision &&
    e.decision !== 'allow', 5000, `denial for ${t.activityId}`);
  assert.equal(ev.decision, 'deny', `${t.activityId}: audit ${JSON.stringify(ev)}`);
  if (ev.tool !== undefined)
    assert.equal(ev.tool, t.tool);
  for (const s of secrets)
    assert.ok(!JSON.stringify(ev).includes(s), `audit event reveals ${s} (redact_args on): ` +
      JSON.stringify(ev));
  // Once and only once.
  await H.sleep(300);
  assert.equal(H.terminalCalls(frontend, t.token).length, 1,
    `${t.activityId}: answered more than once`);
  return { call, ev };
}

// ------------------------------------------------------------------ tests
etest('parallel authorized reads under Subpath("/data") are delivered (headers stripped, token MAC-wrapped)', async () => {
  const ts = [];
  for (let i = 0; i < 8; i++)
    ts.push(enqueue(signed({ stack: W.data, args: { path: `/data/reports/r${i}.txt` } })));
  const rs = await Promise.all(ts.map((t) => expectAllowed(t)));
  for (let i = 0; i < ts.length; i++)
    assert.equal(rs[i].result.path, `/data/reports/r${i}.txt`);
});

etest('a read of /etc/passwd is denied (constraint_violation) and the activity body never runs', async () => {
  const t = enqueue(signed({ stack: W.data, args: { path: '/etc/passwd' } }));
  await expectDenied(t, 'constraint_violation', { secrets: ['/etc/passwd'] });
});

etest('two tenants with separate warrants at the same time; cross-tenant reads denied', async () => {
  const a = enqueue(signed({ stack: W.tenantA, key: K.tenantA, args: { path: '/data/tenant-a/q.csv' } }));
  const b = enqueue(signed({ stack: W.tenantB, key: K.tenantB, args: { path: '/data/tenant-b/q.csv' } }));
  const ab = enqueue(signed({ stack: W.tenantA, key: K.tenantA, args: { path: '/data/tenant-b/q.csv' } }));
  const ba = enqueue(signed({ stack: W.tenantB, key: K.tenantB, args: { path: '/data/tenant-a/q.csv' } }));
  await Promise.all([expectAllowed(a), expectAllowed(b),
    expectDenied(ab, 'constraint_violation', { secrets: ['/data/tenant-b/q.csv'] }),
    expectDenied(ba, 'constraint_violation', { secrets: ['/data/tenant-a/q.csv'] })]);
});

etest('three-stage delegation (platform -> orchestrator -> reader, writer): reader cannot write, widened child denied', async () => {
  const rd = enqueue(signed({ stack: W.reader, key: K.reader, chain: true,
    args: { path: '/data/project/in/a.txt' } }));
  const wr = enqueue(signed({ stack: W.writer, key: K.writer, chain: true, tool: 'write_file',
    args: { path: '/data/project/out/b.txt', content: 'summary' } }));
  const rdWrites = enqueue(signed({ stack: W.reader, key: K.reader, chain: true, tool: 'write_file',
    args: { path: '/data/project/in/a.txt', content: 'x' } }));
  const wide = enqueue(signed({ stack: W.widened, key: K.reader, chain: true,
    args: { path: '/data/secrets/k.txt' } }));
  await expectAllowed(rd);
  await expectAllowed(wr);
  await expectDenied(rdWrites, 'constraint_violation');
  await expectDenied(wide, 'CONSTRAINT_VIOLATED', { secrets: ['/data/secrets/k.txt'] });
});

etest('no warrant (require_warrant on): CONSTRAINT_VIOLATED, warrant none', async () => {
  const t = enqueue(signed({ args: { path: '/data/a.txt' } }));
  await expectDenied(t, 'CONSTRAINT_VIOLATED', { warrant: 'none' });
});

etest('expired warrant: WARRANT_EXPIRED', async () => {
  const t = enqueue(signed({ stack: W.expired, args: { path: '/data/a.txt' } }));
  await expectDenied(t, 'WARRANT_EXPIRED');
});

etest('PoP signed for other arguments: CONSTRAINT_VIOLATED', async () => {
  const t = enqueue(signed({ stack: W.data, args: { path: '/data/b.txt' },
    popArgs: { path: '/data/a.txt' } }));
  await expectDenied(t, 'CONSTRAINT_VIOLATED', { secrets: ['/data/b.txt'] });
});

etest('PoP by a key other than the holder\'s: CONSTRAINT_VIOLATED', async () => {
  const t = enqueue(signed({ stack: W.data, key: K.other, args: { path: '/data/a.txt' } }));
  await expectDenied(t, 'CONSTRAINT_VIOLATED');
});

etest('a replayed first attempt is denied: POP_VERIFICATION_FAILED', async () => {
  const first = signed({ stack: W.data, args: { path: '/data/replay.txt' },
    workflowId: 'wf-replay', activityId: 'act-replay-1' });
  enqueue(first);
  await expectAllowed(first);
  // The same task (warrant, tool, args, workflow, run, activity, attempt 1,
  // same PoP) handed out again under a new token.
  const again = { ...first, token: `${first.token}-again`,
    task: { ...first.task, task_token: Buffer.from(`${first.token}-again`) } };
  fs.rmSync(path.join(sideDir, `ran-${first.activityId}`));
  enqueue(again);
  await expectDenied(again, 'POP_VERIFICATION_FAILED');
});

etest('a retry hours after scheduling is allowed (PoP windows anchored on scheduled_time)', async () => {
  const sched = Date.now() - 3 * 3600 * 1000;
  const t = enqueue(signed({ stack: W.old, args: { path: '/data/late.txt' }, scheduledMs: sched,
    currentAttemptScheduledMs: Date.now(), attempt: 3 }));
  await expectAllowed(t);
  // Control: the same three-hour-old PoP on a task scheduled now is stale.
  const c = enqueue(signed({ stack: W.old, args: { path: '/data/late.txt' },
    popAtMs: sched, scheduledMs: Date.now(), attempt: 1 }));
  await expectDenied(c, 'CONSTRAINT_VIOLATED');
});

etest('a tampered warrant byte: CHAIN_INVALID', async () => {
  const t = enqueue(signed({ stack: W.data, args: { path: '/data/a.txt' },
    tamper: (b) => { b[b.length - 5] ^= 0x01; return b; } }));
  await expectDenied(t, 'CHAIN_INVALID', { warrant: '(?:<malformed>|tnu_wrt_[0-9a-f]{32}|none)' });
});

etest('a warrant from an untrusted root: CONSTRAINT_VIOLATED', async () => {
  const t = enqueue(signed({ stack: W.rogue, args: { path: '/data/a.txt' } }));
  await expectDenied(t, 'CONSTRAINT_VIOLATED');
});

etest('a revoked warrant (signed revocation list): revoked', async () => {
  const t = enqueue(signed({ stack: W.revoked, args: { path: '/data/a.txt' } }));
  await expectDenied(t, 'revoked');
});

etest('dict, list, float and bytes arguments: normalized as Tenuo\'s Python signer does (§3c)', async () => {
  // Python values: cfg = {"b": [1, 2], "a": "x é", "n": {"k": 1.5}},
  // items = ["x", 2, 3.5, True], ratio = 1.0, blob = b"\x00\x01\x02\xfa\xff",
  // matrix = [[1, 2], [3]].
  const payloads = [
    T.jsonText('{"a":"x \\u00e9","b":[1,2],"n":{"k":1.5}}'),
    T.jsonText('["x",2,3.5,true]'),
    T.jsonText('1.0'),
    T.binary(Buffer.from([0, 1, 2, 0xfa, 0xff])),
    T.jsonText('[[1,2],[3]]'),
  ];
  const popArgs = '{"cfg":"{\\"a\\": \\"x é\\", \\"b\\": [1, 2], \\"n\\": {\\"k\\": 1.5}}",' +
    '"items":["x",2,3.5,true],"ratio":1.0,"blob":"AAEC+v8=","matrix":"[[1, 2], [3]]"}';
  const argKeys = ['cfg', 'items', 'ratio', 'blob', 'matrix'];
  // Self-check against tenuoctl: these PoP arguments satisfy the warrant.
  const sig = T.pop({ key: K.agent, warrant: W.data, tool: 'take_args', args: popArgs });
  const chk = T.ctl(['authorize', '--trusted-root', K.cp.pub, '--warrant', W.data, '--tool',
    'take_args', '--args', popArgs, '--pop', sig], { allowFail: true });
  assert.equal(chk.code, 0, `test material: ${chk.out}`);
  const t = enqueue(signed({ stack: W.data, tool: 'take_args', argKeys, payloads,
    popArgs, args: {} }));
  const { result } = await expectAllowed(t);
  assert.deepEqual(result, [
    { kind: 'object', value: { a: 'x é', b: [1, 2], n: { k: 1.5 } } },
    { kind: 'list', value: ['x', 2, 3.5, true] },
    { kind: 'number', value: 1 },
    { kind: 'bytes', hex: '000102faff' },
    { kind: 'list', value: [[1, 2], [3]] },
  ]);
  // Control: the dict signed in the payload's compact form (not Python's
  // json.dumps default separators) must not verify; nor ratio as integer 1.
  const bad1 = enqueue(signed({ stack: W.data, tool: 'take_args', argKeys, payloads, args: {},
    popArgs: popArgs.replace('{\\"a\\": \\"x é\\", \\"b\\": [1, 2], \\"n\\": {\\"k\\": 1.5}}',
      '{\\"a\\":\\"x é\\",\\"b\\":[1,2],\\"n\\":{\\"k\\":1.5}}') }));
  const bad2 = enqueue(signed({ stack: W.data, tool: 'take_args', argKeys, payloads, args: {},
    popArgs: popArgs.replace('"ratio":1.0', '"ratio":1') }));
  await expectDenied(bad1, 'CONSTRAINT_VIOLATED');
  await expectDenied(bad2, 'CONSTRAINT_VIOLATED');
});

etest('eager activity tasks in RespondWorkflowTaskCompletedResponse (gRPC level: the SDK needs a workflow worker to request them)', async () => {
  const ok = signed({ stack: W.data, args: { path: '/data/eager/ok.txt' },
    extraHeader: { 'x-e2e-trace': T.json('kept') } });
  const bad = signed({ stack: W.data, args: { path: '/etc/shadow' } });
  for (const t of [ok, bad])
    enqueued.push({ token: t.token, queue: '(eager)', what: t.activityId, fe });
  const wft = `wft-eager-${crypto.randomBytes(4).toString('hex')}`;
  fe.eagerFor(wft, [ok.task, bad.task]);
  const c = H.client(main.address);
  try {
    const { err, resp } = await H.unary(c, 'RespondWorkflowTaskCompleted', {
      task_token: Buffer.from(wft), namespace: 'default', identity: 'e2e-workflow-worker',
      commands: [] });
    assert.ifError(err);
    const got = resp.activity_tasks || [];
    assert.deepEqual(got.map((x) => x.activity_id), [ok.activityId],
      'only the allowed eager task reaches the workflow worker');
    const d = got[0];
    const keys = Object.keys((d.header && d.header.fields) || {});
    assert.deepEqual(keys.filter((k) => k.startsWith('x-tenuo-')), [], 'x-tenuo-* headers stripped');
    assert.ok(keys.includes('x-e2e-trace'), 'other headers kept');
    assert.notDeepEqual(Buffer.from(d.task_token), Buffer.from(ok.token), 'task token wrapped');
    await expectDenied(bad, 'constraint_violation', { secrets: ['/etc/shadow'] });
    // The workflow worker runs the eager task and completes it with the
    // token it was given; the frontend gets the original token.
    const r = await H.unary(c, 'RespondActivityTaskCompleted', { task_token: d.task_token,
      namespace: 'default', identity: 'e2e-eager-worker',
      result: { payloads: [T.json({ eager: true })] } });
    assert.ifError(r.err);
    const done = await fe.waitFor(() => H.terminalCalls(fe, ok.token)[0], 5000, 'eager completion');
    assert.equal(done.method, 'RespondActivityTaskCompleted');
    assert.equal(done.request.identity, 'e2e-eager-worker');
  } finally {
    c.close();
  }
});

etest('answers with a task token the sidecar never issued: PERMISSION_DENIED', async () => {
  const c = H.client(main.address);
  const grpc = require('@grpc/grpc-js');
  const before = main.events().length;
  try {
    const forged = [Buffer.from('never-issued-token'),
      Buffer.concat([Buffer.from([1]), crypto.randomBytes(32), Buffer.from('e2e-forged-original')])];
    for (const tok of forged) {
      const r1 = await H.unary(c, 'RespondActivityTaskCompleted', { task_token: tok,
        namespace: 'default', identity: 'intruder', result: { payloads: [T.json('pwned')] } });
      assert.equal(r1.err && r1.err.code, grpc.status.PERMISSION_DENIED,
        `RespondActivityTaskCompleted: ${r1.err ? r1.err.code : 'OK'}`);
      const r2 = await H.unary(c, 'RespondActivityTaskFailed', { task_token: tok,
        namespace: 'default', identity: 'intruder', failure: { message: 'x' } });
      assert.equal(r2.err && r2.err.code, grpc.status.PERMISSION_DENIED, 'RespondActivityTaskFailed');
      const r3 = await H.unary(c, 'RecordActivityTaskHeartbeat', { task_token: tok,
        namespace: 'default', identity: 'intruder' });
      assert.equal(r3.err && r3.err.code, grpc.status.PERMISSION_DENIED, 'RecordActivityTaskHeartbeat');
    }
    assert.equal(fe.calls.filter((x) => x.request && x.request.identity === 'intruder').length, 0,
      'a forged answer reached the frontend');
    await H.sleep(300);
    const evs = main.events().slice(before).filter((e) => !/^connection_/.test(e.event || ''));
    assert.ok(evs.length >= 6, `an audit event per refused answer, got ${evs.length}: ` +
      JSON.stringify(evs).slice(0, 600));
  } finally {
    c.close();
  }
});

etest('blocked local activity: RespondWorkflowTaskCompleted with a local-activity marker is PERMISSION_DENIED', async () => {
  const grpc = require('@grpc/grpc-js');
  const sc = new H.EnforceSidecar({ upstreamPort: fe.port, dir: path.join(dir, 'wf'), lines: (s) => [
    `trusted_root = ${K.cp.pub}`, 'enforcement = enforce', 'require_warrant = on',
    `task_token_key_file = ${s.tokenKey}`, 'block_local_activities = on',
    'local_activity_allow = format_text'] });
  fs.mkdirSync(sc.dir);
  extraSidecars.push(sc);
  await sc.start();
  const c = H.client(sc.address);
  // The marker as a real SDK writes it (see daemon/lamarker.h):
  // sdk-core (this TS SDK) names it core_local_activity with
  // details["data"] = LocalActivityMarkerData as serde_json, json/plain;
  // the Go SDK names it LocalActivity with {"ActivityType": ...}.
  const coreMarker = (type) => ({
    command_type: 'COMMAND_TYPE_RECORD_MARKER',
    record_marker_command_attributes: { marker_name: 'core_local_activity', details: {
      data: { payloads: [T.json({ seq: 1, attempt: 1, activity_id: '1', activity_type: type,
        complete_time: { seconds: NOW(), nanos: 5000 }, backoff: null,
        original_schedule_time: { seconds: NOW(), nanos: 0 } })] } } },
  });
  const goMarker = (type) => ({
    command_type: 'COMMAND_TYPE_RECORD_MARKER',
    record_marker_command_attributes: { marker_name: 'LocalActivity', details: {
      data: { payloads: [T.json({ ActivityID: '1', ActivityType: type,
        ReplayTime: new Date().toISOString(), Attempt: 1, Backoff: 0 })] } } },
  });
  const complete = (token, cmd) => H.unary(c, 'RespondWorkflowTaskCompleted', {
    task_token: Buffer.from(token), namespace: 'default', identity: 'e2e-wf', commands: [cmd] });
  try {
    const r = await complete('wft-local-blocked', coreMarker('read_file'));
    assert.equal(r.err && r.err.code, grpc.status.PERMISSION_DENIED,
      `local read_file: ${r.err ? r.err.code : 'OK'}`);
    const rg = await complete('wft-local-blocked-go', goMarker('read_file'));
    assert.equal(rg.err && rg.err.code, grpc.status.PERMISSION_DENIED,
      `local read_file (Go marker): ${rg.err ? rg.err.code : 'OK'}`);
    const r2 = await complete('wft-local-allowed', coreMarker('format_text'));
    assert.ifError(r2.err);
    const seen = fe.callsOf('RespondWorkflowTaskCompleted').map((x) => Buffer.from(x.request.task_token).toString());
    for (const t of ['wft-local-blocked', 'wft-local-blocked-go'])
      assert.ok(!seen.includes(t), `${t}: the blocked completion reached the frontend`);
    assert.ok(seen.includes('wft-local-allowed'), 'the allowed local activity was not forwarded');
    await sc.waitEvent((e) => e.event === 'local_activity' && e.decision === 'deny' &&
      e.activity_type === 'read_file', 3000, 'for the blocked local activity');
  } finally {
    c.close();
  }
});

etest('a start without a warrant on a protected task queue is PERMISSION_DENIED', async () => {
  const grpc = require('@grpc/grpc-js');
  const sc = new H.EnforceSidecar({ upstreamPort: fe.port, dir: path.join(dir, 'start'), lines: (s) => [
    `trusted_root = ${K.cp.pub}`, 'enforcement = enforce', 'require_warrant = on',
    `task_token_key_file = ${s.tokenKey}`,
    '[policy protected]', 'task_queue = protected-*', 'require_warrant_on_start = on'] });
  fs.mkdirSync(sc.dir);
  extraSidecars.push(sc);
  await sc.start();
  const c = H.client(sc.address);
  const req = (id, queue, header) => ({ namespace: 'default', workflow_id: id,
    workflow_type: { name: 'EnforceWorkflow' }, task_queue: { name: queue }, identity: 'e2e-client',
    request_id: crypto.randomUUID(), header: { fields: header || {} } });
  const leaf = T.splitStack(W.data).leaf;
  const good = T.tenuoHeaders({ warrant: leaf });
  try {
    const r1 = await H.unary(c, 'StartWorkflowExecution', req('wf-start-none', 'protected-a'));
    assert.equal(r1.err && r1.err.code, grpc.status.PERMISSION_DENIED, 'start without warrant');
    const r2 = await H.unary(c, 'SignalWithStartWorkflowExecution',
      { ...req('wf-sws-none', 'protected-a'), signal_name: 'go' });
    assert.equal(r2.err && r2.err.code, grpc.status.PERMISSION_DENIED, 'signal-with-start without warrant');
    const bad = T.tenuoHeaders({ warrant: T.splitStack(W.rogue).leaf });
    const r3 = await H.unary(c, 'StartWorkflowExecution', req('wf-start-rogue', 'protected-a', bad));
    assert.equal(r3.err && r3.err.code, grpc.status.PERMISSION_DENIED, 'start with an untrusted chain');
    const r4 = await H.unary(c, 'StartWorkflowExecution', req('wf-start-ok', 'protected-a', good));
    assert.ifError(r4.err);
    const r5 = await H.unary(c, 'StartWorkflowExecution', req('wf-start-open', 'open-queue'));
    assert.ifError(r5.err);
    const ids = fe.calls.filter((x) => /StartWorkflowExecution$/.test(x.method))
      .map((x) => x.request.workflow_id);
    for (const id of ['wf-start-none', 'wf-sws-none', 'wf-start-rogue'])
      assert.ok(!ids.includes(id), `${id} reached the frontend`);
    assert.ok(ids.includes('wf-start-ok') && ids.includes('wf-start-open'), `forwarded: ${ids}`);
  } finally {
    c.close();
  }
});

etest('audit-only mode: a denial is logged as would_deny and the task is delivered', async () => {
  const sc = new H.EnforceSidecar({ upstreamPort: fe.port, dir: path.join(dir, 'audit-only'),
    lines: (s) => [`trusted_root = ${K.cp.pub}`, 'enforcement = audit-only', 'require_warrant = on',
      `task_token_key_file = ${s.tokenKey}`] });
  fs.mkdirSync(sc.dir);
  extraSidecars.push(sc);
  await sc.start();
  const w = await H.startWorker({ sdk, frontend: fe, address: sc.address, taskQueue: 'enforce-audit' });
  try {
    const t = enqueue(signed({ stack: W.data, args: { path: '/etc/passwd' } }), 'enforce-audit');
    const call = await fe.waitFor(() => H.terminalCalls(fe, t.token)[0], 20000, 'the audit-only task');
    assert.equal(call.method, 'RespondActivityTaskCompleted');
    assert.ok(!String(call.request.identity).startsWith('tenuo-sidecar@'));
    assert.ok(ranMarker(t.activityId), 'audit-only must deliver the task');
    const ev = await sc.waitEvent((e) => e.activity_id === t.activityId && e.decision, 5000, 'would_deny');
    assert.equal(ev.decision, 'would_deny');
  } finally {
    const e = await w.stop();
    assert.ifError(e);
  }
});

etest('SIGHUP rotates trusted roots without dropping the worker\'s stream', async () => {
  const q = 'enforce-hup';
  const lines = (root) => (s) => [`trusted_root = ${root}`, 'enforcement = enforce',
    'require_warrant = on', `task_token_key_file = ${s.tokenKey}`];
  const sc = new H.EnforceSidecar({ upstreamPort: fe.port, dir: path.join(dir, 'hup'),
    lines: lines(K.hup1.pub) });
  fs.mkdirSync(sc.dir);
  extraSidecars.push(sc);
  await sc.start();
  const w = await H.startWorker({ sdk, frontend: fe, address: sc.address, taskQueue: q });
  try {
    const t1 = enqueue(signed({ stack: W.hup1, args: { path: '/data/h1.txt' } }), q);
    await expectAllowed(t1, { sidecar: sc });
    await fe.waitFor(() => fe.waiters.some((x) => x.queue === q), 10000, 'an open poll');
    const open = fe.waiters.filter((x) => x.queue === q);
    const conns = sc.events().filter((e) => e.event === 'connection_opened').length;
    const cancelled = fe.pollsCancelled;
    await sc.reload(lines(K.hup2.pub));
    const t2 = enqueue(signed({ stack: W.hup1, args: { path: '/data/h2.txt' } }), q);
    await expectDenied(t2, 'CONSTRAINT_VIOLATED', { sidecar: sc });
    const t3 = enqueue(signed({ stack: W.hup2, args: { path: '/data/h3.txt' } }), q);
    await expectAllowed(t3, { sidecar: sc });
    // The frontend hands a task to its oldest open poll, so t2 and t3 go
    // to polls the worker opened before SIGHUP: t3 (allowed, run by the
    // worker) must have travelled on one of them.  (Not call.cancelled:
    // grpc-js sets it whenever a stream closes, answered or not.)
    const hex = (tok) => Buffer.from(tok).toString('hex');
    const carriers = open.filter((x) => x.carried === hex(t2.token) || x.carried === hex(t3.token));
    assert.equal(carriers.length, 2,
      `polls opened before SIGHUP should have carried both tasks after it (${carriers.length})`);
    assert.equal(fe.pollsCancelled, cancelled, 'polls were cancelled across the reload');
    assert.equal(sc.events().filter((e) => e.event === 'connection_opened').length, conns,
      'the worker reconnected across the reload');
    assert.equal(w.state(), 'RUNNING');
  } finally {
    const e = await w.stop();
    assert.ifError(e);
  }
});

etest('every task taken from the frontend ended exactly once (completed or failed with a reason)', async () => {
  await H.sleep(500);
  const bad = [];
  for (const e of enqueued) {
    const n = H.terminalCalls(e.fe, e.token);
    if (n.length !== 1)
      bad.push(`${e.what} (${e.queue}): ${n.length} answers [${n.map((x) => x.method)}]`);
  }
  assert.ok(enqueued.length >= 20, `only ${enqueued.length} tasks were enqueued`);
  assert.deepEqual(bad, [], 'tasks not accounted for');
  for (const q of [QUEUE, 'enforce-audit', 'enforce-hup'])
    assert.equal((fe.queues.get(q) || []).length, 0, `tasks left in ${q}`);
});
