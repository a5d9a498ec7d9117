'use strict';
// A node:test reporter in the project's style: one line per test (ok -,
// FAIL -, SKIP -), failures with their error, the test files' own output
// indented, and a last line `test-e2e: N passed, M failed, K skipped`.

function indent(s) {
  return String(s).replace(/\n$/, '').split('\n').map((l) => `    ${l}`).join('\n') + '\n';
}

function errText(err) {
  if (!err)
    return '';
  const cause = err.cause || err;
  const msg = cause && (cause.stack || cause.message) ? (cause.stack || cause.message) : String(cause);
  return msg;
}

module.exports = async function* reporter(source) {
  let pass = 0;
  let fail = 0;
  let skip = 0;
  for await (const ev of source) {
    const d = ev.data || {};
    switch (ev.type) {
      case 'test:pass': {
        if (d.details && d.details.type === 'suite')
          break;
        const ms = d.details && d.details.duration_ms !== undefined
          ? ` (${Math.round(d.details.duration_ms)} ms)` : '';
        if (d.skip !== undefined && d.skip !== false) {
          skip++;
          yield `SKIP - ${d.name}${typeof d.skip === 'string' ? `: ${d.skip}` : ''}\n`;
        } else if (d.todo !== undefined && d.todo !== false) {
          skip++;
          yield `TODO - ${d.name}\n`;
        } else {
          pass++;
          yield `ok - ${d.name}${ms}\n`;
        }
        break;
      }
      case 'test:fail': {
        if (d.details && d.details.type === 'suite')
          break;
        fail++;
        yield `FAIL - ${d.name}\n${indent(errText(d.details && d.details.error))}`;
        break;
      }
      case 'test:stdout':
      case 'test:stderr':
        yield indent(d.message);
        break;
      case 'test:diagnostic':
        if (!/^(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) /.test(d.message))
          yield `# ${d.message}\n`;
        break;
      default:
        break;
    }
  }
  yield `test-e2e: ${pass} passed, ${fail} failed, ${skip} skipped\n`;
};
