// Interop of our h2 glue (tests/h2/interop_peer.c) with @grpc/grpc-js, a
// real gRPC stack, over 127.0.0.1 TCP:
//   grpc-js client -> our server: unary echo (1 B .. 3 MiB), 30 concurrent
//     calls on one channel, gzip (grpc-encoding + flag), grpc-timeout,
//     RESOURCE_EXHAUSTED + RetryInfo decoded by grpc-js and protobufjs,
//     UNIMPLEMENTED, and an HTTP/1.1 request answered with a plain 505.
//   our client -> grpc-js server: echo, RetryInfo from grpc-js trailers,
//     concurrency, caller-driven cancel, UNIMPLEMENTED.
// Exit 0 pass, 1 fail, 77 when node modules are missing (not installed).
'use strict';
const path = require('path');
const http = require('http');
const assert = require('assert');
const { spawn, execFile } = require('child_process');

const src = process.env.SLUICE_SOURCE_DIR || path.resolve(__dirname, '../..');
const build = process.env.SLUICE_BUILD_DIR || path.resolve(src, 'build');
const nm = path.join(src, 'tests/node/node_modules');
let grpc, protobuf;
try {
  grpc = require(path.join(nm, '@grpc/grpc-js'));
  protobuf = require(path.join(nm, 'protobufjs'));
} catch (e) {
  console.log('SKIP: @grpc/grpc-js or protobufjs not installed in tests/node');
  process.exit(77);
}
const peer = path.join(build, 'tests/h2/interop_peer');
setTimeout(() => { console.error('FAIL: interop timed out'); process.exit(1); }, 90000).unref();

// google.rpc.Status with RetryInfo, for both directions.
const root = protobuf.Root.fromJSON({ nested: {
  Duration: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
  RetryInfo: { fields: { retry_delay: { type: 'Duration', id: 1 } } },
  Any: { fields: { type_url: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } },
  Status: { fields: { code: { type: 'int32', id: 1 }, message: { type: 'string', id: 2 },
                      details: { rule: 'repeated', type: 'Any', id: 3 } } },
} });
const Status = root.lookupType('Status');
const RetryInfo = root.lookupType('RetryInfo');
const RETRY_URL = 'type.googleapis.com/google.rpc.RetryInfo';

const id = (x) => x;
function unary(client, method, buf, opts = {}, md = new grpc.Metadata()) {
  return new Promise((resolve) => {
    client.makeUnaryRequest('/test.Echo/' + method, id, id, buf, md, opts,
      (err, res) => resolve({ err, res }));
  });
}

function startServer() {
  return new Promise((resolve, reject) => {
    const p = spawn(peer, ['server'], { stdio: ['pipe', 'pipe', 'inherit'] });
    p.on('error', reject);
    p.stdout.once('data', (d) => {
      const m = /PORT (\d+)/.exec(d.toString());
      if (!m) reject(new Error('no port from interop_peer'));
      else resolve({ p, port: Number(m[1]) });
    });
  });
}

