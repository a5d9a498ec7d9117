'use strict';
// tenuo-sidecar end to end with the real Temporal TypeScript SDK.
//
// An unmodified, activity-only @temporalio/worker (Rust sdk-core inside)
// runs activities against a stand-in frontend (@grpc/grpc-js with the
// upstream protos from @temporalio/core-bridge), once straight to the
// frontend and once through tenuo-sidecar, in several variants.  Each run
// must end every task as expected, and the frontend must receive the same
// calls, headers, compression and message bytes with and without the
// sidecar.  See README.md.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');

const { startFrontend, SERVICE } = require('../lib/frontend');
const { Sidecar } = require('../lib/sidecar');
const { runScenario, TASKS, tokenOf, bulkTasks } = require('../lib/scenario');
const { transcript, diffTranscripts } = require('../lib/transcript');

// Everything is bounded: the whole file gets 170 s.
const WATCHDOG = setTimeout(() => {
  console.error('e2e: global time limit (170 s) reached, exiting');
  process.exit(2);
}, 170000);
WATCHDOG.unref();

// ------------------------------------------------------------------ SDK
let sdk;
let skipReason = false;
try {
  // Loads the sdk-core native module (releases/<target>/index.node).
  require('@temporalio/core-bridge');
  sdk = require('@temporalio/worker');
} catch (e) {
  skipReason = `@temporalio/worker cannot load on ${process.platform}-${process.arch} ` +
    `(node ${process.version}): ${String(e && e.message).split('\n')[0]}`;
  console.log(`SKIP: ${skipReason}`);
}

const USER_METADATA = {
  'x-e2e-ascii': 'hello sidecar',
  'x-e2e-bin': Buffer.from([0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff]),
};
const API_KEY = 'e2e-api-key';

// The variants: each runs direct and through the sidecar.
const VARIANTS = {
  gzip: {
    about: 'SDK defaults (gzip requests), user metadata and an API key',
    frontend: {},
    connection: { metadata: USER_METADATA, apiKey: API_KEY, tls: false },
  },
  identity: {
    about: 'grpcCompression none (identity requests)',
    frontend: {},
    connection: { grpcCompression: { codec: 'none' } },
  },
  gzipResponses: {
    about: 'the frontend answers with gzip messages',
    frontend: { gzipResponses: true },
    connection: {},
  },
  longPoll: {
    about: 'empty long polls (held 0.8 s), then polls cancelled by the worker at shutdown',
    frontend: { holdMs: 800, namespaceCaps: {} },
    connection: {},
    scenario: { idleBeforeTasksMs: 2000 },
  },
  bulk: {
    about: '20 concurrent tasks of 256 KiB and 2 of 1.5 MiB, in and out',
    frontend: {},
    connection: { payloadLimits: { payloadsWarnSize: 4 * 1024 * 1024 } },
    scenario: { tasks: [...TASKS, ...bulkTasks()] },
  },
  restart: {
    about: 'the frontend is killed with polls open and restarted 1 s later; the worker carries on',
    frontend: {},
    connection: {},
    scenario: {
      beforeTasks: async ({ frontend: fe }) => {
        const n = fe.callsOf('PollActivityTaskQueue').length;
        await fe.restart(1000);
        await fe.waitFor(() => fe.callsOf('PollActivityTaskQueue').length > n, 20000,
          'the worker to poll again after the restart');
      },
    },
    // Which calls are repeated around the restart depends on timing: compare
    // how the tasks were answered.
    compare: new Set(['RespondActivityTaskCompleted', 'RespondActivityTaskFailed',
      'RespondActivityTaskCanceled', 'RecordActivityTaskHeartbeat']),
  },
};

let frontend;
let sidecar;
const runs = {};  // `${variant}/${direct|sidecar}` -> snapshot

before(async () => {
  if (skipReason)
    return;
  frontend = await startFrontend({});
  sidecar = new Sidecar({ upstreamPort: frontend.port });
  await sidecar.start();
});

