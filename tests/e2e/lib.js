// Shared helpers for the end-to-end tests: real processes (sluice, its four
// stages, sluice-sink, sluice-gen, the OpenTelemetry JS SDK) on 127.0.0.1,
// each test in its own instance, runtime dir and ports. Every wait is bounded.
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

const build = process.env.SLUICE_BUILD_DIR || path.join(__dirname, '../../build');
const source = process.env.SLUICE_SOURCE_DIR || path.join(__dirname, '../..');
const bin = (name) => path.join(build, 'bin', name);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// What a failing test leaves running is stopped on the way out: the
// processes start() began and the instances sluiceStart() started.
const running = { procs: new Set(), configs: new Set() };

function fail(msg) {
  console.error(`FAIL: ${msg}`);
  for (const cfg of running.configs) spawnSync(bin('sluice'), ['stop', '-c', cfg.file], { timeout: 60000 });
  for (const p of running.procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  process.exit(1);
}

function check(cond, msg) {
  if (!cond) fail(msg);
  console.error(`ok: ${msg}`);
}

function tmpdir(tag) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `sluice-e2e-${tag}-`));
}

// A port nothing listens on right now (the kernel picks it), never one this
// process was given before: the kernel can hand a just-closed port out again
// at once, and two listeners of one config on the same port fail to start.
const portsGiven = new Set();
function freePortOnce() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function freePort() {
  for (let i = 0; i < 100; i++) {
    const port = await freePortOnce();
    if (!portsGiven.has(port)) {
      portsGiven.add(port);
      return port;
    }
  }
  throw new Error('freePort: no new port in 100 tries');
}

// Run to completion (bounded); returns { code, stdout, stderr }.
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: opts.timeout || 120000, ...opts });
  return { code: r.status === null ? -1 : r.status, stdout: r.stdout || '', stderr: r.stderr || '' };
}

// Start in the background; .done resolves to the exit code.
function start(cmd, args, opts = {}) {
  const p = spawn(cmd, args, { stdio: ['ignore', opts.stdout || 'pipe', opts.stderr || 'pipe'], ...opts });
  let out = '';
  let err = '';
  if (p.stdout) p.stdout.on('data', (d) => { out += d; });
  if (p.stderr) p.stderr.on('data', (d) => { err += d; });
  running.procs.add(p);
  // 'exit' can come before the last of stdout is read (a summary printed
  // at exit went missing once in e2e_tls): wait for both streams to end,
  // but not for ever (a child of the child may hold them open).
  const ended = (st) => (!st || st.readableEnded ? null
    : new Promise((res) => { st.once('end', res); st.once('close', res); }));
  p.done = new Promise((resolve) => p.on('exit', (code, sig) => {
    running.procs.delete(p);
    const ends = [ended(p.stdout), ended(p.stderr)].filter(Boolean);
    const cap = new Promise((res) => setTimeout(res, 2000).unref());
    Promise.race([Promise.all(ends), cap]).then(() => resolve(code === null ? `signal ${sig}` : code));
  }));
  p.out = () => out;
  p.err = () => err;
  return p;
}

async function waitFor(what, fn, ms = 20000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn();
    if (v) return v;
    await sleep(50);
  }
  fail(`timed out waiting for ${what}`);
}

// sluice-sink on a free port (.port; .grpcPort too with --grpc 127.0.0.1:0 in
// extra); resolves when it listens.
// Several sinks in one directory: a different tag each.
async function startSink(dir, extra = [], tag = 'sink') {
  const portFile = path.join(dir, `${tag}.ports`);
  const p = start(bin('sluice-sink'), ['--http', '127.0.0.1:0', '--port-file', portFile, ...extra]);
  await waitFor('sluice-sink to listen', () =>
    fs.existsSync(portFile) && fs.readFileSync(portFile, 'utf8').includes('http='));
  const ports = fs.readFileSync(portFile, 'utf8');
  p.port = Number(/http=(\d+)/.exec(ports)[1]);
  const g = /grpc=(\d+)/.exec(ports);
  p.grpcPort = g ? Number(g[1]) : 0; // with --grpc HOST:PORT in extra
  return p;
}

async function stopProc(p, sig = 'SIGTERM') {
  if (p.exitCode !== null || p.signalCode !== null) return p.done;
  p.kill(sig);
  const t = setTimeout(() => p.kill('SIGKILL'), 20000);
  const code = await p.done;
  clearTimeout(t);
  return code;
}

// A config for one test: free ports, its own instance and directories.
// opts.receiverTls: a YAML flow map, the tls: block of both protocols.
async function writeConfig(dir, body, opts = {}) {
  const ports = { grpc: await freePort(), http: await freePort(), metrics: await freePort() };
  const instance = `e2e${process.pid}${path.basename(dir).slice(-6).replace(/[^A-Za-z0-9]/g, '')}`;
  const tls = opts.receiverTls ? `\n        tls: ${opts.receiverTls}` : '';
  const yaml = `receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${ports.grpc}${tls}
      http:
        endpoint: 127.0.0.1:${ports.http}${tls}
${body}
  telemetry:
    metrics:
      address: 127.0.0.1:${ports.metrics}
sluice:
  instance: ${instance}
  runtime_dir: ${dir}/run
  state_dir: ${dir}/state
${opts.sluice || ''}`;
  const file = path.join(dir, 'sluice.yaml');
  fs.writeFileSync(file, yaml);
  return { file, ports, instance, dir, log: path.join(dir, 'run', `${instance}.log`) };
}

function sluice(cfg, ...args) {
  return run(bin('sluice'), [...args, '-c', cfg.file], { timeout: 180000 });
}

