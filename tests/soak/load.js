'use strict';
// The soak's load (tests/soak/run.sh): the e2e suite's stand-in Temporal
// frontend, an enforcing tenuo-sidecar in front of it, and for SECS
// seconds a mixed load through the sidecar:
//
//   pollers      long polls on "soak-ok" (tasks allowed, completed by the
//                poller) and "strict-soak" (no warrant: denied, failed
//                upstream by the sidecar); empty polls are answered after
//                HOLD_MS, as the real frontend does after 60 s
//   producer     an allowed task every 100 ms, a denied one every 500 ms
//   unary        GetSystemInfo / DescribeNamespace / heartbeats in a loop
//   reconnectors a new connection every second: a few calls, a short
//                poll, then closed
//
//   node load.js SECS DIR     (prints "PID n" and "ADMIN port" at start,
//                             "RESULT {json}" at the end)
//
// Env: SIDECAR.  Production stops 8 s before the end so every task handed
// out can end; the result says how each one ended.  Exit 0 when the load
// ran and nothing was lost, 1 otherwise, 2 when it cannot run here.

const fs = require('node:fs');
const crypto = require('node:crypto');
const S = require('../lib/temporal-stub');

const { grpc, H, F } = S.load('SKIP ');
const HOLD_MS = 2000;
const POLLERS = 6;
const UNARY_LOOPS = 3;
const DRAIN_MS = 8000;

// Counts instead of records: the soak must not grow in the driver.
class SoakFrontend extends H.EnforceFrontend {
  reset() {
    super.reset();
    this.count = {};
    this.ended = new Map();     // hex token -> terminal method
    this.handed = new Map();    // hex token -> queue
  }

  record(method, call, request) {
    this.count[method] = (this.count[method] || 0) + 1;
    if (H.TERMINAL.includes(method)) {
      const k = Buffer.from(request.task_token || []).toString('hex');
      const prev = this.ended.get(k);
      this.ended.set(k, prev ? `${prev}+${method}` : method);
    }
    return null;
  }

  tapStream() { /* no wire records */ }

  rawHandlers() {
    const h = super.rawHandlers();
    const poll = h.PollActivityTaskQueue;
    h.PollActivityTaskQueue = (call, cb) => poll(call, (err, resp) => {
      if (!err && resp && resp.task_token && resp.task_token.length)
        this.handed.set(Buffer.from(resp.task_token).toString('hex'),
          (call.request.task_queue && call.request.task_queue.name) || '');
      cb(err, resp);
    });
    return h;
  }
}

function newClient(addr) {
  const { svc } = F.loadService();
  const Ctor = grpc.makeGenericClientConstructor(svc, 'WorkflowService');
  return new Ctor(addr, grpc.credentials.createInsecure(),
    { 'grpc.use_local_subchannel_pool': 1 });
}

function call(c, method, req, ms = 10000) {
  return new Promise((resolve) => {
    c[method](req, new grpc.Metadata(), { deadline: Date.now() + ms },
      (err, resp) => resolve({ err, resp }));
  });
}

function pollReq(queue, who) {
  return S.pollReq(queue, `soak-${who}@127.0.0.1`);
}

