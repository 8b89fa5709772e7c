// tools/sink/sink_stream_test.js: sluice-sink checks large HTTP bodies while
// they arrive (no --bodies/--digest/--log), for traces, logs and metrics.
// What a user relies on: a valid body is accepted and every item (span, log
// record, data point) counted and measured, an invalid one (a bad id near
// its end) is answered 400 and counts nothing, and the connection then
// carries on; several connections at once keep their own bodies apart.
// Real sink process, real sockets on 127.0.0.1.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');

const build = process.env.SLUICE_BUILD_DIR || path.join(__dirname, '../../build');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sink-stream-'));
const fail = (m) => { console.error('FAIL: ' + m); process.exitCode = 1; throw new Error(m); };

function varint(n) {
  const b = [];
  while (n >= 0x80) { b.push((n & 0x7f) | 0x80); n = Math.floor(n / 128); }
  b.push(n);
  return Buffer.from(b);
}
const field = (num, buf) => Buffer.concat([varint(num << 3 | 2), varint(buf.length), buf]);
const str = (num, s) => field(num, Buffer.from(s));

// One span: ids, name, end time (fixed64, field 8), three attributes.
function span(i, endNs, idLen) {
  const id = Buffer.alloc(idLen);
  id.writeUInt32BE(i, 0);
  const end = Buffer.alloc(9);
  end[0] = 8 << 3 | 1;
  end.writeBigUInt64LE(endNs, 1);
  const attr = (k, v) => field(9, Buffer.concat([str(1, k), field(2, str(1, v))]));
  return Buffer.concat([field(1, Buffer.alloc(16, 7)), field(2, id), str(5, 'op-' + (i % 9)), end,
    attr('http.route', '/items/' + i), attr('k', 'v'), attr('svc', 'stream')]);
}

// A request of n spans in `rs` ResourceSpans; span `bad` (if >= 0) gets a
// 7-byte span id, which the sink must refuse.
function body(n, rs, bad) {
  const now = BigInt(Date.now()) * 1000000n;
  const per = Math.ceil(n / rs), out = [];
  for (let r = 0, i = 0; r < rs; r++) {
    const spans = [];
    for (let k = 0; k < per && i < n; k++, i++) spans.push(field(2, span(i, now, i === bad ? 7 : 8)));
    out.push(field(1, field(2, Buffer.concat([field(1, str(1, 'scope')), ...spans]))));
  }
  return Buffer.concat(out);
}

// A log record: time, severity, body, three attributes, trace id and a span
// id of idLen bytes (8 is valid, 7 is refused).
function logRecord(i, timeNs, idLen) {
  const time = Buffer.alloc(9);
  time[0] = 1 << 3 | 1;
  time.writeBigUInt64LE(timeNs, 1);
  const attr = (k, v) => field(6, Buffer.concat([str(1, k), field(2, str(1, v))]));
  const sid = Buffer.alloc(idLen);
  sid.writeUInt32BE(i, 0);
  return Buffer.concat([time, Buffer.from([2 << 3, 9]), field(5, str(1, `request ${i} served`)),
    attr('http.route', '/items/' + i), attr('k', 'v'), attr('svc', 'stream'), field(9, Buffer.alloc(16, 3)),
    field(10, sid)]);
}

// A gauge data point: time, value, two attributes; bad = an exemplar with a
// 7-byte span id, which the sink must refuse.
function point(i, timeNs, bad) {
  const f64 = (num, v, write) => { const b = Buffer.alloc(9); b[0] = num << 3 | 1; write(b, v); return b; };
  const attr = (k, v) => field(7, Buffer.concat([str(1, k), field(2, str(1, v))]));
  const parts = [f64(3, timeNs, (b, v) => b.writeBigUInt64LE(v, 1)), f64(4, i * 0.5, (b, v) => b.writeDoubleLE(v, 1)),
    attr('host', 'h' + (i % 7)), attr('route', '/items/' + i)];
  if (bad) parts.push(field(5, field(4, Buffer.alloc(7, 1))));
  return Buffer.concat(parts);
}

// Requests of n items in `rs` resources; item `bad` (if >= 0) is refused.
function logsBody(n, rs, bad) {
  const now = BigInt(Date.now()) * 1000000n;
  const per = Math.ceil(n / rs), out = [];
  for (let r = 0, i = 0; r < rs; r++) {
    const recs = [];
    for (let k = 0; k < per && i < n; k++, i++) recs.push(field(2, logRecord(i, now, i === bad ? 7 : 8)));
    out.push(field(1, field(2, Buffer.concat([field(1, str(1, 'scope')), ...recs]))));
  }
  return Buffer.concat(out);
}

function metricsBody(n, rs, bad) {
  const now = BigInt(Date.now()) * 1000000n;
  const per = Math.ceil(n / rs), out = [];
  for (let r = 0, i = 0; r < rs; r++) {
    const metrics = [];
    for (let k = 0; k < per && i < n; k += 50) { // gauges of up to 50 points
      const pts = [];
      for (let j = 0; j < 50 && k + j < per && i < n; j++, i++) pts.push(field(1, point(i, now, i === bad)));
      metrics.push(field(2, Buffer.concat([str(1, 'stream.gauge.' + k), field(5, Buffer.concat(pts))])));
    }
    out.push(field(1, field(2, Buffer.concat([field(1, str(1, 'scope')), ...metrics]))));
  }
  return Buffer.concat(out);
}