function sluiceStart(cfg) {
  running.configs.add(cfg);
  const r = sluice(cfg, 'start');
  if (r.code !== 0) fail(`sluice start: ${r.code}\n${r.stdout}${r.stderr}`);
}

function sluiceStop(cfg) {
  const r = sluice(cfg, 'stop');
  running.configs.delete(cfg);
  if (r.code !== 0) fail(`sluice stop: ${r.code}\n${r.stdout}${r.stderr}\n${readLog(cfg)}`);
}

function readLog(cfg) {
  return fs.existsSync(cfg.log) ? fs.readFileSync(cfg.log, 'utf8') : '';
}

// The first line of the instance log saying a stage died (a restart, a
// sanitizer report), or '' when none did: for tests that kill nothing.
function stageDeath(cfg) {
  const line = readLog(cfg).split('\n').find((l) =>
    /restarting in|exited with status [1-9]|killed by signal|AddressSanitizer|runtime error:/.test(l));
  return line || '';
}

// { ingest: pid, process: pid, ... } from `sluice status`.
function stagePids(cfg) {
  const r = sluice(cfg, 'status');
  const pids = {};
  for (const line of r.stdout.split('\n')) {
    const m = /^(ingest|process|batch|export)\s+\S+\s+(\d+)/.exec(line);
    if (m) pids[m[1]] = Number(m[2]);
  }
  return pids;
}

// The supervisor's pid (the first line of `sluice status`), 0 if none.
function supervisorPid(cfg) {
  const m = /supervisor \S+ (\d+)/.exec(sluice(cfg, 'status').stdout);
  return m ? Number(m[1]) : 0;
}

// { ingest: pid, ... }: the supervisor's stage children, read from /proc
// (cheap enough to call every few hundred milliseconds, unlike `sluice
// status`, which is a process start, slow under the sanitizers).
function stageChildren(supPid) {
  const pids = {};
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let stat;
    try { stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8'); } catch { continue; }
    const m = /^\d+ \(sluice-(ingest|process|batch|export)\) \S (\d+) /.exec(stat);
    if (m && Number(m[2]) === supPid) pids[m[1]] = Number(d);
  }
  return pids;
}

async function httpGet(port, p) {
  const res = await fetch(`http://127.0.0.1:${port}${p}`);
  return { status: res.status, text: await res.text() };
}

// Item ids sluice-sink --digest saw: Map id(BigInt) -> times seen. Works
// for every signal's digest file (--digest, --digest-logs, --digest-metrics):
// the second word of each line is the id sluice-gen gave the item (a span's
// span id, a log record's or data point's gen.id); lines without one ("-")
// are skipped.
function digestIds(file) {
  const seen = new Map();
  if (!fs.existsSync(file)) return seen;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const f = line.split(' ');
    if (f.length < 2 || !/^[0-9a-fA-F]+$/.test(f[1])) continue;
    const id = BigInt(`0x${f[1]}`);
    seen.set(id, (seen.get(id) || 0) + 1);
  }
  return seen;
}

// sluice-gen --ack-log: [[first BigInt, count], ...]
function ackRanges(file) {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => {
    const [a, n] = l.split(' ');
    return [BigInt(a), Number(n)];
  });
}

// Acknowledged spans missing from the digest, and duplicates in it.
function compareAcked(acks, seen) {
  let acked = 0;
  let missing = 0;
  let firstMissing = null;
  for (const [first, n] of acks) {
    for (let i = 0n; i < BigInt(n); i++) {
      acked++;
      if (!seen.has(first + i)) {
        missing++;
        if (firstMissing === null) firstMissing = first + i;
      }
    }
  }
  let dups = 0;
  for (const c of seen.values()) if (c > 1) dups += c - 1;
  return { acked, missing, firstMissing, dups, received: seen.size };
}

// sluice-sink's per-signal summary lines ("sink: logs requests=.. accepted=..
// refused=.. invalid=.. log_records=.. bytes=..") from its stdout:
// { traces: {requests, accepted, refused, invalid, items, bytes}, logs: ..., metrics: ... };
// a signal that saw no request has zeros.
function sinkCounts(text) {
  const out = {};
  for (const sig of ['traces', 'logs', 'metrics']) {
    out[sig] = { requests: 0, accepted: 0, refused: 0, invalid: 0, items: 0, bytes: 0 };
    const m = new RegExp(`^sink: ${sig} requests=(\\d+) accepted=(\\d+) refused=(\\d+) invalid=(\\d+) ` +
      '(?:spans|log_records|data_points)=(\\d+) bytes=(\\d+)', 'm').exec(text);
    if (m) {
      const [requests, accepted, refused, invalid, items, bytes] = m.slice(1).map(Number);
      out[sig] = { requests, accepted, refused, invalid, items, bytes };
    }
  }
  return out;
}

// The request bodies sluice-sink --bodies / --bodies-logs / --bodies-metrics
// kept: [Buffer, ...] (each a protobuf Export*ServiceRequest).
function readBodies(file) {
  const out = [];
  if (!fs.existsSync(file)) return out;
  const b = fs.readFileSync(file);
  for (let off = 0; off + 4 <= b.length;) {
    const n = b.readUInt32BE(off);
    if (off + 4 + n > b.length) fail(`${file}: a body cut short at byte ${off}`);
    out.push(b.subarray(off + 4, off + 4 + n));
    off += 4 + n;
  }
  return out;
}

module.exports = {
  bin, build, source, sleep, fail, check, tmpdir, freePort, run, start, waitFor, startSink,
  stopProc, writeConfig, sluice, sluiceStart, sluiceStop, readLog, stageDeath, stagePids, supervisorPid,
  stageChildren, httpGet,
  digestIds, ackRanges, compareAcked, sinkCounts, readBodies,
};