async function main() {
  const secs = Number(process.argv[2]);
  const dir = process.argv[3];
  if (!(secs > 0) || !dir) {
    console.log('usage: load.js SECS DIR');
    process.exit(2);
  }
  const det = H.detectEnforcement();
  if (!det.built) {
    console.log(`SKIP enforcement not built into this sidecar (${det.why})`);
    process.exit(2);
  }
  const fe = new SoakFrontend({ holdMs: HOLD_MS });
  await fe.start();
  const sc = new H.EnforceSidecar({ upstreamPort: fe.port, dir, lines: S.enforceLines('5s') });
  await sc.start();
  const nfds = () => {
    try {
      return fs.readdirSync(`/proc/${sc.proc.pid}/fd`).length;
    } catch {
      return -1;
    }
  };
  await H.sleep(500);
  const fdIdleBefore = nfds();
  console.log(`PID ${sc.proc.pid}`);
  console.log(`ADMIN ${sc.adminPort}`);
  const addr = sc.address;
  const t0 = Date.now();
  const endProduce = t0 + Math.max(1000, secs * 1000 - DRAIN_MS);
  const endAll = t0 + secs * 1000;
  const st = { rpcs: 0, rpcErrors: 0, errors: {}, polls: 0, tasksGot: 0, deniedGot: 0,
    completed: 0, reconnects: 0, producedOk: 0, producedDenied: 0 };
  const err = (what, e) => {
    st.rpcErrors++;
    const k = `${what}: ${e.code} ${String(e.details || e.message).slice(0, 80)}`;
    st.errors[k] = (st.errors[k] || 0) + 1;
  };
  let seq = 0;
  const task = (queue) => {
    const n = ++seq;
    const token = crypto.randomBytes(20);
    fe.enqueue(queue, F.makeTask({ token, activityType: 'readFile', activityId: `soak-${n}`,
      args: [{ path: `/data/${n}` }] }));
  };

  // Audit log rotation: keep the soak's disk use bounded (rename, SIGUSR1).
  const rotate = setInterval(() => {
    try {
      if (fs.statSync(sc.auditLog).size > 32 * 1024 * 1024) {
        fs.renameSync(sc.auditLog, `${sc.auditLog}.1`);
        sc.proc.kill('SIGUSR1');
      }
    } catch { /* not yet */ }
  }, 5000);

  const producer = (async () => {
    let i = 0;
    while (Date.now() < endProduce) {
      task('soak-ok');
      st.producedOk++;
      if (i++ % 5 === 0) {
        task('strict-soak');
        st.producedDenied++;
      }
      await H.sleep(100);
    }
  })();

  const poller = async (k) => {
    const c = newClient(addr);
    const queue = k % 3 === 2 ? 'strict-soak' : 'soak-ok';
    while (Date.now() < endAll - 1000) {
      const r = await call(c, 'PollActivityTaskQueue', pollReq(queue, `p${k}`),
        Math.min(20000, endAll - Date.now()));
      st.rpcs++;
      st.polls++;
      if (r.err) {
        if (r.err.code !== grpc.status.DEADLINE_EXCEEDED)
          err('poll', r.err);
        continue;
      }
      if (!r.resp || !r.resp.task_token || !r.resp.task_token.length)
        continue;
      st.tasksGot++;
      if (queue !== 'soak-ok') {
        st.deniedGot++;
        continue;
      }
      const a = await call(c, 'RespondActivityTaskCompleted', { namespace: 'default',
        task_token: r.resp.task_token, identity: `soak-p${k}@127.0.0.1`,
        result: { payloads: [] } });
      st.rpcs++;
      if (a.err)
        err('complete', a.err);
      else
        st.completed++;
    }
    c.close();
  };

  const unary = async (k) => {
    const c = newClient(addr);
    const methods = [
      ['GetSystemInfo', {}],
      ['DescribeNamespace', { namespace: 'default' }],
      ['RecordActivityTaskHeartbeat', { namespace: 'default',
        task_token: Buffer.from('not-a-sidecar-token'), identity: 'soak@127.0.0.1' }],
    ];
    let i = 0;
    while (Date.now() < endAll - 1000) {
      const [m, req] = methods[i++ % methods.length];
      const r = await call(c, m, req);
      st.rpcs++;
      // A heartbeat with a token the sidecar never issued is refused
      // (PERMISSION_DENIED): that is the expected answer.
      if (r.err && !(m === 'RecordActivityTaskHeartbeat' &&
          r.err.code === grpc.status.PERMISSION_DENIED))
        err(m, r.err);
      await H.sleep(5 + k);
    }
    c.close();
  };

  const reconnector = async () => {
    const every = Number(process.env.SOAK_RECONNECT_MS || 1000);
    while (Date.now() < endAll - 2000) {
      const c = newClient(addr);
      st.reconnects++;
      for (let i = 0; i < 3; i++) {
        const r = await call(c, 'GetSystemInfo', {});
        st.rpcs++;
        if (r.err)
          err('reconnect GetSystemInfo', r.err);
      }
      const r = await call(c, 'PollActivityTaskQueue', pollReq('soak-idle', 'r'), 500);
      st.rpcs++;
      st.polls++;
      if (r.err && r.err.code !== grpc.status.DEADLINE_EXCEEDED)
        err('reconnect poll', r.err);
      c.close();
      await H.sleep(every);
    }
  };

  // SOAK_ONLY=tasks,unary,reconnect runs only those parts (to find what
  // makes memory grow); default all.
  const only = (process.env.SOAK_ONLY || 'tasks,unary,reconnect').split(',');
  const jobs = [producer];
  if (only.includes('reconnect'))
    jobs.push(reconnector());
  for (let k = 0; only.includes('tasks') && k < POLLERS; k++)
    jobs.push(poller(k));
  for (let k = 0; only.includes('unary') && k < UNARY_LOOPS; k++)
    jobs.push(unary(k));
  await Promise.all(jobs);
  clearInterval(rotate);

  // Every client is closed: the sidecar's fds go back to at most what they
  // were (connections take a moment to close on its side; one fd open at
  // start, such as its first readiness probe, may be gone by now).
  let fdIdleAfter = nfds();
  for (let i = 0; i < 100 && fdIdleAfter > fdIdleBefore; i++) {
    await H.sleep(100);
    fdIdleAfter = nfds();
  }
  // How each task the frontend handed out ended.
  await H.sleep(1000);
  const ends = {};
  const unaccounted = [];
  let okCompleted = 0;
  let deniedFailed = 0;
  for (const [tok, queue] of fe.handed) {
    const e = fe.ended.get(tok);
    const key = `${queue}:${e || 'none'}`;
    ends[key] = (ends[key] || 0) + 1;
    if (queue === 'soak-ok' && e === 'RespondActivityTaskCompleted')
      okCompleted++;
    else if (queue === 'strict-soak' && e === 'RespondActivityTaskFailed')
      deniedFailed++;
    else
      unaccounted.push(`${queue}/${tok.slice(0, 8)}:${e || 'none'}`);
  }
  const lostAudited = sc.events().filter((e) => e.event === 'task_lost').length;
  const alive = sc.alive();
  const stop = await sc.stop();
  await fe.close();
  const res = { seconds: secs, ...st, handedOut: fe.handed.size, okCompleted, deniedFailed,
    unaccounted: unaccounted.length, unaccountedSample: unaccounted.slice(0, 5), ends,
    taskLostAudited: lostAudited, fdIdleBefore, fdIdleAfter, frontendCalls: fe.count, sidecarAlive: alive,
    sidecarExit: stop };
  console.log(`RESULT ${JSON.stringify(res)}`);
  const good = alive && stop && stop.code === 0 && unaccounted.length === 0 &&
    st.deniedGot === 0 && st.rpcErrors === 0;
  process.exit(good ? 0 : 1);
}

const wd = setTimeout(() => {
  console.log('RESULT {"error":"watchdog"}');
  process.exit(1);
}, (Number(process.argv[2]) + 120) * 1000);
wd.unref();
main().catch((e) => {
  console.log(`RESULT ${JSON.stringify({ error: String(e.stack || e) })}`);
  process.exit(1);
});
