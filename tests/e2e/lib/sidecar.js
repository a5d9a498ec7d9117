'use strict';
// Start and stop tenuo-sidecar for a test: a config in a private temporary
// folder, free ports on 127.0.0.1, stderr kept in a file, and the process
// killed on exit whatever happens.

const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..', '..', '..');

function sidecarBinary() {
  const p = process.env.SIDECAR || path.join(ROOT, 'build', 'rel', 'tenuo-sidecar');
  return path.resolve(ROOT, p);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const live = new Set();
process.on('exit', () => {
  for (const c of live) {
    try {
      c.kill('SIGKILL');
    } catch { /* gone */ }
  }
});

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitForText(file, re, timeoutMs) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    let txt = '';
    try {
      txt = fs.readFileSync(file, 'utf8');
    } catch { /* not yet */ }
    if (re.test(txt))
      return txt;
    if (Date.now() > end)
      return null;
    await sleep(50);
  }
}

class Sidecar {
  constructor({ upstreamPort, dir, extra = [] }) {
    this.bin = sidecarBinary();
    this.upstreamPort = upstreamPort;
    this.dir = dir;
    this.extra = extra;
  }

  async start() {
    if (!fs.existsSync(this.bin))
      throw new Error(`sidecar binary not found: ${this.bin} (make daemon-all, or set SIDECAR)`);
    this.dir = this.dir || fs.mkdtempSync(path.join(os.tmpdir(), 'tenuo-e2e-'));
    this.conf = path.join(this.dir, 'sidecar.conf');
    this.auditLog = path.join(this.dir, 'audit.log');
    this.errLog = path.join(this.dir, 'sidecar.err');
    this.port = await freePort();
    this.adminPort = await freePort();
    // Pass-through today.  The enforcement keys are set so that the same
    // suite keeps delivering warrant-less tasks once enforcement lands.
    const lines = [
      `listen = 127.0.0.1:${this.port}`,
      `upstream = 127.0.0.1:${this.upstreamPort}`,
      'trusted_root = 3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29',
      'enforcement = audit-only',
      'require_warrant = off',
      `audit_log = ${this.auditLog}`,
      `admin_listen = 127.0.0.1:${this.adminPort}`,
      'shutdown_grace = 2s',
      ...this.extra,
    ];
    fs.writeFileSync(this.conf, lines.join('\n') + '\n', { mode: 0o600 });
    fs.chmodSync(this.conf, 0o600);
    const err = fs.openSync(this.errLog, 'w');
    this.proc = spawn(this.bin, ['-c', this.conf], {
      stdio: ['ignore', err, err],
      cwd: this.dir,
    });
    fs.closeSync(err);
    live.add(this.proc);
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        live.delete(this.proc);
        this.exitCode = code;
        this.exitSignal = signal;
        resolve({ code, signal });
      });
    });
    const ok = await Promise.race([
      waitForText(this.errLog, /forwarding to/, 10000),
      this.exited.then(() => null),
    ]);
    if (!ok) {
      const log = fs.existsSync(this.errLog) ? fs.readFileSync(this.errLog, 'utf8') : '';
      await this.stop();
      throw new Error(`sidecar did not start:\n${log}`);
    }
    return this.port;
  }

  alive() {
    return this.proc && this.exitCode === undefined && this.exitSignal === undefined;
  }

  stderr() {
    if (!this.errLog)
      return '';
    try {
      return fs.readFileSync(this.errLog, 'utf8');
    } catch {
      return '';
    }
  }

  audit() {
    if (!this.auditLog)
      return '';
    try {
      return fs.readFileSync(this.auditLog, 'utf8');
    } catch {
      return '';
    }
  }

  async stop() {
    if (!this.proc || !this.alive())
      return this.exited ? this.exited : null;
    this.proc.kill('SIGTERM');
    let timer;
    const r = await Promise.race([this.exited,
      new Promise((res) => { timer = setTimeout(() => res(null), 5000); })]);
    clearTimeout(timer);
    if (r)
      return r;
    this.proc.kill('SIGKILL');
    return this.exited;
  }

  cleanup() {
    if (this.dir)
      fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

module.exports = { Sidecar, freePort, sidecarBinary, ROOT };
