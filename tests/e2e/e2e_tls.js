// End to end over TLS on both sides (issue 13), through the supervised
// pipeline: clients -> a receiver serving TLS that requires client
// certificates (mTLS) -> batch -> two exporters, otlphttp over https://
// (compression: zstd) and otlp gRPC with TLS (no compression key: the
// default, gzip), each with a client certificate, each to its own
// sluice-sink serving TLS with --tls-client-ca. Certificates are made here
// with the openssl command (tests/net/make_certs.sh).
//   - the official JS SDK exporters (gRPC, HTTP/protobuf, HTTP/JSON; gzip
//     on two of them) over TLS with a client certificate: every export
//     succeeds and both backends get every span field by field;
//   - curl over https with a gzip body (--compressed), a body made by the
//     `zstd` command, deflate (zlib and raw) and zlib bodies; curl without a client certificate is refused and the
//     failed handshake is counted in /metrics;
//   - nghttp over TLS (ALPN h2) to the gRPC receiver; openssl s_client sees
//     ALPN h2 and the served certificate;
//   - certificate rotation under load: while sluice-gen sends (HTTP zstd
//     and gRPC gzip, mTLS), the receiver's and the exporters' certificate
//     files are replaced (reload_interval); s_client then sees the new
//     server certificate, a new sluice-gen connects through it, and nothing
//     fails: every request acknowledged;
//   - every span acknowledged to any client reaches each backend exactly
//     once, nothing else does; the backends saw zstd and gzip bodies.
'use strict';
const fs = require('fs');
const path = require('path');
const L = require('./lib');

const SDK_SPANS = Number(process.env.E2E_TLS_SDK_SPANS || 300);
const GEN_RATE = 4000; // spans/s of the long sender (the rotation runs under it)

// A minimal OTLP protobuf encoder: ExportTraceServiceRequest with one
// resource, one scope and n spans whose span ids are first..first+n-1.
const varint = (v) => {
  const out = [];
  let n = BigInt(v);
  while (n >= 0x80n) { out.push(Number(n & 0x7fn) | 0x80); n >>= 7n; }
  out.push(Number(n));
  return Buffer.from(out);
};
const lenField = (num, buf) => Buffer.concat([varint((num << 3) | 2), varint(buf.length), buf]);
const fixed64 = (num, v) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(v));
  return Buffer.concat([varint((num << 3) | 1), b]);
};
function traceRequest(first, n, tag) {
  const now = BigInt(Date.now()) * 1000000n;
  const spans = [];
  for (let i = 0n; i < BigInt(n); i++) {
    const tid = Buffer.alloc(16);
    tid.writeBigUInt64BE(0x7e57n, 0);
    tid.writeBigUInt64BE(first + i, 8);
    const sid = Buffer.alloc(8);
    sid.writeBigUInt64BE(first + i);
    spans.push(lenField(2, Buffer.concat([lenField(1, tid), lenField(2, sid),
      lenField(5, Buffer.from(`${tag}-${i}`)), Buffer.from([6 << 3, 2]),
      fixed64(7, now), fixed64(8, now + 1000n)])));
  }
  const kv = Buffer.concat([lenField(1, Buffer.from('service.name')), lenField(2, lenField(1, Buffer.from(tag)))]);
  const resource = lenField(1, lenField(1, kv));
  return lenField(1, Buffer.concat([resource, lenField(2, Buffer.concat(spans))]));
}
const range = (first, n) => [[first, n]];

// Span ids in a sluice-sink --digest file: Map id -> times seen. Only lines
// that start "TRACEID SPANID " count: the SDK's span names hold newlines.
function spanIds(file) {
  const seen = new Map();
  if (!fs.existsSync(file)) return seen;
  for (const m of fs.readFileSync(file, 'utf8').matchAll(/^[0-9a-f]{32} ([0-9a-f]{16}) /gm)) {
    const id = BigInt(`0x${m[1]}`);
    seen.set(id, (seen.get(id) || 0) + 1);
  }
  return seen;
}

function metric(text, name, labels) {
  const re = new RegExp(`^${name}\\{${labels}\\} (\\d+)$`, 'm');
  const m = re.exec(text);
  return m ? Number(m[1]) : -1;
}

// "spans         sent N  acked M" from sluice-gen's report.
function genCounts(out) {
  const m = /spans\s+sent (\d+)\s+acked (\d+)/.exec(out);
  return m ? { sent: Number(m[1]), acked: Number(m[2]) } : { sent: -1, acked: -1 };
}

// On a failure (L.fail exits): stop what this test started.
const children = [];
let running = null;
process.on('exit', () => {
  for (const p of children) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  if (running) L.sluice(running, 'stop');
});