function post(agent, port, buf, p = '/v1/traces') {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method: 'POST', agent,
      headers: { 'Content-Type': 'application/x-protobuf', 'Content-Length': buf.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.setTimeout(20000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(buf);
  });
}

async function main() {
  const portFile = path.join(dir, 'ports');
  const sink = spawn(path.join(build, 'bin/sluice-sink'),
    ['--http', '127.0.0.1:0', '--port-file', portFile, '--latency'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  sink.stdout.on('data', (d) => { out += d; });
  const done = new Promise((r) => sink.on('exit', r));
  for (let i = 0; i < 200 && !fs.existsSync(portFile); i++) await new Promise((r) => setTimeout(r, 50));
  if (!fs.existsSync(portFile)) fail('sink did not start');
  const port = Number(/http=(\d+)/.exec(fs.readFileSync(portFile, 'utf8'))[1]);
  try {
    const one = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const big = body(6000, 3, -1);       // ~700 KB: arrives in many receives
    const bad = body(6000, 3, 5990);     // the fault in its last ResourceSpans
    if (big.length < 512 * 1024) fail(`test body too small (${big.length})`);
    const codes = [];
    codes.push(await post(one, port, big));
    codes.push(await post(one, port, bad));
    codes.push(await post(one, port, big)); // same connection after a 400
    if (codes.join() !== '200,400,200') fail(`answers ${codes} (want 200,400,200)`);
    // four connections at once, bodies of different shapes
    const many = await Promise.all([1, 2, 3, 4].map((k) =>
      post(new http.Agent({ keepAlive: true }), port, body(1000 * k, k, -1))));
    if (many.some((c) => c !== 200)) fail(`parallel answers ${many}`);
    // logs and metrics, the same way, then both at once on two connections
    for (const [p, make, n] of [['/v1/logs', logsBody, 6000], ['/v1/metrics', metricsBody, 12000]]) {
      const ok = make(n, 3, -1), ko = make(n, 3, n - 10);
      if (ok.length < 512 * 1024) fail(`${p} test body too small (${ok.length})`);
      const got = [await post(one, port, ok, p), await post(one, port, ko, p), await post(one, port, ok, p)];
      if (got.join() !== '200,400,200') fail(`${p} answers ${got} (want 200,400,200)`);
    }
    const both = await Promise.all([post(new http.Agent(), port, logsBody(3000, 2, -1), '/v1/logs'),
      post(new http.Agent(), port, metricsBody(3000, 2, -1), '/v1/metrics')]);
    if (both.some((c) => c !== 200)) fail(`logs and metrics at once: ${both}`);
  } finally {
    sink.kill('SIGTERM');
    const t = setTimeout(() => sink.kill('SIGKILL'), 10000);
    const code = await done;
    clearTimeout(t);
    if (code !== 0) fail(`sluice-sink exited ${code}`);
  }
  const want = 2 * 6000 + 1000 * (1 + 2 + 3 + 4);
  const m = /requests=(\d+) accepted=(\d+) refused=(\d+) invalid=(\d+) spans=(\d+)/.exec(out);
  if (!m) fail(`no summary in: ${out}`);
  const [req, acc, , inv, spans] = m.slice(1).map(Number);
  if (req !== 7 + 8 || acc !== 6 + 6 || inv !== 1 + 2 || spans !== want)
    fail(`summary ${m[0]} (want requests=15 accepted=12 invalid=3 spans=${want})`);
  const lat = /p50<=[0-9.]+ ms p99<=[0-9.]+ ms over (\d+) spans/.exec(out);
  if (!lat || Number(lat[1]) !== want) fail(`latency line ${lat && lat[0]} (want ${want} spans)`);
  for (const [sig, word, n] of [['logs', 'log_records', 2 * 6000 + 3000], ['metrics', 'data_points', 2 * 12000 + 3000]]) {
    const line = new RegExp(`sink: ${sig} requests=4 accepted=3 refused=1 invalid=1 ${word}=${n} `).exec(out);
    if (!line) fail(`no "sink: ${sig} requests=4 accepted=3 refused=1 invalid=1 ${word}=${n}" in:\n${out}`);
    if (!new RegExp(`p99<=[0-9.]+ ms over ${n} ${word}`).test(out)) fail(`${sig}: latency not over ${n} ${word}:\n${out}`);
  }
  const streamed = /sink: (\d+) requests checked while they arrived/.exec(out);
  if (!streamed || Number(streamed[1]) < 9) fail(`want at least the 9 large bodies streamed: ${streamed && streamed[0]}`);
  console.log(`sink_stream: ok (${want} spans, 15000 log records, 27000 data points in 15 streamed requests, 3 refused)`);
}

main().catch((e) => { if (!process.exitCode) console.error(e); process.exitCode = 1; })
  .finally(() => fs.rmSync(dir, { recursive: true, force: true }));