after(async () => {
  let failed = false;
  if (sidecar && sidecar.proc) {
    const r = await sidecar.stop();
    if (!r || r.code !== 0) {
      failed = true;
      console.error(`sidecar exit: ${JSON.stringify(r)}\n${sidecar.stderr()}`);
    }
  }
  if (frontend)
    await frontend.close();
  if (sidecar) {
    if (sidecar.dir && (failed || process.env.E2E_KEEP))
      console.error(`sidecar files kept in ${sidecar.dir}`);
    else
      sidecar.cleanup();
  }
});

async function run(variant, via) {
  const v = VARIANTS[variant];
  frontend.configure(v.frontend);
  frontend.reset();
  frontend.restarts = 0;
  const address = via === 'sidecar' ? `127.0.0.1:${sidecar.port}` : `127.0.0.1:${frontend.port}`;
  const key = `${variant}/${via}`;
  let result;
  let error;
  try {
    result = await runScenario({
      sdk, frontend, address, taskQueue: `e2e-${variant}`,
      connectionOptions: v.connection, ...(v.scenario || {}),
    });
  } catch (e) {
    error = e;
  }
  runs[key] = {
    address, result, error,
    calls: frontend.calls, wire: frontend.wire, transcript: transcript(frontend, v.compare),
    restarts: frontend.restarts || 0,
    pollsEmpty: frontend.pollsEmpty, pollsCancelled: frontend.pollsCancelled,
    gzipped: frontend.gzipped,
  };
  if (process.env.E2E_DUMP) {
    fs.mkdirSync(process.env.E2E_DUMP, { recursive: true });
    fs.writeFileSync(`${process.env.E2E_DUMP}/${variant}-${via}.txt`,
      runs[key].transcript.join('\n') + '\n');
  }
  if (via === 'sidecar' && !sidecar.alive())
    throw new Error(`the sidecar died during the run:\n${sidecar.stderr()}`);
  if (error && via === 'sidecar') {
    const tail = sidecar.stderr().split('\n').slice(-30).join('\n');
    error.message += `\nsidecar stderr (last lines):\n${tail}`;
  }
  if (error)
    throw error;
  return runs[key];
}

function snap(variant, via) {
  const s = runs[`${variant}/${via}`];
  assert.ok(s, `no ${via} run of ${variant} (it failed earlier)`);
  assert.ok(!s.error, `the ${via} run of ${variant} failed: ${s.error}`);
  return s;
}

function answered(s, method, token) {
  const c = s.calls.filter((x) => x.method === method && tokenOf(x.request) === token);
  assert.equal(c.length, 1, `${method} for ${token}: expected once, got ${c.length}`);
  return c[0].request;
}

function json(p) {
  assert.equal(Buffer.from(p.metadata.encoding).toString(), 'json/plain');
  return JSON.parse(Buffer.from(p.data).toString());
}