async function main() {
  const dir = L.tmpdir('tls');
  const certs = path.join(dir, 'certs');
  let r = L.run('bash', [path.join(L.source, 'tests/net/make_certs.sh'), certs]);
  if (r.code !== 0) L.fail(`make_certs.sh: ${r.stderr}`);
  const c = (f) => path.join(certs, f);
  // The files the receiver and the exporters watch; rotated below.
  const rot = path.join(dir, 'rot');
  fs.mkdirSync(rot);
  const place = (from, to) => { // whole files only: copy aside, then rename
    fs.copyFileSync(c(from), path.join(rot, `${to}.tmp`));
    fs.renameSync(path.join(rot, `${to}.tmp`), path.join(rot, to));
  };
  place('server.key', 'recv.key'); place('server.pem', 'recv.pem');
  place('client.key', 'exp.key'); place('client.pem', 'exp.pem');

  const sinkTls = ['--tls-cert', c('server.pem'), '--tls-key', c('server.key'), '--tls-client-ca', c('ca.pem')];
  const sinkAt = (sub, extra) => {
    fs.mkdirSync(path.join(dir, sub));
    return L.startSink(path.join(dir, sub), [...sinkTls, '--digest', path.join(dir, `digest-${sub}`),
      '--bodies', path.join(dir, `bodies-${sub}`), ...extra]);
  };
  const sinkH = await sinkAt('h', []);
  const sinkG = await sinkAt('g', ['--grpc', '127.0.0.1:0']);
  children.push(sinkH, sinkG);
  const expTls = `{ca_file: ${c('ca.pem')}, cert_file: ${rot}/exp.pem, key_file: ${rot}/exp.key,
           reload_interval: 100ms}`;
  const cfg = await L.writeConfig(dir, `processors:
  batch:
    send_batch_size: 512
    timeout: 100ms
exporters:
  otlphttp/sink:
    endpoint: https://127.0.0.1:${sinkH.port}
    compression: zstd
    tls: ${expTls}
  otlp/sink:
    endpoint: 127.0.0.1:${sinkG.grpcPort}
    tls: ${expTls}
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [otlphttp/sink, otlp/sink]`, {
    receiverTls: `{cert_file: ${rot}/recv.pem, key_file: ${rot}/recv.key, client_ca_file: ${c('ca.pem')},
              reload_interval: 100ms}`,
  });
  L.sluiceStart(cfg);
  running = cfg;
  const expected = new Set(); // span ids (BigInt) acknowledged to a client
  const addRanges = (ranges) => {
    for (const [first, n] of ranges) for (let i = 0n; i < BigInt(n); i++) expected.add(first + i);
  };
  const clientTls = ['--cacert', c('ca.pem'), '--cert', c('client.pem'), '--key', c('client.key')];
  const sClient = (port, extra = []) => L.run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`,
    '-CAfile', c('ca.pem'), '-cert', c('client.pem'), '-key', c('client.key'), ...extra], { input: '' });

  // 1. The JS SDK over TLS with a client certificate.
  const client = path.join(L.source, 'tests/node/ingest_interop.js');
  const env = { ...process.env, SLUICE_TLS_CA: c('ca.pem'), SLUICE_TLS_CERT: c('client.pem'),
    SLUICE_TLS_KEY: c('client.key') };
  const sent = [];
  for (const [proto, port, seed, comp] of [['grpc', cfg.ports.grpc, 41, 'gzip'],
    ['proto', cfg.ports.http, 42, 'gzip'], ['json', cfg.ports.http, 43, '']]) {
    const out = path.join(dir, `sent-${proto}.json`);
    r = L.run('node', [client, proto, String(port), String(SDK_SPANS), String(seed), out, comp].filter(Boolean),
      { timeout: 120000, env });
    L.check(r.code === 0, `the SDK's ${proto} exporter${comp ? ' (gzip)' : ''} over TLS with a client ` +
      `certificate: every export succeeded${r.code ? `\n${r.stderr}` : ''}`);
    sent.push(...JSON.parse(fs.readFileSync(out, 'utf8')));
  }
  for (const s of sent) expected.add(BigInt(`0x${s.spanId}`));
  // Both backends get them all (the pipeline is idle after this): check
  // their bodies so far field by field.
  for (const [name, tag] of [['otlphttp https zstd', 'h'], ['otlp gRPC TLS gzip', 'g']]) {
    await L.waitFor(`the ${name} backend to get the SDK's spans`,
      () => spanIds(path.join(dir, `digest-${tag}`)).size >= sent.length, 60000);
    fs.copyFileSync(path.join(dir, `bodies-${tag}`), path.join(dir, `bodies-sdk-${tag}`));
    const expFile = path.join(dir, 'expected-sdk.json');
    fs.writeFileSync(expFile, JSON.stringify(sent));
    r = L.run(path.join(L.build, 'tests/e2e/bodies_check'), [path.join(dir, `bodies-sdk-${tag}`), expFile]);
    L.check(r.code === 0 && Number(r.stdout.trim()) === sent.length,
      `through ${name}: exactly the SDK's ${sent.length} spans, field by field${r.code ? `\n${r.stderr}` : ''}`);
  }

  // 2. curl over https: gzip (--compressed) and a zstd body made by zstd.
  const pb = path.join(dir, 'req.pb');
  fs.writeFileSync(pb, traceRequest(0x5100000000000000n, 100, 'curl-zstd'));
  r = L.run('zstd', ['-q', '-f', '-o', `${pb}.zst`, pb]);
  L.check(r.code === 0, 'zstd made a body');
  fs.writeFileSync(pb, traceRequest(0x5200000000000000n, 100, 'curl-gzip'));
  r = L.run('sh', ['-c', `gzip -c ${pb} > ${pb}.gz`]);
  const curl = (extra) => L.run('curl', ['-sS', '--fail', '--max-time', '30', '-o', '/dev/null',
    '-H', 'Content-Type: application/x-protobuf', ...extra, `https://127.0.0.1:${cfg.ports.http}/v1/traces`]);
  r = curl([...clientTls, '-H', 'Content-Encoding: zstd', '--data-binary', `@${pb}.zst`]);
  L.check(r.code === 0, `curl https with a zstd body: 200${r.code ? `\n${r.stderr}` : ''}`);
  addRanges(range(0x5100000000000000n, 100));
  r = curl([...clientTls, '--compressed', '-H', 'Content-Encoding: gzip', '--data-binary', `@${pb}.gz`]);
  L.check(r.code === 0, `curl https --compressed with a gzip body: 200${r.code ? `\n${r.stderr}` : ''}`);
  addRanges(range(0x5200000000000000n, 100));
  // deflate (zlib-wrapped and raw, as clients send both) and zlib bodies,
  // compressed by Node's zlib.
  const zlib = require('zlib');
  for (const [enc, fn, kind, first] of [['deflate', zlib.deflateSync, 'zlib', 0x5500000000000000n],
    ['deflate', zlib.deflateRawSync, 'raw deflate', 0x5600000000000000n],
    ['zlib', zlib.deflateSync, 'zlib', 0x5700000000000000n]]) {
    fs.writeFileSync(`${pb}.z`, fn(traceRequest(first, 20, `curl-${enc}`)));
    r = curl([...clientTls, '-H', `Content-Encoding: ${enc}`, '--data-binary', `@${pb}.z`]);
    L.check(r.code === 0, `curl https with a ${kind} body as Content-Encoding ${enc}: 200` +
      (r.code ? `\n${r.stderr}` : ''));
    addRanges(range(first, 20));
  }
  fs.writeFileSync(pb, traceRequest(0x5300000000000000n, 10, 'no-cert'));
  r = curl(['--cacert', c('ca.pem'), '--data-binary', `@${pb}`]);
  L.check(r.code !== 0, 'curl without a client certificate is refused (mTLS)');

  // 3. nghttp over TLS, ALPN h2, a gRPC call to the gRPC receiver.
  const msg = traceRequest(0x5400000000000000n, 50, 'nghttp');
  const frame = Buffer.alloc(5);
  frame.writeUInt32BE(msg.length, 1);
  fs.writeFileSync(path.join(dir, 'call.grpc'), Buffer.concat([frame, msg]));
  r = L.run('nghttp', ['-v', '--cert', c('client.pem'), '--key', c('client.key'),
    '-H', 'content-type: application/grpc', '-H', 'te: trailers', '-d', path.join(dir, 'call.grpc'),
    `https://127.0.0.1:${cfg.ports.grpc}/opentelemetry.proto.collector.trace.v1.TraceService/Export`]);
  L.check(r.code === 0 && /The negotiated protocol: h2/.test(r.stdout) && /grpc-status: 0/.test(r.stdout),
    `nghttp over TLS negotiated h2 and got grpc-status 0${r.code ? `\n${r.stdout}${r.stderr}` : ''}`);
  addRanges(range(0x5400000000000000n, 50));

  // 4. openssl s_client: ALPN h2 on the gRPC port, the first certificate.
  r = sClient(cfg.ports.grpc, ['-alpn', 'h2']);
  L.check(/ALPN protocol: h2/.test(r.stdout) && /Verify return code: 0/.test(r.stdout) &&
    /subject=CN ?= ?server\n/.test(r.stdout), 's_client: ALPN h2, a verified certificate for CN server');

  // 5. Rotation under load.
  const genTls = ['--tls-ca', c('ca.pem'), '--tls-cert', c('client.pem'), '--tls-key', c('client.key')];
  const gen = (args, tag) => {
    const p = L.start(L.bin('sluice-gen'), [...genTls, '--ack-log', path.join(dir, `acks-${tag}`),
      '-s', '200', '-c', '2', '-q', ...args]);
    children.push(p);
    return p;
  };
  const genA = gen(['-p', 'http', '-z', 'zstd', '-e', `127.0.0.1:${cfg.ports.http}`, '-r', String(GEN_RATE),
    '-d', '300', '--id-base', String(0x6100000000000000n)], 'a');
  const genB = gen(['-p', 'grpc', '-z', 'gzip', '-e', `127.0.0.1:${cfg.ports.grpc}`, '-r', String(GEN_RATE),
    '-d', '300', '--id-base', String(0x6200000000000000n)], 'b');
  const base = sent.length + 310;
  await L.waitFor('the load to reach the backends',
    () => spanIds(path.join(dir, 'digest-h')).size >= base + 2000, 60000);
  place('server2.key', 'recv.key'); place('server2.pem', 'recv.pem');
  place('client2.key', 'exp.key'); place('client2.pem', 'exp.pem');
  await L.waitFor('s_client to see the new certificate', () =>
    /subject=CN ?= ?server2\n/.test(sClient(cfg.ports.http).stdout), 30000);
  L.check(true, 'after the rotation the receiver serves the new certificate (s_client: CN server2)');
  // A new client connects through the new certificate while A and B go on.
  const genC = gen(['-p', 'http', '-z', 'gzip', '-e', `127.0.0.1:${cfg.ports.http}`, '-n', '4000', '-d', '60',
    '--id-base', String(0x6300000000000000n)], 'c');
  L.check(await genC.done === 0, `a new sluice-gen through the new certificate: exit 0\n${genC.out()}${genC.err()}`);
  await L.waitFor('more load after the rotation', () =>
    spanIds(path.join(dir, 'digest-g')).size >= base + 8000, 60000);
  genA.kill('SIGINT');
  genB.kill('SIGINT');
  for (const [g, name] of [[genA, 'HTTP zstd'], [genB, 'gRPC gzip'], [genC, 'HTTP gzip (new)']]) {
    const code = await g.done;
    const k = genCounts(g.out());
    L.check(code === 0 && k.sent > 0 && k.acked === k.sent,
      `sluice-gen ${name} across the rotation: ${k.acked} of ${k.sent} spans acknowledged, no error` +
      (code === 0 && k.acked === k.sent ? '' : `\n${g.out()}${g.err()}`));
  }
  for (const t of ['a', 'b', 'c']) addRanges(L.ackRanges(path.join(dir, `acks-${t}`)));

  // The failed handshake is counted, nothing else failed.
  const m = (await L.httpGet(cfg.ports.metrics, '/metrics')).text;
  L.check(metric(m, 'sluice_tls_handshake_failures_total', 'stage="ingest"') >= 1,
    'the refused handshake is counted in /metrics');
  L.check(metric(m, 'sluice_export_tls_handshake_failures_total', 'stage="export"') === 0,
    'no exporter handshake failed across the rotation');

  L.sluiceStop(cfg);
  running = null;
  const outs = {};
  for (const [s, tag] of [[sinkH, 'h'], [sinkG, 'g']]) {
    L.check(await L.stopProc(s) === 0, `sluice-sink ${tag} exited cleanly`);
    outs[tag] = s.out();
  }
  for (const [name, tag] of [['otlphttp https', 'h'], ['otlp gRPC TLS', 'g']]) {
    const seen = spanIds(path.join(dir, `digest-${tag}`));
    let missing = 0;
    let dups = 0;
    for (const id of expected) if (!seen.has(id)) missing++;
    for (const n of seen.values()) if (n > 1) dups += n - 1;
    const extra = [...seen.keys()].filter((id) => !expected.has(id)).length;
    L.check(missing === 0 && dups === 0 && extra === 0,
      `${name}: all ${expected.size} acknowledged spans exactly once (missing ${missing}, ` +
      `duplicates ${dups}, unexpected ${extra})`);
  }
  L.check(/compressed bodies.* zstd=[1-9]/.test(outs.h) && !/gzip=/.test(outs.h),
    `the otlphttp exporter sent zstd bodies: ${/sink: compressed.*/.exec(outs.h)}`);
  L.check(/compressed bodies.* gzip=[1-9]/.test(outs.g) && !/zstd=/.test(outs.g),
    `the otlp exporter sent gzip (its default): ${/sink: compressed.*/.exec(outs.g)}`);
  fs.rmSync(dir, { recursive: true, force: true });
  console.log('1 passed, 0 failed');
}
main().catch((e) => L.fail(e.stack));
