'use strict';
// The activity-task cases of tests/daemon/run-faults.sh (issue 7), on the
// e2e suite's stand-in Temporal frontend (tests/e2e/lib) and an enforcing
// sidecar: tasks on queues "strict-*" need a warrant (none is sent, so they
// are denied), the others are allowed (require_warrant = off).
//
//   node faults-tasks.js worker-kill    case 5: a worker process killed
//                                       with a task (delivered, or still
//                                       on its way) is not a lost task
//   node faults-tasks.js audit-full     case 7: the audit log on /dev/full
//   node faults-tasks.js child-poll ADDR QUEUE
//                                       (internal) the worker process of
//                                       case 5: polls QUEUE, prints
//                                       "TASK <activity_id>", then waits
//
// Env: SIDECAR (binary).  Prints "ok - NAME" / "FAIL - NAME: why" lines
// and exits 1 if anything failed, 2 if it cannot run here (SKIP line).
// Every wait is bounded; a watchdog ends the run after 120 s.

const fs = require('node:fs');
const crypto = require('node:crypto');
const { spawn } = require('node:child_process');
const S = require('../lib/temporal-stub');

const { grpc, H, F } = S.load('SKIP - ');
const DRAIN_S = 2;

let npass = 0;
let nfail = 0;
function check(name, cond, why) {
  if (cond) {
    console.log(`ok - ${name}`);
    npass++;
  } else {
    console.log(`FAIL - ${name}: ${why}`);
    nfail++;
  }
}

// A frontend that can hold the answer to a poll after its response
// HEADERS (the task is then on its way), as tests/e2e/test/disconnect.test.js.
class StallFrontend extends H.EnforceFrontend {
  reset() {
    super.reset();
    this.stallQueues = new Set();
    this.stalls = [];
    this.handedOut = [];   // every task a poll was answered with
  }

  rawHandlers() {
    const h = super.rawHandlers();
    const poll = h.PollActivityTaskQueue;
    h.PollActivityTaskQueue = (call, cb) => {
      const queue = (call.request.task_queue && call.request.task_queue.name) || '';
      const out = (err, resp) => {
        if (!err && resp && resp.task_token && resp.task_token.length)
          this.handedOut.push({ queue, token: Buffer.from(resp.task_token).toString('hex'),
            activityId: resp.activity_id });
        cb(err, resp);
      };
      if (!this.stallQueues.has(queue)) {
        poll(call, out);
        return;
      }
      this.stallQueues.delete(queue);
      this.record('PollActivityTaskQueue', call, call.request);
      call.sendMetadata(new grpc.Metadata());
      this.stalls.push({ queue, call, answer: (t) => out(null, t) });
      this.notify();
    };
    return h;
  }
}

function mkTask(activityId) {
  const token = crypto.randomBytes(24);
  return { token, activityId, hex: token.toString('hex'),
    task: F.makeTask({ token, activityType: 'readFile', activityId,
      args: [{ path: '/data/x' }] }) };
}

// One long poll on c; { err, resp } (deadline ms).
function poll(c, queue, ms) {
  return new Promise((resolve) => {
    c.PollActivityTaskQueue(S.pollReq(queue, `faults-${process.pid}@127.0.0.1`),
      new grpc.Metadata(), { deadline: Date.now() + ms }, (err, resp) => resolve({ err, resp }));
  });
}

async function metrics(sc) {
  try {
    const r = await fetch(`http://127.0.0.1:${sc.adminPort}/metrics`);
    return await r.text();
  } catch {
    return '';
  }
}
function metric(text, name) {
  const m = text.match(new RegExp(`^tenuo_sidecar_${name} (\\d+)$`, 'm'));
  return m ? Number(m[1]) : NaN;
}

// Each task the frontend handed out must be delivered (audited so, and
// seen by a worker), failed back upstream (a terminal call for its
// token), or audited task_lost.  Returns the tasks that are none of those.
function unaccounted(fe, sc, seen) {
  const evs = sc.events();
  const out = [];
  for (const h of fe.handedOut) {
    const failed = H.terminalCalls(fe, Buffer.from(h.token, 'hex')).length > 0;
    const delivered = seen.has(h.activityId) && evs.some((e) => e.activity_id === h.activityId &&
      e.event === 'activity_task' && e.delivery === 'delivered');
    const lost = evs.some((e) => e.event === 'task_lost' &&
      String(e.activity_type || '').includes(h.activityId));
    if (!failed && !delivered && !lost)
      out.push(h.activityId);
  }
  return out;
}

