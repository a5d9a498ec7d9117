'use strict';
const crypto = require('node:crypto');
// Plain, unmodified activities, as any user would write them.
const { heartbeat, sleep, Context } = require('@temporalio/activity');
const { ApplicationFailure } = require('@temporalio/common');

async function greet(name) {
  return `Hello, ${name}!`;
}

async function failHard(reason) {
  throw ApplicationFailure.create({
    type: 'E2EFailure',
    message: `deliberate failure: ${reason}`,
    nonRetryable: true,
    details: [{ code: 42, reason }],
  });
}

// Heartbeats once, then returns what the SDK made of the polled task, so the
// result shows the PollActivityTaskQueueResponse reached the worker intact.
async function beat(steps) {
  heartbeat({ step: 1, of: steps });
  await sleep(100);
  const i = Context.current().info;
  return {
    beats: steps,
    taskToken: Buffer.from(i.taskToken).toString(),
    activityId: i.activityId,
    activityType: i.activityType,
    attempt: i.attempt,
    workflowId: i.workflowExecution && i.workflowExecution.workflowId,
    runId: i.workflowExecution && i.workflowExecution.runId,
    workflowType: i.workflowType,
    workflowNamespace: i.workflowNamespace,
    taskQueue: i.taskQueue,
    heartbeatTimeoutMs: i.heartbeatTimeoutMs,
    startToCloseTimeoutMs: i.startToCloseTimeoutMs,
    scheduleToCloseTimeoutMs: i.scheduleToCloseTimeoutMs,
    retryPolicy: i.retryPolicy,
  };
}

// Heartbeats once and waits; the frontend answers that heartbeat with
// cancel_requested, so sleep() rejects with a CancelledFailure, which the SDK
// reports with RespondActivityTaskCanceled.  (One heartbeat only: a second
// one would be throttled by core and sent or not depending on timing.)
async function waitForCancel() {
  heartbeat({ waiting: 0 });
  await sleep(20000);
  return 'never cancelled';
}

// Returns its (large) input with its length and digest.
async function echo(blob) {
  return { len: blob.length, sha256: crypto.createHash('sha256').update(blob).digest('hex'), blob };
}

module.exports = { greet, failHard, beat, waitForCancel, echo };
