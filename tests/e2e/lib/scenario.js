'use strict';
// One run of an unmodified, activity-only @temporalio/worker against a
// frontend address (the stand-in directly, or the sidecar in front of it).
// The stand-in frontend's queue is filled with four tasks; the run ends when
// each has been answered, then the worker shuts down as usual.

const crypto = require('node:crypto');
const { makeTask } = require('./frontend');

const NAMESPACE = 'default';

// The tasks every run gets, with their expected ending.
const TASKS = [
  { token: 'e2e-token-greet', activityType: 'greet', activityId: 'act-greet', args: ['World'],
    header: { 'x-e2e-trace': 'abc' }, ends: 'RespondActivityTaskCompleted' },
  { token: 'e2e-token-fail', activityType: 'failHard', activityId: 'act-fail', args: ['on purpose'],
    ends: 'RespondActivityTaskFailed' },
  { token: 'e2e-token-beat', activityType: 'beat', activityId: 'act-beat', args: [3],
    heartbeatSec: 2, ends: 'RespondActivityTaskCompleted' },
  { token: 'e2e-token-cancel', activityType: 'waitForCancel', activityId: 'act-cancel', args: [],
    heartbeatSec: 5, cancel: true, ends: 'RespondActivityTaskCanceled' },
];

// Deterministic, incompressible-looking text of n characters (the same in
// every run, so runs can be compared byte for byte).
function blob(seed, n) {
  const parts = [];
  let len = 0;
  for (let i = 0; len < n; i++) {
    const b = crypto.createHash('sha512').update(`${seed}/${i}`).digest('base64');
    parts.push(b);
    len += b.length;
  }
  return parts.join('').slice(0, n);
}

// Many concurrent tasks with large inputs and results: n of `size`
// characters each, plus `big` of 1.5 MiB.
function bulkTasks(n = 20, size = 256 * 1024, big = 2) {
  const out = [];
  for (let i = 0; i < n + big; i++) {
    const len = i < n ? size : 1536 * 1024;
    out.push({ token: `e2e-token-echo-${i}`, activityType: 'echo', activityId: `act-echo-${i}`,
      args: [blob(`echo-${i}`, len)], ends: 'RespondActivityTaskCompleted', echo: true });
  }
  return out;
}

let runtimeInstalled = false;
function installRuntime(sdk) {
  if (runtimeInstalled)
    return;
  const { Runtime, DefaultLogger } = sdk;
  Runtime.install({
    logger: new DefaultLogger(process.env.E2E_LOG_LEVEL || 'ERROR'),
    shutdownSignals: [],
  });
  runtimeInstalled = true;
}

function withTimeout(p, ms, what) {
  let t;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise((_, rej) => {
      t = setTimeout(() => rej(new Error(`${what}: timed out after ${ms} ms`)), ms);
    }),
  ]);
}

function tokenOf(req) {
  return Buffer.from(req.task_token || []).toString();
}

async function runScenario({ sdk, frontend, address, taskQueue, connectionOptions = {},
  tasks = TASKS, timeoutMs = 30000, idleBeforeTasksMs = 0, beforeTasks }) {
  installRuntime(sdk);
  const { NativeConnection, Worker } = sdk;
  const activities = require('./activities');
  const started = Date.now();
  const connection = await withTimeout(
    NativeConnection.connect({ address, ...connectionOptions }), 15000, 'NativeConnection.connect');
  let worker;
  let runP;
  let err;
  try {
    worker = await withTimeout(Worker.create({
      connection,
      namespace: NAMESPACE,
      taskQueue,
      activities,
      shutdownGraceTime: '3s',
    }), 15000, 'Worker.create');
    runP = worker.run();
    runP.catch(() => {});
    await frontend.waitFor(() => frontend.callsOf('PollActivityTaskQueue')
      .some((c) => c.request.task_queue && c.request.task_queue.name === taskQueue),
    10000, `a PollActivityTaskQueue on ${taskQueue}`);
    if (idleBeforeTasksMs)
      await new Promise((r) => setTimeout(r, idleBeforeTasksMs));
    if (beforeTasks)
      await beforeTasks({ frontend, taskQueue });
    for (const t of tasks) {
      if (t.cancel)
        frontend.cancelOnHeartbeat(t.token);
      frontend.enqueue(taskQueue, makeTask({ ...t, namespace: NAMESPACE }));
    }
    await frontend.waitFor(() => tasks.every((t) => frontend.callsOf(t.ends)
      .some((c) => tokenOf(c.request) === t.token)), timeoutMs, 'every task to be answered');
  } catch (e) {
    err = e;
  }
  const shutdownStart = Date.now();
  try {
    if (worker && worker.getState() === 'RUNNING')
      worker.shutdown();
    if (runP)
      await withTimeout(runP, 15000, 'Worker.run to end after shutdown');
  } catch (e) {
    err = err || e;
  }
  // The worker's long polls must be over once Worker.run has ended (answered
  // by ShutdownWorker, or cancelled by the client), before the connection
  // closes; give a cancellation a moment to cross a proxy.
  const polls = frontend.callsOf('PollActivityTaskQueue');
  const key = polls.length ? polls[0].request.worker_instance_key : undefined;
  let openPollsAfterRun = 0;
  if (key) {
    try {
      await frontend.waitFor(() => frontend.openPolls(key) === 0, 3000, 'open polls to end');
    } catch { /* reported below */ }
    openPollsAfterRun = frontend.openPolls(key);
  }
  try {
    await withTimeout(connection.close(), 5000, 'NativeConnection.close');
  } catch (e) {
    err = err || e;
  }
  const done = Date.now();
  if (err)
    throw err;
  return { ms: done - started, shutdownMs: done - shutdownStart, openPollsAfterRun };
}

module.exports = { runScenario, TASKS, NAMESPACE, tokenOf, bulkTasks };