// ------------------------------------------------------------ child
async function childPoll(addr, queue) {
  const c = H.client(addr);
  const { err, resp } = await poll(c, queue, 60000);
  if (err || !resp || !resp.activity_id) {
    console.log(`NOTASK ${err ? err.code : 'empty'}`);
    process.exit(1);
  }
  console.log(`TASK ${resp.activity_id}`);
  // "Working" on it; the parent kills us before we answer.
  setInterval(() => {}, 1000);
}

// A worker process polling queue; resolves with { proc, lines() }.
function spawnWorker(addr, queue) {
  const proc = spawn(process.execPath, [__filename, 'child-poll', addr, queue],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  const exited = new Promise((r) => proc.on('exit', (code, sig) => r({ code, sig })));
  return { proc, exited, out: () => out };
}

async function waitUntil(pred, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await pred();
    if (v)
      return v;
    await H.sleep(50);
  }
  return null;
}

// A worker polling queue is SIGKILLed while its task is on its way (the
// poll's response HEADERS sent, the message not yet); then the stalled
// poll is answered with a new task for activityId, which is returned.
async function killInFlight(fe, sc, queue, what, activityId) {
  fe.stallQueues.add(queue);
  const n = fe.stalls.length;
  const w = spawnWorker(sc.address, queue);
  await fe.waitFor(() => fe.stalls.length > n, 10000, what);
  await H.sleep(400);
  w.proc.kill('SIGKILL');
  await w.exited;
  await H.sleep(400);
  const t = mkTask(activityId);
  fe.stalls[fe.stalls.length - 1].answer(t.task);
  return t;
}

async function workerKill() {
  const fe = new StallFrontend();
  await fe.start();
  const sc = new H.EnforceSidecar({ upstreamPort: fe.port, lines: S.enforceLines(`${DRAIN_S}s`) });
  await sc.start();
  const seen = new Set();
  try {
    // (a) The worker has the task (the poll answered, the process is
    // working on it) and is SIGKILLed before it answers.
    const a = mkTask('wk-delivered-1');
    fe.enqueue('wk-main', a.task);
    const w = spawnWorker(sc.address, 'wk-main');
    const got = await waitUntil(() => /TASK (\S+)/.exec(w.out()), 15000);
    if (got)
      seen.add(got[1]);
    w.proc.kill('SIGKILL');
    await w.exited;
    check('worker killed with an allowed task in hand: it had the task',
      got && got[1] === a.activityId, `worker output: ${w.out()}`);
    const ev = await waitUntil(() => sc.events().find((e) => e.activity_id === a.activityId &&
      e.event === 'activity_task'), 5000);
    check('the task is audited allow, delivery "delivered"',
      ev && ev.decision === 'allow' && ev.delivery === 'delivered', JSON.stringify(ev));
    await H.sleep(500);
    check('the sidecar sends nothing upstream for a task the worker had (Temporal times it out)',
      H.terminalCalls(fe, a.token).length === 0,
      JSON.stringify(H.terminalCalls(fe, a.token).map((c) => c.method)));

    // (b) killed while the task is on its way (response HEADERS sent,
    // message not yet): failed upstream as retryable, once.
    const b = await killInFlight(fe, sc, 'wk-inflight', 'the stalled poll', 'wk-inflight-1');
    const call = await waitUntil(() => H.terminalCalls(fe, b.token)[0], 10000);
    const afi = call && call.request.failure && call.request.failure.application_failure_info || {};
    check('worker killed while an allowed task was on its way: failed upstream as retryable',
      call && call.method === 'RespondActivityTaskFailed' &&
      /^tenuo-sidecar@/.test(String(call.request.identity)) && !afi.non_retryable,
      call ? `${call.method} ${call.request.identity} ${JSON.stringify(afi)}` : 'no terminal call');
    const und = await waitUntil(() => sc.events().find((e) => e.event === 'task_undelivered' &&
      String(e.activity_type).includes(b.activityId)), 5000);
    check('... and audited task_undelivered', !!und, sc.auditText().slice(-800));

    // (c) the same for a denied task: the denial still reaches the frontend.
    const c3 = await killInFlight(fe, sc, 'strict-wk', 'the stalled strict poll', 'wk-denied-1');
    const dcall = await waitUntil(() => H.terminalCalls(fe, c3.token)[0], 10000);
    const dafi = dcall && dcall.request.failure &&
      dcall.request.failure.application_failure_info || {};
    check('worker killed while a denied task was on its way: the denial reaches the frontend',
      dcall && dcall.method === 'RespondActivityTaskFailed' && dafi.non_retryable === true,
      dcall ? JSON.stringify(dafi) : 'no terminal call');

    // (d) a new worker gets served: a task is taken and completed.
    const d = mkTask('wk-after-1');
    fe.enqueue('wk-main', d.task);
    const c = H.client(sc.address);
    const r = await poll(c, 'wk-main', 15000);
    if (r.resp && r.resp.activity_id)
      seen.add(r.resp.activity_id);
    let done = null;
    if (r.resp && r.resp.task_token) {
      done = await H.unary(c, 'RespondActivityTaskCompleted', { namespace: 'default',
        task_token: r.resp.task_token, identity: 'faults@127.0.0.1',
        result: { payloads: [] } });
    }
    const comp = await waitUntil(() => H.terminalCalls(fe, d.token)[0], 5000);
    c.close();
    check('after the kills a new worker takes a task and completes it (token unwrapped upstream)',
      r.resp && r.resp.activity_id === d.activityId && done && !done.err && comp &&
      comp.method === 'RespondActivityTaskCompleted',
      `poll ${r.err ? r.err.message : JSON.stringify(r.resp && r.resp.activity_id)}, ` +
      `answer ${done && done.err ? done.err.message : 'ok'}, upstream ${comp && comp.method}`);
    const lost = unaccounted(fe, sc, seen);
    check(`no task lost (${fe.handedOut.length} handed out: each delivered, failed back or audited)`,
      lost.length === 0 && fe.handedOut.length === 4, `unaccounted: ${lost.join(' ')}; ` +
      `handed out ${fe.handedOut.map((h) => h.activityId).join(' ')}`);
    const m = await metrics(sc);
    check('no upstream connection left orphaned',
      await waitUntil(async () => metric(await metrics(sc), 'connections_orphaned') === 0, 5000),
      m.split('\n').filter((l) => /orphan/.test(l)).join('; '));
    check('the sidecar is alive', sc.alive(), sc.stderr().slice(-500));
  } finally {
    const r = await sc.stop();
    check('the sidecar stops with exit 0', r && r.code === 0, JSON.stringify(r));
    if (nfail === 0)
      sc.cleanup();
    else
      console.log(`    (files kept in ${sc.dir})`);
    await fe.close();
  }
}

