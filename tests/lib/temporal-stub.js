'use strict';
// What tests/daemon/faults-tasks.js and tests/soak/load.js share: the e2e
// suite's grpc-js and stand-in Temporal frontend (tests/e2e/lib), the
// trusted root its issuer signs with, a poll request, and the enforcing
// sidecar config both run (warrants required only on queues "strict-*").

const path = require('node:path');
const { createRequire } = require('node:module');

const E2E = path.resolve(__dirname, '..', 'e2e');
const ROOT = '3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29';

// load(skip): { grpc, H (enforce-harness), F (frontend) }; when they
// cannot load, prints `${skip}the e2e node modules cannot load ...` and
// exits 2.
function load(skip) {
  try {
    return {
      grpc: createRequire(path.join(E2E, 'package.json'))('@grpc/grpc-js'),
      H: require(path.join(E2E, 'lib', 'enforce-harness')),
      F: require(path.join(E2E, 'lib', 'frontend')),
    };
  } catch (e) {
    console.log(`${skip}the e2e node modules cannot load (run make e2e-deps): ${String(e.message).split('\n')[0]}`);
    process.exit(2);
  }
}

// pollReq(queue, identity): a PollActivityTaskQueue request body.
function pollReq(queue, identity) {
  return { namespace: 'default', task_queue: { name: queue, kind: 'TASK_QUEUE_KIND_NORMAL' },
    identity };
}

// enforceLines(drain, extra): the EnforceSidecar `lines` option: enforce,
// orphan_drain_timeout = drain, the extra lines, then [policy strict].
function enforceLines(drain, extra = []) {
  return (s) => [
    `trusted_root = ${ROOT}`,
    'enforcement = enforce',
    'require_warrant = off',
    `task_token_key_file = ${s.tokenKey}`,
    `orphan_drain_timeout = ${drain}`,
    ...extra,
    '[policy strict]',
    'task_queue = strict-*',
    'require_warrant = on',
  ];
}

module.exports = { ROOT, load, pollReq, enforceLines };