// Every task ends as expected in a run.
function checkOutcomes(s) {
  const greet = answered(s, 'RespondActivityTaskCompleted', 'e2e-token-greet');
  assert.equal(greet.result.payloads.length, 1);
  assert.equal(json(greet.result.payloads[0]), 'Hello, World!');

  const failed = answered(s, 'RespondActivityTaskFailed', 'e2e-token-fail');
  assert.equal(failed.failure.message, 'deliberate failure: on purpose');
  assert.equal(failed.failure.source, 'TypeScriptSDK');
  assert.equal(failed.failure.application_failure_info.type, 'E2EFailure');
  assert.equal(failed.failure.application_failure_info.non_retryable, true);
  assert.deepEqual(json(failed.failure.application_failure_info.details.payloads[0]),
    { code: 42, reason: 'on purpose' });
  assert.match(failed.failure.stack_trace, /failHard/);

  const beats = s.calls.filter((x) => x.method === 'RecordActivityTaskHeartbeat' &&
    tokenOf(x.request) === 'e2e-token-beat');
  assert.ok(beats.length >= 1, 'no heartbeat for the beat task');
  assert.deepEqual(json(beats[0].request.details.payloads[0]), { step: 1, of: 3 });
  assert.equal(beats[0].request.namespace, 'default');
  const beat = answered(s, 'RespondActivityTaskCompleted', 'e2e-token-beat');
  const info = json(beat.result.payloads[0]);
  const task = TASKS.find((t) => t.token === 'e2e-token-beat');
  assert.equal(info.taskToken, task.token);
  assert.equal(info.activityId, task.activityId);
  assert.equal(info.activityType, 'beat');
  assert.equal(info.workflowId, `wf-${task.activityId}`);
  assert.equal(info.workflowType, 'E2EWorkflow');
  assert.equal(info.heartbeatTimeoutMs, 2000);
  assert.equal(info.startToCloseTimeoutMs, 30000);
  assert.equal(info.attempt, 1);
  assert.equal(info.retryPolicy.maximumAttempts, 3);

  const cbeats = s.calls.filter((x) => x.method === 'RecordActivityTaskHeartbeat' &&
    tokenOf(x.request) === 'e2e-token-cancel');
  assert.ok(cbeats.length >= 1, 'no heartbeat for the cancel task');
  assert.deepEqual(json(cbeats[0].request.details.payloads[0]), { waiting: 0 });
  answered(s, 'RespondActivityTaskCanceled', 'e2e-token-cancel');
  assert.equal(s.calls.filter((x) => x.method === 'RespondActivityTaskCompleted' &&
    tokenOf(x.request) === 'e2e-token-cancel').length, 0, 'the cancelled task completed');

  // Nothing the worker asked for was UNIMPLEMENTED here, except what a real
  // frontend without those features would also refuse.
  const expected = new Set(['GetSystemInfo', 'DescribeNamespace', 'PollActivityTaskQueue',
    'RespondActivityTaskCompleted', 'RespondActivityTaskFailed', 'RespondActivityTaskCanceled',
    'RecordActivityTaskHeartbeat', 'ShutdownWorker']);
  const other = [...new Set(s.calls.map((c) => c.method))].filter((m) => !expected.has(m));
  assert.deepEqual(other, [], `unexpected RPCs: ${other.join(', ')}`);
  assert.equal(s.result.openPollsAfterRun, 0, 'long polls still open at the frontend after shutdown');
}

function checkEcho(s, tasks) {
  for (const t of tasks.filter((x) => x.echo)) {
    const r = json(answered(s, 'RespondActivityTaskCompleted', t.token).result.payloads[0]);
    assert.equal(r.len, t.args[0].length, `${t.token}: length`);
    assert.equal(r.blob, t.args[0], `${t.token}: the input came back intact`);
  }
}

function checkSame(variant) {
  const d = snap(variant, 'direct');
  const s = snap(variant, 'sidecar');
  const diff = diffTranscripts(d.transcript, s.transcript);
  assert.deepEqual(diff, [], `the frontend saw different calls through the sidecar:\n${diff.join('\n')}`);
}

function requestsOf(s) {
  return s.wire.filter((w) => w.done && w.path.startsWith(`/${SERVICE}/`));
}

const opts = { skip: skipReason, timeout: 60000 };

// ------------------------------------------------------------------ tests
for (const [variant, v] of Object.entries(VARIANTS)) {
  test(`${variant}: direct to the stand-in frontend (${v.about})`, opts, async () => {
    checkOutcomes(await run(variant, 'direct'));
  });
  test(`${variant}: through the sidecar, every task ends as it does direct`, opts, async () => {
    checkOutcomes(await run(variant, 'sidecar'));
  });
  test(`${variant}: the frontend receives the same calls, headers and bytes with and without the sidecar`,
    opts, () => checkSame(variant));
}

test('bulk: large inputs and results cross the sidecar intact, both ways', opts, () => {
  checkEcho(snap('bulk', 'sidecar'), VARIANTS.bulk.scenario.tasks);
  checkEcho(snap('bulk', 'direct'), VARIANTS.bulk.scenario.tasks);
});

test('restart: the worker recovers through the sidecar after the frontend comes back', opts, () => {
  const s = snap('restart', 'sidecar');
  assert.equal(s.restarts, 1);
  assert.ok(sidecar.alive(), 'the sidecar is still running');
  const log = sidecar.stderr();
  assert.match(log, /upstream/, 'the sidecar logged the upstream loss');
});

