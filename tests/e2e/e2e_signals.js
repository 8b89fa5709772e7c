// Logs and metrics end to end with the official OpenTelemetry JS SDK: log
// records from @opentelemetry/exporter-logs-otlp-{grpc,proto,http} and data
// points from @opentelemetry/exporter-metrics-otlp-{grpc,proto,http} go
// through the whole supervised pipeline (ingest, process with a filter and
// an attributes processor, batch, export) to sluice-sink: logs through an
// `otlp_http` exporter, metrics through an `otlp_grpc` one (the Collector's
// new names). Every item that should arrive arrives exactly once, equal
// field by field to what the SDK was given after the pipeline's edits; the
// filtered ones do not arrive.
'use strict';
const fs = require('fs');
const path = require('path');
const L = require('./lib');

const COUNT = Number(process.env.E2E_SIGNALS_ITEMS || 600); // per signal and protocol

// What the pipeline below does to an item, applied to the canonical line the
// sender wrote for it (tests/node/ingest_interop_signals.js; the attributes
// are rendered in order, so an inserted attribute comes last).
const TAG = '"e2e.pipeline"=s:"sluice"';
function withTag(line, after) {
  const at = line.indexOf(' attrs={');
  const end = line.indexOf(after, at);
  if (at < 0 || end < 0 || line[end - 1] !== '}') L.fail(`cannot find the attributes in: ${line}`);
  const inner = line.slice(at + 8, end - 1);
  return `${line.slice(0, at + 8)}${inner}${inner ? ',' : ''}${TAG}}${line.slice(end)}`;
}
const expected = {
  // filter/trace drops records below DEBUG (and those without a severity:
  // severity_number 0); attributes/tag deletes a.int and inserts the tag.
  logs: (lines) => lines.filter((l) => Number(/ sev=(\d+)\//.exec(l)[1]) >= 5)
    .map((l) => withTag(l.replace(/,"a\.int"=i:-?\d+/, ''), ' dropped=')),
  // filter/threads drops the metric "threads" whole; attributes/tag deletes
  // the data point attribute "code" and inserts the tag.
  metrics: (lines) => lines.filter((l) => !l.includes(' metric="threads" '))
    .map((l) => withTag(l.replace(/,"code"=i:\d+/, ''), ' start=')),
};

async function main() {
  const dir = L.tmpdir('signals');
  const bodies = { logs: path.join(dir, 'bodies-logs'), metrics: path.join(dir, 'bodies-metrics') };
  const sink = await L.startSink(dir, ['--grpc', '127.0.0.1:0', '--bodies-logs', bodies.logs,
    '--bodies-metrics', bodies.metrics, '--quiet']);
  L.check(sink.grpcPort > 0, `sluice-sink listens for gRPC too (${sink.grpcPort})`);
  const cfg = await L.writeConfig(dir, `processors:
  filter/trace:
    logs:
      log_record:
        - 'severity_number < 5'
  filter/threads:
    metrics:
      exclude:
        match_type: strict
        metric_names: [threads]
  attributes/tag:
    actions:
      - key: e2e.pipeline
        value: sluice
        action: insert
      - key: a.int
        action: delete
      - key: code
        action: delete
  batch:
    send_batch_size: 300
    timeout: 100ms
exporters:
  otlp_http/sink:
    endpoint: http://127.0.0.1:${sink.port}
    compression: gzip
  otlp_grpc/sink:
    endpoint: http://127.0.0.1:${sink.grpcPort}
service:
  pipelines:
    logs:
      receivers: [otlp]
      processors: [filter/trace, attributes/tag, batch]
      exporters: [otlp_http/sink]
    metrics:
      receivers: [otlp]
      processors: [filter/threads, attributes/tag, batch]
      exporters: [otlp_grpc/sink]`);
  L.sluiceStart(cfg);

  const client = path.join(L.source, 'tests/node/ingest_interop_signals.js');
  const sent = { logs: [], metrics: [] };
  for (const signal of ['logs', 'metrics']) {
    const runs = [['grpc', cfg.ports.grpc, 11], ['proto', cfg.ports.http, 22], ['json', cfg.ports.http, 33]];
    for (const [proto, port, seed] of runs) {
      const out = path.join(dir, `sent-${signal}-${proto}.json`);
      const r = L.run('node', [client, signal, proto, String(port), String(COUNT), String(seed), out],
        { timeout: 120000 });
      L.check(r.code === 0, `the SDK's ${signal} ${proto} exporter sent its items and every export succeeded` +
        (r.code ? `\n${r.stderr}` : ''));
      sent[signal].push(...JSON.parse(fs.readFileSync(out, 'utf8')));
    }
  }

  // Stop drains every ring into the backend before it returns.
  L.sluiceStop(cfg);
  L.check(await L.stopProc(sink) === 0, 'sluice-sink exited cleanly');
  const log = L.readLog(cfg);
  L.check(/pipeline stopped; every ring was empty/.test(log), 'the stop drained every ring');
  L.check(L.stageDeath(cfg) === '', `no stage died or was restarted ${L.stageDeath(cfg)}`);

  for (const signal of ['logs', 'metrics']) {
    const want = expected[signal](sent[signal]);
    const dropped = sent[signal].length - want.length;
    L.check(dropped > 0 && want.length > 0, `${signal}: the filter drops ${dropped} of ${sent[signal].length}`);
    const expFile = path.join(dir, `expected-${signal}.json`);
    fs.writeFileSync(expFile, JSON.stringify(want));
    const r = L.run(path.join(L.build, 'tests/e2e/bodies_check'), [signal, bodies[signal], expFile]);
    L.check(r.code === 0 && Number(r.stdout.trim()) === want.length,
      `${signal}: the backend received exactly the ${want.length} expected items, field by field` +
      (r.code ? `\n${r.stderr}` : ''));
  }
  fs.rmSync(dir, { recursive: true, force: true });
  console.log('1 passed, 0 failed');
}
main().catch((e) => L.fail(e.stack));
