// tools/sink/sink_signals_test.js: sluice-gen -> sluice-sink directly, real
// processes on 127.0.0.1, for every signal (traces, logs, metrics), protocol
// (OTLP/HTTP protobuf, OTLP/HTTP JSON, OTLP/gRPC) and compression (none,
// gzip, zstd; deflate and snappy over HTTP). What a user relies on:
//   - every item gen says was acknowledged is in the sink's digest exactly
//     once (nothing missing, nothing duplicated), per signal, by the ids
//     gen gave (span id, gen.id), and the counts are exact on both sides;
//   - --bodies-logs/--bodies-metrics keep every accepted body as protobuf
//     (also for JSON requests), framed, adding up to the summary's bytes;
//   - bad requests are refused as a Collector refuses them: 404 (unknown
//     path, a signal --signals does not take), 405 with Allow: POST, 415,
//     400 with a google.rpc.Status in the request's format (protobuf or
//     JSON), gRPC UNIMPLEMENTED / INVALID_ARGUMENT; nothing refused is
//     counted as accepted, and the sink keeps serving;
//   - partial success carries the signal's rejected count (JSON name too);
//   - logs and metrics over TLS (HTTPS, gRPC with TLS) arrive whole.
// Every run is bounded in items and time.
'use strict';
const fs = require('fs');
const http = require('http');
const http2 = require('http2');
const path = require('path');
const L = require('../../tests/e2e/lib.js');

const SIGNALS = ['traces', 'logs', 'metrics'];
const RUNS = [ // [protocol, compression]
  ['http', 'none'], ['http', 'gzip'], ['http', 'zstd'], ['http', 'deflate'], ['http', 'snappy'],
  ['http/json', 'none'], ['http/json', 'gzip'],
  ['grpc', 'none'], ['grpc', 'gzip'], ['grpc', 'zstd'],
];
const PER_RUN = 1280; // items: 10 requests of 128

