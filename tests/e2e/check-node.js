'use strict';
// Used by e2e.mk: @temporalio/worker 1.24 needs Node.js >= 20.3.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 3)) {
  console.error(`test-e2e: Node.js >= 20.3 is needed (@temporalio/worker), found ${process.version}`);
  process.exit(1);
}
