// End to end with the official OpenTelemetry JS SDK: spans sent over OTLP/gRPC,
// OTLP/HTTP protobuf and OTLP/HTTP JSON go through the whole supervised
// pipeline (a filter, an attributes processor, batching) to an OTLP/HTTP
// backend (sluice-sink). Every span that should arrive arrives exactly once
// with exactly the expected content; the filtered ones do not arrive.
'use strict';
const fs = require('fs');
const path = require('path');
const L = require('./lib');

const SPANS = Number(process.env.E2E_SDK_SPANS || 1500);

// What the pipeline below does to a span, applied to the sender's record of it.
const DROP = /^op-[0-9]+-beta$/;
function expected(sent) {
  return sent.filter((s) => !DROP.test(s.name)).map((s) => {
    const attributes = s.attributes.filter(([k]) => k !== 'a.bools');
    attributes.push(['e2e.pipeline', { s: 'sluice' }]);
    return { ...s, attributes };
  });
}

async function main() {
  const dir = L.tmpdir('sdk');
  const sink = await L.startSink(dir, ['--bodies', path.join(dir, 'bodies'), '--quiet']);
  const cfg = await L.writeConfig(dir, `processors:
  filter/beta:
    spans:
      exclude:
        match_type: regexp
        span_names: ["^op-[0-9]+-beta$"]
  attributes/tag:
    actions:
      - key: e2e.pipeline
        value: sluice
        action: insert
      - key: a.bools
        action: delete
  batch:
    send_batch_size: 300
    timeout: 100ms
exporters:
  otlphttp/sink:
    endpoint: http://127.0.0.1:${sink.port}
    compression: gzip
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [filter/beta, attributes/tag, batch]
      exporters: [otlphttp/sink]`);
  L.sluiceStart(cfg);

  const client = path.join(L.source, 'tests/node/ingest_interop.js');
  const sent = [];
  const runs = [['grpc', cfg.ports.grpc, 11], ['proto', cfg.ports.http, 22], ['json', cfg.ports.http, 33]];
  for (const [proto, port, seed] of runs) {
    const out = path.join(dir, `sent-${proto}.json`);
    const r = L.run('node', [client, proto, String(port), String(SPANS), String(seed), out],
      { timeout: 120000 });
    L.check(r.code === 0, `the SDK's ${proto} exporter sent ${SPANS} spans and every export succeeded` +
      (r.code ? `\n${r.stderr}` : ''));
    sent.push(...JSON.parse(fs.readFileSync(out, 'utf8')));
  }

  // Stop drains every ring into the backend before it returns.
  L.sluiceStop(cfg);
  L.check(await L.stopProc(sink) === 0, 'sluice-sink exited cleanly');

  const want = expected(sent);
  const dropped = sent.length - want.length;
  L.check(dropped > 0 && want.length > 0, `the filter drops ${dropped} of ${sent.length} spans`);
  const expFile = path.join(dir, 'expected.json');
  fs.writeFileSync(expFile, JSON.stringify(want));
  const r = L.run(path.join(L.build, 'tests/e2e/bodies_check'), [path.join(dir, 'bodies'), expFile]);
  L.check(r.code === 0 && Number(r.stdout.trim()) === want.length,
    `the backend received exactly the ${want.length} expected spans, field by field` +
    (r.code ? `\n${r.stderr}` : ''));
  const log = L.readLog(cfg);
  L.check(/pipeline stopped; every ring was empty/.test(log), 'the stop drained every ring');
  fs.rmSync(dir, { recursive: true, force: true });
  console.log('1 passed, 0 failed');
}
main().catch((e) => L.fail(e.stack));
