'use strict';
// The sidecar demo (issue 5 §4): a stand-in Temporal frontend, tenuo-sidecar
// in front of it with enforcement on, and a real, unmodified
// @temporalio/worker whose activities read files.  Warrants come from
// tenuoctl; the tasks carry Tenuo's x-tenuo-* headers as Tenuo's Python
// workflow side writes them.  One read is allowed, one (/etc/passwd) is
// denied; then `tenuoctl audit` shows both decisions.  Exit 0 only if the
// decisions come out as expected.  Everything on 127.0.0.1, bounded, and
// cleaned up.
//
//   SIDECAR=build/rel/tenuo-sidecar TENUOCTL=build/rel/tenuoctl node tests/e2e/demo/run.js

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { execFileSync } = require('node:child_process');

const T = require('../lib/enforce-tenuo');
const H = require('../lib/enforce-harness');

const LIMIT_MS = 90000;
const watchdog = setTimeout(() => {
  console.log(`\ndemo FAILED: time limit (${LIMIT_MS / 1000} s) reached`);
  process.exit(1);
}, LIMIT_MS);
watchdog.unref();
// Interrupted (timeout(1) sends SIGTERM): exit through process.exit so the
// harness's exit hook kills the sidecar it spawned.
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(sig, () => {
    console.log(`\ndemo FAILED: interrupted (${sig})`);
    process.exit(1);
  });
}

const say = (s) => console.log(`\n== ${s}`);
const show = (s) => console.log(`   $ ${s}`);
const info = (s) => console.log(`   ${s}`);