async function auditFull() {
  const fe = new StallFrontend();
  await fe.start();
  const sc = new H.EnforceSidecar({ upstreamPort: fe.port, lines: S.enforceLines(`${DRAIN_S}s`) });
  // The audit log is /dev/full: every write fails with ENOSPC.
  fs.symlinkSync('/dev/full', sc.auditLog);
  await sc.start();
  const seen = new Set();
  const c = H.client(sc.address);
  try {
    const allowed = [];
    for (let i = 0; i < 3; i++) {
      const t = mkTask(`full-allow-${i}`);
      allowed.push(t);
      fe.enqueue('full-main', t.task);
    }
    let okAll = true;
    let why = '';
    for (const t of allowed) {
      const r = await poll(c, 'full-main', 10000);
      if (!r.resp || r.resp.activity_id !== t.activityId) {
        okAll = false;
        why += `${t.activityId}: ${r.err ? r.err.message : JSON.stringify(r.resp)}; `;
        continue;
      }
      seen.add(t.activityId);
      const a = await H.unary(c, 'RespondActivityTaskCompleted', { namespace: 'default',
        task_token: r.resp.task_token, identity: 'faults@127.0.0.1', result: { payloads: [] } });
      if (a.err) {
        okAll = false;
        why += `${t.activityId} answer: ${a.err.message}; `;
      }
    }
    const comp = allowed.filter((t) => (H.terminalCalls(fe, t.token)[0] || {}).method ===
      'RespondActivityTaskCompleted').length;
    check('audit log failing (ENOSPC): allowed tasks are delivered and completed',
      okAll && comp === allowed.length, `${why} completed upstream ${comp}/${allowed.length}`);

    const den = mkTask('full-deny-1');
    fe.enqueue('strict-full', den.task);
    const pr = poll(c, 'strict-full', 4000);
    const dcall = await waitUntil(() => H.terminalCalls(fe, den.token)[0], 10000);
    const r = await pr;
    const dafi = dcall && dcall.request.failure &&
      dcall.request.failure.application_failure_info || {};
    check('audit log failing: a denied task is still denied (failed upstream, never delivered)',
      dcall && dcall.method === 'RespondActivityTaskFailed' && dafi.non_retryable === true &&
      !(r.resp && r.resp.activity_id === den.activityId),
      `${dcall ? JSON.stringify(dafi) : 'no terminal call'}, worker got ` +
      `${r.resp ? r.resp.activity_id : r.err && r.err.code}`);

    const drops = await waitUntil(async () => {
      const v = metric(await metrics(sc), 'audit_drops_total');
      return v >= 5 ? v : null;
    }, 5000);
    check('the dropped records are counted in tenuo_sidecar_audit_drops_total',
      drops >= 5, `audit_drops_total ${metric(await metrics(sc), 'audit_drops_total')}`);
    const errLines = sc.stderr().split('\n').filter((l) => /audit log write failed/.test(l));
    check('the write error is logged, rate-limited (1 line for all the failures so far)',
      errLines.length === 1 && /No space left on device/.test(errLines[0]),
      `${errLines.length} lines: ${errLines.slice(0, 3).join(' | ')}`);

    // The disk frees: the log becomes a plain file again, SIGUSR1.
    const before = metric(await metrics(sc), 'audit_drops_total');
    fs.unlinkSync(sc.auditLog);
    sc.proc.kill('SIGUSR1');
    const rep = await waitUntil(() => sc.events().find((e) => e.event === 'audit_dropped'), 5000);
    check('after SIGUSR1 to a working file the drops are audited (audit_dropped, with the count)',
      rep && rep.dropped_total === before && rep.dropped === before,
      `${JSON.stringify(rep)} vs metric ${before}`);
    const t = mkTask('full-after-1');
    fe.enqueue('full-main', t.task);
    const r2 = await poll(c, 'full-main', 10000);
    if (r2.resp && r2.resp.activity_id)
      seen.add(r2.resp.activity_id);
    const ev = await waitUntil(() => sc.events().find((e) => e.activity_id === t.activityId &&
      e.event === 'activity_task'), 5000);
    check('auditing resumes: the next decision is in the file',
      ev && ev.decision === 'allow', sc.auditText().slice(-600));
    if (r2.resp && r2.resp.task_token)
      await H.unary(c, 'RespondActivityTaskCompleted', { namespace: 'default',
        task_token: r2.resp.task_token, identity: 'faults@127.0.0.1', result: { payloads: [] } });
    const bad = sc.events().filter((e) => e.unparsable);
    check('the audit file holds whole JSON lines only', bad.length === 0,
      JSON.stringify(bad.slice(0, 2)));
    const lost = unaccounted(fe, sc, seen);
    check(`no task lost (${fe.handedOut.length} handed out)`, lost.length === 0,
      `unaccounted: ${lost.join(' ')}`);
    check('the sidecar is alive', sc.alive(), sc.stderr().slice(-500));
  } finally {
    c.close();
    try {
      if (fs.lstatSync(sc.auditLog).isSymbolicLink())
        fs.unlinkSync(sc.auditLog);
    } catch { /* gone */ }
    const r = await sc.stop();
    check('the sidecar stops with exit 0', r && r.code === 0, JSON.stringify(r));
    if (nfail === 0)
      sc.cleanup();
    else
      console.log(`    (files kept in ${sc.dir})`);
    await fe.close();
  }
}

async function main() {
  const mode = process.argv[2];
  if (mode === 'child-poll') {
    await childPoll(process.argv[3], process.argv[4]);
    return;
  }
  const wd = setTimeout(() => {
    console.log('FAIL - watchdog: 120 s');
    process.exit(1);
  }, 120000);
  wd.unref();
  const det = H.detectEnforcement();
  if (!det.built) {
    console.log(`SKIP - enforcement not built into this sidecar (${det.why})`);
    process.exit(2);
  }
  if (mode === 'worker-kill')
    await workerKill();
  else if (mode === 'audit-full')
    await auditFull();
  else {
    console.log(`usage: faults-tasks.js worker-kill|audit-full`);
    process.exit(2);
  }
  console.log(`faults-tasks ${mode}: ${npass} passed, ${nfail} failed`);
  process.exit(nfail === 0 ? 0 : 1);
}

main().catch((e) => {
  console.log(`FAIL - ${process.argv[2]}: ${e.stack || e}`);
  process.exit(1);
});