function post(port, p, body, headers, method = 'POST') {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method, headers: { ...headers, 'Content-Length': body.length } },
      (res) => {
        const parts = [];
        res.on('data', (d) => parts.push(d));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts) }));
      });
    req.setTimeout(10000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

// One unary gRPC call (message not compressed); resolves to the grpc-status,
// grpc-message and the response message.
function grpcCall(port, method, msg) {
  return new Promise((resolve, reject) => {
    const c = http2.connect(`http://127.0.0.1:${port}`);
    c.on('error', reject);
    const frame = Buffer.alloc(5 + msg.length);
    frame.writeUInt32BE(msg.length, 1);
    msg.copy(frame, 5);
    const s = c.request({ ':method': 'POST', ':path': method, 'content-type': 'application/grpc', te: 'trailers' });
    const parts = [];
    let head = {};
    s.on('response', (h) => { head = h; });
    s.on('data', (d) => parts.push(d));
    s.on('trailers', (t) => { head = { ...head, ...t }; });
    s.on('end', () => {
      c.close();
      const b = Buffer.concat(parts);
      resolve({ status: Number(head['grpc-status']), message: head['grpc-message'] || '', msg: b.subarray(5) });
    });
    s.setTimeout(10000, () => { s.close(); reject(new Error('grpc timeout')); });
    s.end(frame);
  });
}

// google.rpc.Status {code = 1, message = 2} from protobuf (small messages only).
function statusOf(b) {
  let code = 0;
  let message = '';
  for (let i = 0; i < b.length;) {
    const tag = b[i++];
    if (tag === 0x08) code = b[i++];
    else if (tag === 0x12) { const n = b[i++]; message = b.subarray(i, i + n).toString(); i += n; } else break;
  }
  return { code, message };
}

const grpcPath = (sig) => ({
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
}[sig]);

async function roundTrips(dir) {
  const files = {
    digest: path.join(dir, 'd.traces'), digestLogs: path.join(dir, 'd.logs'),
    digestMetrics: path.join(dir, 'd.metrics'), bodiesLogs: path.join(dir, 'b.logs'),
    bodiesMetrics: path.join(dir, 'b.metrics'),
  };
  const portFile = path.join(dir, 'ports');
  const sink = L.start(L.bin('sluice-sink'), ['--http', '127.0.0.1:0', '--grpc', '127.0.0.1:0', '--port-file', portFile,
    '--latency', '--digest', files.digest, '--digest-logs', files.digestLogs, '--digest-metrics', files.digestMetrics,
    '--bodies-logs', files.bodiesLogs, '--bodies-metrics', files.bodiesMetrics]);
  await L.waitFor('sluice-sink to listen', () => fs.existsSync(portFile));
  const [, hp, gp] = /http=(\d+) grpc=(\d+)/.exec(fs.readFileSync(portFile, 'utf8')).map(Number);
  const acks = { traces: [], logs: [], metrics: [] };
  let base = 1000000;
  for (const sig of SIGNALS) {
    for (const [proto, z] of RUNS) {
      const ackFile = path.join(dir, `acks.${sig}.${proto.replace('/', '_')}.${z}`);
      const port = proto === 'grpc' ? gp : hp;
      const r = L.run(L.bin('sluice-gen'), ['-S', sig, '-p', proto, '-z', z, '-e', `127.0.0.1:${port}`, '-s', '128',
        '-n', String(PER_RUN), '-c', '2', '-d', '20', '-q', '--id-base', String(base), '--ack-log', ackFile,
        '--metric-types', 'all', '--points-per-metric', '5'], { timeout: 60000 });
      base += 1000000;
      const item = { traces: 'spans', logs: 'log records', metrics: 'data points' }[sig];
      const want = new RegExp(`${item}\\s+sent ${PER_RUN}\\s+acked ${PER_RUN}\\s+refused 0\\s+failed 0`);
      if (r.code !== 0 || !want.test(r.stdout)) L.fail(`gen ${sig} ${proto} ${z}: exit ${r.code}\n${r.stdout}${r.stderr}`);
      acks[sig].push(...L.ackRanges(ackFile));
    }
    console.error(`ok: ${sig}: ${RUNS.length} runs of ${PER_RUN} items acknowledged (${RUNS.map((x) => x.join('+')).join(', ')})`);
  }
  const code = await L.stopProc(sink);
  if (code !== 0) L.fail(`sluice-sink exited ${code}:\n${sink.err()}`);
  const counts = L.sinkCounts(sink.out());
  const total = PER_RUN * RUNS.length;
  const digestOf = { traces: files.digest, logs: files.digestLogs, metrics: files.digestMetrics };
  for (const sig of SIGNALS) {
    const c = counts[sig];
    L.check(c.accepted === 10 * RUNS.length && c.items === total && c.invalid === 0 && c.refused === 0,
      `${sig}: sink counted ${c.items} items in ${c.accepted} requests (want ${total} in ${10 * RUNS.length})`);
    const res = L.compareAcked(acks[sig], L.digestIds(digestOf[sig]));
    L.check(res.acked === total && res.missing === 0 && res.dups === 0 && res.received === total,
      `${sig}: every acknowledged item in the digest once (acked ${res.acked}, received ${res.received}, ` +
      `missing ${res.missing}, duplicates ${res.dups})`);
    const lat = new RegExp(`latency \\(now - [a-z ]+\\) p50<=[0-9.]+ ms p99<=[0-9.]+ ms over ${total} `).test(sink.out());
    L.check(lat, `${sig}: latency measured over all ${total} items`);
  }
  for (const [sig, file] of [['logs', files.bodiesLogs], ['metrics', files.bodiesMetrics]]) {
    const bodies = L.readBodies(file);
    const bytes = bodies.reduce((a, b) => a + b.length, 0);
    L.check(bodies.length === counts[sig].accepted && bytes === counts[sig].bytes && bodies.every((b) => b[0] === 0x0a),
      `${sig}: ${bodies.length} protobuf bodies kept, ${bytes} bytes as counted (JSON requests kept as protobuf)`);
  }
  const dl = fs.readFileSync(files.digestLogs, 'utf8').split('\n')[0].split(' ');
  L.check(dl.length === 6 && dl[0] === 'log' && /^[0-9a-f]{16}$/.test(dl[1]) && /^[0-9]+$/.test(dl[5]),
    `a logs digest line reads "log GENID TRACEID SPANID SEVERITY TIME_NS" (${dl.join(' ')})`);
  const dm = fs.readFileSync(files.digestMetrics, 'utf8').split('\n').map((l) => l.split(' ')[3]);
  L.check(['gauge', 'sum', 'histogram', 'exphistogram', 'summary'].every((t) => dm.includes(t)),
    'metrics digest lines name every metric type gen sent');
}

async function refusals(dir) {
  const portFile = path.join(dir, 'ports2');
  const sink = L.start(L.bin('sluice-sink'), ['--http', '127.0.0.1:0', '--grpc', '127.0.0.1:0', '--port-file', portFile,
    '--signals', 'traces,logs', '--fail', 'ok,partial=7,partial=9,503/2']);
  await L.waitFor('sluice-sink to listen', () => fs.existsSync(portFile));
  const [, hp, gp] = /http=(\d+) grpc=(\d+)/.exec(fs.readFileSync(portFile, 'utf8')).map(Number);
  const proto = { 'Content-Type': 'application/x-protobuf' };
  const json = { 'Content-Type': 'application/json' };
  // ExportLogsServiceRequest{ResourceLogs{ScopeLogs{LogRecord{body "hello"}}}}
  const rec = Buffer.from('0a0d120b12092a070a0568656c6c6f', 'hex');
  let r = await post(hp, '/v1/unknown', Buffer.alloc(0), proto);
  L.check(r.status === 404, `unknown path: ${r.status} (want 404)`);
  r = await post(hp, '/v1/metrics', Buffer.alloc(0), proto);
  L.check(r.status === 404, `/v1/metrics with --signals traces,logs: ${r.status} (want 404)`);
  r = await post(hp, '/v1/logs', Buffer.alloc(0), proto, 'PUT');
  L.check(r.status === 405 && r.headers.allow === 'POST', `PUT /v1/logs: ${r.status}, Allow ${r.headers.allow} (want 405, POST)`);
  r = await post(hp, '/v1/logs', Buffer.alloc(0), { 'Content-Type': 'text/plain' });
  L.check(r.status === 415, `text/plain body: ${r.status} (want 415)`);
  r = await post(hp, '/v1/logs', Buffer.alloc(0), { ...proto, 'Content-Encoding': 'br' });
  L.check(r.status === 415, `Content-Encoding br: ${r.status} (want 415)`);
  // a truncated LogRecord: 400 with a protobuf Status, INVALID_ARGUMENT
  r = await post(hp, '/v1/logs', rec.subarray(0, rec.length - 3), proto);
  const st = statusOf(r.body);
  L.check(r.status === 400 && r.headers['content-type'] === 'application/x-protobuf' && st.code === 3 &&
    /ExportLogsServiceRequest/.test(st.message), `truncated logs body: ${r.status} Status{${st.code}, "${st.message}"}`);
  r = await post(hp, '/v1/logs', Buffer.from('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"abc"}]}]}]}'), json);
  let j = JSON.parse(r.body.toString());
  L.check(r.status === 400 && j.code === 3 && /traceId/.test(j.message),
    `JSON logs with a bad traceId: ${r.status} ${r.body} (want 400 and a JSON Status naming traceId)`);
  // the schedule: ok, partial=7 (JSON), partial=9 (gRPC), 503
  const one = '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"hi"}}]}]}]}';
  r = await post(hp, '/v1/logs', Buffer.from(one), json);
  L.check(r.status === 200 && r.body.toString() === '{}', `JSON logs accepted: ${r.status} ${r.body}`);
  r = await post(hp, '/v1/logs', Buffer.from(one), json);
  j = JSON.parse(r.body.toString());
  L.check(r.status === 200 && j.partialSuccess && j.partialSuccess.rejectedLogRecords === '7',
    `partial success in JSON names rejectedLogRecords: ${r.body}`);
  let g = await grpcCall(gp, grpcPath('logs'), rec);
  L.check(g.status === 0 && g.msg.equals(Buffer.from('0a100809120c73696e6b207061727469616c', 'hex')),
    `gRPC LogsService partial success: status ${g.status}, response ${g.msg.toString('hex')}`);
  g = await grpcCall(gp, grpcPath('logs'), rec);
  L.check(g.status === 14, `gRPC 503 step: status ${g.status} (want UNAVAILABLE 14)`);
  g = await grpcCall(gp, grpcPath('metrics'), Buffer.alloc(0));
  L.check(g.status === 12, `gRPC MetricsService with --signals traces,logs: status ${g.status} (want UNIMPLEMENTED 12)`);
  g = await grpcCall(gp, '/opentelemetry.proto.collector.logs.v1.LogsService/Nope', Buffer.alloc(0));
  L.check(g.status === 12, `gRPC unknown method: status ${g.status} (want UNIMPLEMENTED 12)`);
  g = await grpcCall(gp, grpcPath('logs'), Buffer.from('0a05', 'hex'));
  L.check(g.status === 3 && /ExportLogsServiceRequest/.test(g.message), `gRPC truncated logs: status ${g.status} "${g.message}"`);
  // and it still serves: a valid traces request after all that
  r = await post(hp, '/v1/traces', Buffer.alloc(0), proto);
  L.check(r.status === 200, `the sink still serves (empty traces request: ${r.status})`);
  const code = await L.stopProc(sink);
  if (code !== 0) L.fail(`sluice-sink exited ${code}:\n${sink.err()}`);
  const c = L.sinkCounts(sink.out());
  L.check(c.logs.requests === 7 && c.logs.invalid === 3 && c.logs.accepted === 3 && c.logs.refused === 4 &&
    c.logs.items === 3 && c.metrics.requests === 0,
    `refused requests are not counted as accepted (logs ${JSON.stringify(c.logs)}, metrics ${c.metrics.requests})`);
}

// TLS (the listeners' certificate from tests/net/make_certs.sh): logs over
// HTTPS, metrics over gRPC with TLS and gzip, every item acknowledged once.
async function overTls(dir) {
  const certs = path.join(dir, 'certs');
  const mk = L.run('bash', [path.join(L.source, 'tests/net/make_certs.sh'), certs]);
  if (mk.code !== 0) L.fail(`make_certs.sh: ${mk.stderr}`);
  const portFile = path.join(dir, 'ports3');
  const dl = path.join(dir, 'tls.logs'), dm = path.join(dir, 'tls.metrics');
  const sink = L.start(L.bin('sluice-sink'), ['--http', '127.0.0.1:0', '--grpc', '127.0.0.1:0', '--port-file', portFile,
    '--tls-cert', path.join(certs, 'server.pem'), '--tls-key', path.join(certs, 'server.key'),
    '--digest-logs', dl, '--digest-metrics', dm]);
  await L.waitFor('sluice-sink to listen', () => fs.existsSync(portFile));
  const [, hp, gp] = /http=(\d+) grpc=(\d+)/.exec(fs.readFileSync(portFile, 'utf8')).map(Number);
  for (const [sig, proto, port, z, file] of [['logs', 'http', hp, 'none', dl], ['metrics', 'grpc', gp, 'gzip', dm]]) {
    const acks = path.join(dir, `tls.acks.${sig}`);
    const r = L.run(L.bin('sluice-gen'), ['-S', sig, '-p', proto, '-z', z, '-e', `127.0.0.1:${port}`, '-s', '256',
      '-n', '2560', '-c', '2', '-d', '20', '-q', '--ack-log', acks, '--tls-ca', path.join(certs, 'ca.pem')],
    { timeout: 60000 });
    if (r.code !== 0) L.fail(`gen ${sig} over TLS: exit ${r.code}\n${r.stdout}${r.stderr}`);
    const res = L.compareAcked(L.ackRanges(acks), L.digestIds(file));
    L.check(res.acked === 2560 && res.missing === 0 && res.dups === 0,
      `${sig} over TLS (${proto}, ${z}): ${res.acked} acknowledged, all in the digest once`);
  }
  const code = await L.stopProc(sink);
  if (code !== 0) L.fail(`sluice-sink exited ${code}:\n${sink.err()}`);
}

async function main() {
  const dir = L.tmpdir('sink-signals');
  try {
    await roundTrips(dir);
    await refusals(dir);
    await overTls(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log('sink_signals: ok');
}

main().catch((e) => { console.error(e); process.exit(1); });