test('gzip: a result reaches RespondActivityTaskCompleted through the sidecar', opts, () => {
  const s = snap('gzip', 'sidecar');
  const r = answered(s, 'RespondActivityTaskCompleted', 'e2e-token-greet');
  assert.equal(json(r.result.payloads[0]), 'Hello, World!');
  assert.equal(r.namespace, 'default');
  assert.equal(r.worker_version.build_id, `@temporalio/worker@${sdkVersion()}`);
});

test('gzip: an ApplicationFailure reaches RespondActivityTaskFailed with type, message, non_retryable',
  opts, () => {
    const f = answered(snap('gzip', 'sidecar'), 'RespondActivityTaskFailed', 'e2e-token-fail').failure;
    assert.equal(f.application_failure_info.type, 'E2EFailure');
    assert.equal(f.message, 'deliberate failure: on purpose');
    assert.equal(f.application_failure_info.non_retryable, true);
  });

test('gzip: heartbeats with details reach RecordActivityTaskHeartbeat', opts, () => {
  const s = snap('gzip', 'sidecar');
  const hb = s.calls.filter((c) => c.method === 'RecordActivityTaskHeartbeat');
  assert.ok(hb.some((c) => tokenOf(c.request) === 'e2e-token-beat' &&
    JSON.stringify(json(c.request.details.payloads[0])) === '{"step":1,"of":3}'));
});

test('gzip: cancel_requested on a heartbeat ends in RespondActivityTaskCanceled', opts, () => {
  const s = snap('gzip', 'sidecar');
  const cancelAt = s.calls.findIndex((c) => c.method === 'RecordActivityTaskHeartbeat' &&
    tokenOf(c.request) === 'e2e-token-cancel');
  const canceledAt = s.calls.findIndex((c) => c.method === 'RespondActivityTaskCanceled');
  assert.ok(cancelAt >= 0 && canceledAt > cancelAt, 'Canceled must follow the heartbeat answered with cancel_requested');
});

test('gzip: every request arrives with grpc-encoding gzip and compressed messages', opts, () => {
  for (const via of ['direct', 'sidecar']) {
    const reqs = requestsOf(snap('gzip', via));
    assert.ok(reqs.length >= 5);
    for (const w of reqs) {
      assert.equal(w.headers['grpc-encoding'], 'gzip', `${via} ${w.method}`);
      assert.equal(w.headers['grpc-accept-encoding'], 'gzip,identity', `${via} ${w.method}`);
      assert.equal(w.messages.length, 1, `${via} ${w.method}: one message`);
      assert.equal(w.messages[0].compressed, 1, `${via} ${w.method}: compressed flag`);
      assert.equal(w.messages[0].wireBytes.subarray(0, 2).toString('hex'), '1f8b', `${via} ${w.method}: gzip`);
      assert.equal(w.trailing, 0);
    }
  }
});

test('identity: with grpcCompression none, requests arrive uncompressed through the sidecar', opts, () => {
  const reqs = requestsOf(snap('identity', 'sidecar'));
  assert.ok(reqs.length >= 5);
  for (const w of reqs) {
    assert.equal(w.headers['grpc-encoding'], undefined, w.method);
    assert.equal(w.messages[0].compressed, 0, w.method);
  }
});

test('gzipResponses: gzip answers from the frontend reach the worker through the sidecar', opts, () => {
  const s = snap('gzipResponses', 'sidecar');
  assert.ok(s.gzipped >= 5, `only ${s.gzipped} gzip responses were sent`);
});

test('longPoll: empty long polls and worker-cancelled polls cross the sidecar', opts, () => {
  for (const via of ['direct', 'sidecar']) {
    const s = snap('longPoll', via);
    assert.ok(s.pollsEmpty >= 1, `${via}: no long poll was answered empty`);
    assert.ok(s.pollsCancelled >= 1, `${via}: no long poll was cancelled by the worker at shutdown`);
  }
});