async function grpcjsAgainstOurServer() {
  const { p, port } = await startServer();
  try {
    const addr = `127.0.0.1:${port}`;
    const opts = { 'grpc.max_receive_message_length': 8 << 20 };
    const c = new grpc.Client(addr, grpc.credentials.createInsecure(), opts);
    for (const n of [1, 100 * 1024, 3 << 20]) {
      const buf = Buffer.alloc(n, 0).map((_, i) => (i * 7 + n) & 255);
      const { err, res } = await unary(c, 'Echo', buf);
      assert.ifError(err);
      assert.ok(Buffer.compare(res, buf) === 0, `echo of ${n} bytes`);
    }
    console.log('ok grpc-js -> ours: echo 1 B, 100 KiB, 3 MiB');

    const all = await Promise.all([...Array(30).keys()].map((i) =>
      unary(c, 'Echo', Buffer.from(`call ${i}`))));
    all.forEach(({ err, res }, i) => { assert.ifError(err); assert.strictEqual(res.toString(), `call ${i}`); });
    console.log('ok grpc-js -> ours: 30 concurrent calls on one channel');

    const { err: e1, res: info } = await unary(c, 'Info', Buffer.alloc(2000, 65),
      { deadline: Date.now() + 5000 });
    assert.ifError(e1);
    assert.match(info.toString(), /^enc= flag=0 len=2000 timeout=\d{1,8}[HMSmun]$/);
    const cz = new grpc.Client(addr, grpc.credentials.createInsecure(),
      { 'grpc.default_compression_algorithm': 2 });
    const { err: e2, res: zinfo } = await unary(cz, 'Info', Buffer.alloc(2000, 65));
    assert.ifError(e2);
    assert.match(zinfo.toString(), /^enc=gzip flag=1 len=\d+ timeout=$/);
    assert.ok(Number(/len=(\d+)/.exec(zinfo.toString())[1]) < 2000, 'gzip body is smaller');
    console.log('ok grpc-js -> ours: grpc-timeout, grpc-encoding gzip + compressed flag');

    const { err: t } = await unary(c, 'Throttle', Buffer.from('x'));
    assert.strictEqual(t.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.strictEqual(t.details, 'ring full: 100% busy');
    const bin = t.metadata.get('grpc-status-details-bin')[0];
    const st = Status.decode(bin);
    assert.strictEqual(st.code, 8);
    assert.strictEqual(st.details[0].type_url, RETRY_URL);
    const ri = RetryInfo.decode(st.details[0].value);
    assert.strictEqual(Number(ri.retry_delay.seconds), 1);
    assert.strictEqual(ri.retry_delay.nanos, 500000000);
    console.log('ok grpc-js -> ours: RESOURCE_EXHAUSTED with RetryInfo 1.5 s');

    const { err: u } = await unary(c, 'Nope', Buffer.from('x'));
    assert.strictEqual(u.code, grpc.status.UNIMPLEMENTED);
    c.close(); cz.close();

    const h1 = await new Promise((resolve, reject) => {
      const r = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/traces' }, (res) => {
        let body = ''; res.on('data', (d) => { body += d; });
        res.on('end', () => resolve({ status: res.statusCode, body }));
      });
      r.on('error', reject); r.end('{}');
    });
    assert.strictEqual(h1.status, 505);
    assert.match(h1.body, /HTTP\/2 only/);
    console.log('ok HTTP/1.1 client on the h2 port: 505 with a clear message');
  } finally {
    p.stdin.end(); p.kill();
  }
}

async function oursAgainstGrpcjsServer() {
  const server = new grpc.Server();
  const m = (name) => ({ path: '/test.Echo/' + name, requestStream: false, responseStream: false,
    requestSerialize: id, requestDeserialize: id, responseSerialize: id, responseDeserialize: id });
  let sawMetadata = false;
  server.addService({ Echo: m('Echo'), Throttle: m('Throttle'), Slow: m('Slow') }, {
    Echo: (call, cb) => { sawMetadata ||= call.metadata.get('x-sluice-test')[0] === 'yes'; cb(null, call.request); },
    Throttle: (call, cb) => {
      const md = new grpc.Metadata();
      const info = RetryInfo.encode({ retry_delay: { seconds: 2, nanos: 500000000 } }).finish();
      md.set('grpc-status-details-bin', Buffer.from(Status.encode({ code: 8, message: 'busy',
        details: [{ type_url: RETRY_URL, value: info }] }).finish()));
      cb({ code: grpc.status.RESOURCE_EXHAUSTED, details: 'ring full: 100% busy', metadata: md });
    },
    Slow: (call, cb) => { const t = setTimeout(() => cb(null, call.request), 3000); call.on('cancelled', () => clearTimeout(t)); },
  });
  const port = await new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0',
    grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  const out = await new Promise((resolve) => {
    execFile(peer, ['client', String(port)], { timeout: 60000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (err.code ?? 1) : 0, stdout, stderr }));
  });
  server.forceShutdown();
  process.stdout.write(out.stdout);
  process.stderr.write(out.stderr);
  assert.strictEqual(out.code, 0, 'interop_peer client exit status');
  assert.match(out.stdout, /^echo ok$/m);
  assert.match(out.stdout, /^throttle err=0 status=8 delay_ms=2500 msg=ring full: 100% busy$/m);
  assert.match(out.stdout, /^concurrent ok$/m);
  assert.match(out.stdout, /^cancel done=1 err=-110$/m);
  assert.match(out.stdout, /^missing status=12$/m);
  assert.ok(sawMetadata, 'grpc-js server saw our metadata header');
  console.log('ok ours -> grpc-js: echo, RetryInfo 2.5 s, concurrency, cancel, UNIMPLEMENTED');
}

(async () => {
  await grpcjsAgainstOurServer();
  await oursAgainstGrpcjsServer();
  console.log('PASS');
  process.exit(0);
})().catch((e) => { console.error('FAIL:', e && e.stack ? e.stack : e); process.exit(1); });