async function main() {
  const det = H.detectEnforcement();
  if (!det.built) {
    console.log(`demo: enforcement not built into this sidecar (${det.why})`);
    return 2;
  }
  const sdk = require('@temporalio/worker');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenuo-sidecar-demo-'));
  const data = path.join(dir, 'data');
  const side = path.join(dir, 'side-effects');
  fs.mkdirSync(path.join(data, 'reports'), { recursive: true });
  fs.mkdirSync(side);
  fs.writeFileSync(path.join(data, 'reports', 'q3.txt'), 'Q3 revenue: 4.2M, up 12%\n');
  process.env.ENFORCE_DATA_ROOT = data;
  process.env.ENFORCE_SIDE_EFFECTS = side;
  let fe;
  let sc;
  let worker;
  let ok = false;
  try {
    say('1. Keys: the control plane (the sidecar trusts its public key) and an agent');
    show('tenuoctl keygen -o cp.key; tenuoctl keygen -o agent.key');
    const cp = new T.Key(dir, 'cp');
    const agent = new T.Key(dir, 'agent');
    info(`control plane: ${cp.pub}`);
    info(`agent:         ${agent.pub}`);

    say('2. The control plane mints the agent a warrant: read_file, path under /data, 1 hour');
    show('tenuoctl mint --key cp.key --holder AGENT --tool read_file --constraint path=subpath:/data --ttl 3600');
    const w = T.mint({ key: cp, holder: agent, ttl: 3600,
      tools: [{ tool: 'read_file', constraints: ['path=subpath:/data'] }] });
    const wid = T.inspect(w).warrants[0].id;
    info(`${wid} (${w.length} characters of base64url)`);

    say('3. A stand-in Temporal frontend, tenuo-sidecar in front of it, a real TS worker behind it');
    fe = await H.startEnforceFrontend({});
    sc = new H.EnforceSidecar({ upstreamPort: fe.port, dir: path.join(dir, 'sidecar'),
      lines: (s) => [`trusted_root = ${cp.pub}`, 'enforcement = enforce', 'require_warrant = on',
        'pop_clock = scheduled', 'redact_args = on', `task_token_key_file = ${s.tokenKey}`] });
    fs.mkdirSync(sc.dir);
    await sc.start();
    info(`frontend  127.0.0.1:${fe.port} (@grpc/grpc-js, upstream Temporal protos)`);
    info(`sidecar   ${sc.address} -> 127.0.0.1:${fe.port}   config: enforcement = enforce, ` +
      'require_warrant = on, trusted_root = CONTROL PLANE');
    worker = await H.startWorker({ sdk, frontend: fe, address: sc.address, taskQueue: 'demo-files' });
    info('worker    @temporalio/worker 1.24, task queue demo-files, activities read_file, ...');

    const task = (p, n) => {
      const args = { path: p };
      const at = Math.floor(Date.now() / 1000);
      const sig = T.pop({ key: agent, warrant: w, tool: 'read_file', args, at });
      const token = `demo-${n}-${crypto.randomBytes(4).toString('hex')}`;
      return { token, activityId: `read-${n}`, task: T.enforceTask({ token, activityType: 'read_file',
        activityId: `read-${n}`, workflowId: 'demo-workflow', payloads: [T.json(p)], scheduledMs: at * 1000,
        header: T.tenuoHeaders({ warrant: T.splitStack(w).leaf, pop: sig, argKeys: ['path'] }) }) };
    };

    say('4. The workflow schedules read_file("/data/reports/q3.txt"), signed by the agent');
    show('tenuoctl pop --key agent.key --warrant WARRANT --tool read_file --args \'{"path":"/data/reports/q3.txt"}\'');
    const good = task('/data/reports/q3.txt', 1);
    fe.enqueue('demo-files', good.task);
    const gc = await fe.waitFor(() => H.terminalCalls(fe, good.token)[0], 20000, 'the allowed read');
    let goodOk = false;
    if (gc.method === 'RespondActivityTaskCompleted') {
      const r = JSON.parse(Buffer.from(gc.request.result.payloads[0].data).toString());
      info(`frontend <- RespondActivityTaskCompleted from ${gc.request.identity}: ${JSON.stringify(r.head)}`);
      goodOk = r.head.startsWith('Q3 revenue') && fs.existsSync(path.join(side, 'ran-read-1'));
    } else {
      info(`frontend <- ${gc.method}: ${JSON.stringify(gc.request.failure && gc.request.failure.message)}`);
    }

    say('5. The same workflow schedules read_file("/etc/passwd")');
    const bad = task('/etc/passwd', 2);
    fe.enqueue('demo-files', bad.task);
    const bc = await fe.waitFor(() => H.terminalCalls(fe, bad.token)[0], 20000, 'the denied read');
    let badOk = false;
    const f = bc.request.failure || {};
    const afi = f.application_failure_info || {};
    info(`frontend <- ${bc.method} from ${bc.request.identity}`);
    info(`   type=${afi.type} non_retryable=${afi.non_retryable}`);
    info(`   message: ${f.message}`);
    const ran = fs.existsSync(path.join(side, 'ran-read-2'));
    info(`the activity body ran: ${ran ? 'YES' : 'no'}`);
    badOk = bc.method === 'RespondActivityTaskFailed' && afi.type === 'constraint_violation' &&
      afi.non_retryable === true && !ran;

    say('6. What the sidecar decided: its audit log');
    await sc.waitEvent((e) => e.activity_id === 'read-2' && e.decision, 5000, 'for the denied read')
      .catch(() => {});
    show('tenuoctl audit --tool read_file audit.log');
    let audit = '';
    try {
      audit = execFileSync(T.tenuoctlBinary(), ['audit', '--tool', 'read_file', sc.auditLog],
        { encoding: 'utf8', timeout: 10000 });
    } catch (e) {
      audit = `${e.stdout || ''}${e.stderr || ''}`;
    }
    process.stdout.write(audit.replace(/^/gm, '   '));
    const auditOk = /\ballow\s+read_file\b.*activity_id=read-1/.test(audit) &&
      /\bdeny\s+read_file\b.*activity_id=read-2/.test(audit);

    say('Result');
    info(`/data/reports/q3.txt: ${goodOk ? 'allowed, read by the worker' : 'NOT as expected'}`);
    info(`/etc/passwd: ${badOk ? 'denied at the sidecar (constraint_violation), never reached the worker' : 'NOT as expected'}`);
    info(`audit log: ${auditOk ? 'shows the allow and the deny' : 'does NOT show both decisions'}`);
    ok = goodOk && badOk && auditOk;
  } finally {
    if (worker)
      await worker.stop();
    if (sc)
      await sc.stop();
    if (fe)
      await fe.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(ok ? '   demo OK' : '\ndemo FAILED: the decisions did not come out as expected');
  return ok ? 0 : 1;
}

main().then((code) => process.exit(code), (e) => {
  console.log(`\ndemo FAILED: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