test('gzip: metadata arrives unchanged (client-name, client-version, namespace, user and binary metadata, API key)',
  opts, () => {
    const s = snap('gzip', 'sidecar');
    const reqs = requestsOf(s);
    const version = sdkVersion();
    const bin = USER_METADATA['x-e2e-bin'].toString('base64').replace(/=+$/, '');
    for (const w of reqs) {
      const h = w.headers;
      assert.equal(h[':authority'], s.address, `${w.method}: :authority as the worker sent it`);
      assert.equal(h['content-type'], 'application/grpc');
      assert.equal(h.te, 'trailers');
      assert.equal(h['client-name'], 'temporal-typescript');
      assert.equal(h['client-version'], version);
      assert.match(h['user-agent'], /^tonic\//);
      assert.equal(h['x-e2e-ascii'], 'hello sidecar');
      assert.equal(h['x-e2e-bin'].replace(/=+$/, ''), bin);
      assert.equal(h.authorization, `Bearer ${API_KEY}`);
      assert.match(h['grpc-timeout'], /^\d+[HMSmun]$/);
      if (w.method === 'GetSystemInfo')
        assert.equal(h['temporal-namespace'], undefined);
      else
        assert.equal(h['temporal-namespace'], 'default', w.method);
    }
    const poll = reqs.find((w) => w.method === 'PollActivityTaskQueue');
    assert.equal(poll.headers['grpc-timeout'], '70000000u');
    // And grpc-js hands the same metadata to the handler.
    const c = s.calls.find((x) => x.method === 'DescribeNamespace');
    assert.equal(c.metadata['x-e2e-bin'], `base64:${USER_METADATA['x-e2e-bin'].toString('base64')}`);
  });

test('audit log: JSON lines with connection events', opts, () => {
  const lines = sidecar.audit().split('\n').filter((l) => l.length);
  assert.ok(lines.length >= 2, 'audit log is empty');
  const events = lines.map((l) => {
    try {
      return JSON.parse(l);
    } catch (e) {
      throw new Error(`audit line is not JSON: ${l}`);
    }
  });
  for (const e of events) {
    assert.match(e.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, `ts of ${JSON.stringify(e)}`);
    assert.equal(typeof e.event, 'string');
  }
  const sidecarRuns = Object.keys(runs).filter((k) => k.endsWith('/sidecar')).length;
  const opened = events.filter((e) => e.event === 'connection_opened');
  const closed = events.filter((e) => e.event === 'connection_closed');
  assert.ok(opened.length >= sidecarRuns, `${opened.length} connection_opened for ${sidecarRuns} runs`);
  assert.ok(closed.length >= sidecarRuns, `${closed.length} connection_closed for ${sidecarRuns} runs`);
  for (const e of opened)
    assert.match(String(e.peer), /^127\.0\.0\.1:\d+$/);
});

// A plain @grpc/grpc-js client: the methods the stand-in does not serve
// answer UNIMPLEMENTED (a trailers-only response), the same through the
// sidecar as direct.
test('other methods: UNIMPLEMENTED with its message, the same through the sidecar', opts, async () => {
  const grpc = require('@grpc/grpc-js');
  const Client = grpc.makeGenericClientConstructor(frontend.svc, 'WorkflowService');
  const call = (port) => new Promise((resolve) => {
    const c = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const md = new grpc.Metadata();
    md.set('temporal-namespace', 'default');
    c.ListNamespaces({ page_size: 10 }, md, { deadline: Date.now() + 5000 }, (err, resp) => {
      c.close();
      resolve(err ? { code: err.code, details: err.details } : { resp });
    });
  });
  frontend.reset();
  const direct = await call(frontend.port);
  const via = await call(sidecar.port);
  assert.deepEqual(direct, { code: grpc.status.UNIMPLEMENTED,
    details: 'unknown method ListNamespaces (stand-in frontend)' });
  assert.deepEqual(via, direct);
  assert.equal(frontend.callsOf('ListNamespaces').length, 2);
});

test('the sidecar stops on SIGTERM and exits 0', opts, async () => {
  const r = await sidecar.stop();
  assert.deepEqual(r, { code: 0, signal: null }, `sidecar exit ${JSON.stringify(r)}:\n${sidecar.stderr()}`);
  assert.match(sidecar.stderr(), /stopped/);
  assert.match(sidecar.audit(), /"event":"stopped"/);
});

function sdkVersion() {
  return require('@temporalio/worker/package.json').version;
}
