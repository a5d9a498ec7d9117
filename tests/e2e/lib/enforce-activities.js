'use strict';
// Activities for the enforcement tests and the sidecar demo: plain user
// code, unaware of Tenuo.  Each one leaves a side effect when its body runs
// (a file `ran-<activityId>` in ENFORCE_SIDE_EFFECTS, when set), so a test
// can prove a denied activity never ran.  Paths under /data are served from
// ENFORCE_DATA_ROOT when set (the demo's files); anything else is read as
// it is (so a read of /etc/passwd that got through would really happen).

const fs = require('node:fs');
const path = require('node:path');
const { Context } = require('@temporalio/activity');

function ran(args) {
  const dir = process.env.ENFORCE_SIDE_EFFECTS;
  const info = Context.current().info;
  if (dir) {
    fs.writeFileSync(path.join(dir, `ran-${info.activityId}`), JSON.stringify({
      activityType: info.activityType, activityId: info.activityId,
      taskToken: Buffer.from(info.taskToken).toString('hex'), attempt: info.attempt,
      args: args.map((a) => (a instanceof Uint8Array ? { bytes: Buffer.from(a).toString('hex') } : a)),
    }));
  }
  return info;
}

function local(p) {
  const root = process.env.ENFORCE_DATA_ROOT;
  if (root && (p === '/data' || p.startsWith('/data/')))
    return path.join(root, p.slice('/data'.length));
  return p;
}

async function read_file(p) {
  const info = ran([p]);
  let content;
  try {
    content = fs.readFileSync(local(p), 'utf8');
  } catch (e) {
    content = `(${e.code || 'error'})`;
  }
  return { path: p, bytes: Buffer.byteLength(content), head: content.slice(0, 80),
    taskToken: Buffer.from(info.taskToken).toString('hex') };
}

async function write_file(p, content) {
  ran([p, content]);
  const dir = process.env.ENFORCE_SIDE_EFFECTS;
  if (dir)
    fs.writeFileSync(path.join(dir, `wrote-${Buffer.from(p).toString('hex')}`), String(content));
  return { path: p, written: String(content).length };
}

async function list_directory(p) {
  ran([p]);
  try {
    return fs.readdirSync(local(p)).sort();
  } catch (e) {
    return [`(${e.code || 'error'})`];
  }
}

// Reports what the SDK made of each argument.
async function take_args(...args) {
  ran(args);
  return args.map((a) => {
    if (a instanceof Uint8Array)
      return { kind: 'bytes', hex: Buffer.from(a).toString('hex') };
    if (Array.isArray(a))
      return { kind: 'list', value: a };
    return { kind: typeof a, value: a };
  });
}

module.exports = { read_file, write_file, list_directory, take_args };
