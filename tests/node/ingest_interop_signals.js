// Interop client for the ingest stage, logs and metrics: sends deterministic
// log records and metric data points through the official OpenTelemetry JS
// SDK exporters and writes what it sent, one canonical line an item.
//
//   node ingest_interop_signals.js logs|metrics grpc|proto|json PORT COUNT SEED OUT.json [gzip]
//     grpc | proto | json: OTLP/gRPC, OTLP/HTTP protobuf, OTLP/HTTP JSON
//   TLS: SLUICE_TLS_CA=ca.pem (https:// and a gRPC channel trusting it);
//        SLUICE_TLS_CERT / SLUICE_TLS_KEY add a client certificate (mTLS).
//
// Logs: records from the SDK's LoggerProvider (two resources, three scopes
// with versions and schema URLs), every severity, bodies of every AnyValue
// kind (string, int, double, bool, bytes, array, map, none), attributes of
// every kind, timestamps to the nanosecond, trace context on most, event
// names on some; captured in memory, then handed to the real exporter in
// batches so each export's result is checked.
// Metrics: a MeterProvider per resource (one cumulative, one delta) with an
// int counter, a double up-down counter, explicit-bucket and exponential
// histograms and int and double observable gauges, collected in rounds by
// a MetricReader; each round's ResourceMetrics goes to the real exporter.
//
// OUT.json: an array of strings, one per log record or data point, in the
// canonical form that tests/producer/ingest_check_signals.c renders from
// the ring's records (every field of the item, its scope and resource;
// doubles as their IEEE-754 bits, so the comparison is exact).
// Exit 0 only if every export call reported success.
'use strict';
const api = require('@opentelemetry/api');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const fs = require('fs');

const [signal, proto, port, countArg, seedArg, outPath, comp] = process.argv.slice(2);
if (!['logs', 'metrics'].includes(signal) || !['grpc', 'proto', 'json'].includes(proto) ||
    !port || !countArg || !seedArg || !outPath) {
  console.error('usage: ingest_interop_signals.js logs|metrics grpc|proto|json PORT COUNT SEED OUT.json [gzip]');
  process.exit(2);
}
const COUNT = parseInt(countArg, 10);
let rng = parseInt(seedArg, 10) >>> 0;
function rand() { // mulberry32: deterministic from the seed
  rng = (rng + 0x6D2B79F5) >>> 0;
  let t = rng;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function hex(n) {
  let s = '';
  for (let i = 0; i < n; i++) s += ((rand() * 256) | 0).toString(16).padStart(2, '0');
  return s === '0'.repeat(2 * n) ? '01' + s.slice(2) : s;
}
const words = ['alpha', 'beta', 'gamma', 'delta', 'ünïcødé ✓', 'quote"back\\slash', 'tab\tnl\n', '', 'ctl\u0001'];
function word() { return words[(rand() * words.length) | 0]; }
function int() { return Math.floor((rand() - 0.5) * 2 ** 52); }
function dbl() { return (rand() - 0.5) * 1e6 + 0.5; } // never an integer

// ---- exporters (plain or TLS) ----
const tls = process.env.SLUICE_TLS_CA ? {
  ca: fs.readFileSync(process.env.SLUICE_TLS_CA),
  cert: process.env.SLUICE_TLS_CERT ? fs.readFileSync(process.env.SLUICE_TLS_CERT) : undefined,
  key: process.env.SLUICE_TLS_KEY ? fs.readFileSync(process.env.SLUICE_TLS_KEY) : undefined,
} : null;
function exporterOptions() {
  const scheme = tls ? 'https' : 'http';
  const opts = { timeoutMillis: 20000 };
  if (comp === 'gzip') opts.compression = 'gzip';
  if (proto === 'grpc') {
    opts.url = `${scheme}://127.0.0.1:${port}`;
    if (tls) {
      const grpc = require('@grpc/grpc-js');
      opts.credentials = grpc.credentials.createSsl(tls.ca, tls.key || null, tls.cert || null);
    }
  } else {
    opts.url = `${scheme}://127.0.0.1:${port}/v1/${signal}`;
    if (tls) opts.httpAgentOptions = { ca: tls.ca, cert: tls.cert, key: tls.key };
  }
  return opts;
}
function makeExporter() {
  const pkg = { grpc: 'grpc', proto: 'proto', json: 'http' }[proto];
  if (signal === 'logs') {
    const { OTLPLogExporter } = require(`@opentelemetry/exporter-logs-otlp-${pkg}`);
    return new OTLPLogExporter(exporterOptions());
  }
  const { OTLPMetricExporter } = require(`@opentelemetry/exporter-metrics-otlp-${pkg}`);
  return new OTLPMetricExporter(exporterOptions());
}

// ---- canonical rendering (the C checker renders the same from protobuf) ----
const js = JSON.stringify;
function dbits(v) { const b = Buffer.alloc(8); b.writeDoubleBE(v); return b.toString('hex'); }
function val(v) {
  if (v === undefined || v === null) return '-';
  if (typeof v === 'string') return 's:' + js(v);
  if (typeof v === 'boolean') return 'b:' + v;
  if (typeof v === 'number') return Number.isInteger(v) ? 'i:' + v : 'd:' + dbits(v);
  if (v instanceof Uint8Array) return 'x:' + Buffer.from(v).toString('hex');
  if (Array.isArray(v)) return 'a[' + v.map(val).join(',') + ']';
  if (typeof v === 'object') return 'm' + attrs(v);
  return '-';
}
function attrs(o) { return '{' + Object.keys(o || {}).map((k) => js(k) + '=' + val(o[k])).join(',') + '}'; }
function ns(hr) { return (BigInt(hr[0]) * 1000000000n + BigInt(hr[1])).toString(); }
function res(r) { return 'res=' + attrs(r.attributes) + '@' + js(r.schemaUrl || ''); }
function scope(s) { return 'scope=' + js(s.name) + '/' + js(s.version || '') + '/' + js(s.schemaUrl || ''); }

// ---- logs ----
async function makeLogs() {
  const { LoggerProvider, SimpleLogRecordProcessor, InMemoryLogRecordExporter } = require('@opentelemetry/sdk-logs');
  const memory = new InMemoryLogRecordExporter();
  const provider = (name, extra) => new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': name, ...extra }),
    processors: [new SimpleLogRecordProcessor({ exporter: memory })],
    logRecordLimits: { attributeCountLimit: 256 },
  });
  const providers = [provider('interop-logs-a', { 'res.int': 7, 'res.double': 0.25 }),
    provider('interop-logs-b', { 'res.list': ['x', 'y'], 'res.bool': true })];
  const loggers = [
    providers[0].getLogger('scope-one', '1.0.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.21.0' }),
    providers[0].getLogger('scope-two'),
    providers[1].getLogger('scope-three', '0.0.1'),
  ];
  const bodies = [() => `line ${word()} ${int()}`, () => int(), () => dbl(), () => rand() < 0.5,
    () => Uint8Array.from([0, 1, 254, 255, (rand() * 256) | 0]), () => [word(), int(), dbl(), [true]],
    () => ({ msg: word(), code: int(), nested: { ok: false, ratio: dbl() } }), () => undefined];
  const base = 1764000000;
  for (let i = 0; i < COUNT; i++) {
    const sc = { traceId: hex(16), spanId: hex(8), traceFlags: i % 2 };
    const ctx = i % 5 === 0 ? api.ROOT_CONTEXT : api.trace.setSpanContext(api.ROOT_CONTEXT, sc);
    const sev = 1 + (i % 24);
    loggers[i % loggers.length].emit({
      timestamp: [base + i, (i * 7919) % 1e9], observedTimestamp: [base + i, (i * 7919 + 17) % 1e9],
      severityNumber: i % 13 === 0 ? undefined : sev,
      severityText: i % 7 === 0 ? undefined : ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'][(sev - 1) >> 2],
      body: bodies[i % bodies.length](),
      eventName: i % 6 === 0 ? `event.${i % 4}` : undefined,
      attributes: {
        'a.str': word(), 'a.bool': rand() < 0.5, 'a.int': int(), 'a.double': dbl(),
        'a.strs': [word(), word()], 'a.ints': [int(), 0, -1], 'a.index': i,
        ...(i % 3 === 0 ? { 'a.bytes': Uint8Array.from([i & 0xff, 0, 7]), 'a.map': { k: word(), n: { d: [1.5, 'z'] } } } : {}),
      },
      context: ctx,
    });
  }
  // The processor hands each record to the exporter in a promise: let them run.
  await new Promise((resolve) => setImmediate(resolve));
  const records = memory.getFinishedLogRecords();
  if (records.length !== COUNT) throw new Error(`captured ${records.length} of ${COUNT} log records`);
  const lines = records.map((r) => [
    res(r.resource), scope(r.instrumentationScope), 'time=' + ns(r.hrTime), 'obs=' + ns(r.hrTimeObserved),
    'sev=' + (r.severityNumber || 0) + '/' + js(r.severityText || ''), 'body=' + val(r.body),
    'attrs=' + attrs(r.attributes), 'dropped=' + (r.droppedAttributesCount || 0),
    'trace=' + (r.spanContext ? r.spanContext.traceId : ''), 'span=' + (r.spanContext ? r.spanContext.spanId : ''),
    'flags=' + (r.spanContext ? r.spanContext.traceFlags : 0), 'event=' + js(r.eventName || ''),
  ].join(' '));
  const batches = [];
  for (let i = 0; i < records.length; i += 200) batches.push(records.slice(i, i + 200));
  return { batches, lines };
}

// ---- metrics ----
async function makeMetrics() {
  const sdk = require('@opentelemetry/sdk-metrics');
  const { MeterProvider, MetricReader, AggregationType, AggregationTemporality, DataPointType } = sdk;
  class Reader extends MetricReader {
    constructor(temporality) { super({ aggregationTemporalitySelector: () => temporality }); }
    async onForceFlush() {}
    async onShutdown() {}
  }
  const views = [{ instrumentName: 'exp.*', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }];
  const setups = [
    { name: 'interop-metrics-a', temporality: AggregationTemporality.CUMULATIVE, extra: { 'res.int': 3 } },
    { name: 'interop-metrics-b', temporality: AggregationTemporality.DELTA, extra: { 'res.double': 1.5 } },
  ].map((s) => {
    const reader = new Reader(s.temporality);
    const mp = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': s.name, ...s.extra }),
      readers: [reader], views });
    return { reader, mp, meters: [mp.getMeter('meter-one', '1.2.3', { schemaUrl: 'https://opentelemetry.io/schemas/1.24.0' }),
      mp.getMeter('meter-two')] };
  });
  const gaugeValues = new Map();
  for (const [k, s] of setups.entries()) {
    const [m1, m2] = s.meters;
    s.counter = m1.createCounter('requests', { description: 'Requests served', unit: '{request}', valueType: api.ValueType.INT });
    s.updown = m1.createUpDownCounter('queue.depth', { description: 'Items queued', unit: '1' });
    s.hist = m2.createHistogram('latency', { description: 'Request latency', unit: 'ms',
      advice: { explicitBucketBoundaries: [0, 5, 10, 25, 50, 100, 250] } });
    s.exp = m2.createHistogram('exp.size', { description: 'Payload size', unit: 'By' });
    const g1 = m1.createObservableGauge('temperature', { description: 'Degrees', unit: 'Cel' });
    const g2 = m2.createObservableGauge('threads', { valueType: api.ValueType.INT });
    g1.addCallback((r) => { for (const [a, v] of gaugeValues.get(k) || []) r.observe(v.d, a); });
    g2.addCallback((r) => { for (const [a, v] of gaugeValues.get(k) || []) r.observe(v.i, a); });
  }
  const batches = [];
  const lines = [];
  let points = 0;
  for (let round = 0; points < COUNT && round < 1000; round++) {
    for (const [k, s] of setups.entries()) {
      const sets = [];
      for (let j = 0; j < 4; j++) {
        // setup a (cumulative) keeps its attribute sets, b (delta) has new ones each round
        const a = { 'http.route': `/r/${k === 0 ? j : round * 4 + j}`, 'ok': j % 2 === 0, 'code': 200 + j, 'w': words[j] };
        sets.push(a);
        s.counter.add(1 + ((rand() * 100) | 0), a);
        s.updown.add(dbl() / 1000, a);
        for (let v = 0; v < 5; v++) {
          s.hist.record(rand() * 300, a);
          s.exp.record(1 + rand() * 1e5, a);
        }
      }
      gaugeValues.set(k, sets.map((a) => [a, { d: dbl(), i: int() }]));
      const { resourceMetrics, errors } = await s.reader.collect();
      if (errors.length) throw errors[0];
      batches.push(resourceMetrics);
      for (const sm of resourceMetrics.scopeMetrics) {
        for (const md of sm.metrics) {
          const d = md.descriptor;
          const type = { [DataPointType.SUM]: 'sum', [DataPointType.GAUGE]: 'gauge',
            [DataPointType.HISTOGRAM]: 'histogram', [DataPointType.EXPONENTIAL_HISTOGRAM]: 'exphist' }[md.dataPointType];
          const temp = type === 'gauge' ? 0 : md.aggregationTemporality + 1;
          const mono = type === 'sum' && md.isMonotonic ? 1 : 0;
          for (const p of md.dataPoints) {
            let value;
            const opt = (x) => (x === undefined ? '-' : dbits(x));
            if (type === 'sum' || type === 'gauge') {
              value = d.valueType === api.ValueType.INT ? 'i:' + p.value : 'd:' + dbits(p.value);
            } else if (type === 'histogram') {
              const h = p.value;
              value = `count=${h.count} sum=${opt(h.sum)} min=${opt(h.min)} max=${opt(h.max)} ` +
                `bounds=[${h.buckets.boundaries.map(dbits).join(',')}] counts=[${h.buckets.counts.join(',')}]`;
            } else {
              const h = p.value;
              value = `count=${h.count} sum=${opt(h.sum)} min=${opt(h.min)} max=${opt(h.max)} scale=${h.scale} ` +
                `zero=${h.zeroCount} pos=${h.positive.offset}:[${h.positive.bucketCounts.join(',')}] ` +
                `neg=${h.negative.offset}:[${h.negative.bucketCounts.join(',')}]`;
            }
            lines.push([res(resourceMetrics.resource), scope(sm.scope), 'metric=' + js(d.name),
              'desc=' + js(d.description || ''), 'unit=' + js(d.unit || ''), 'type=' + type, 'temp=' + temp,
              'mono=' + mono, 'attrs=' + attrs(p.attributes), 'start=' + ns(p.startTime), 'time=' + ns(p.endTime),
              value].join(' '));
            points++;
          }
        }
      }
    }
  }
  return { batches, lines };
}

async function main() {
  const { batches, lines } = signal === 'logs' ? await makeLogs() : await makeMetrics();
  const exporter = makeExporter();
  let failed = 0;
  for (const [i, b] of batches.entries()) {
    const r = await new Promise((resolve) => exporter.export(b, resolve));
    if (r.code !== 0) {
      failed++;
      console.error(`export ${i} failed: ${r.error}`);
    }
  }
  await exporter.shutdown();
  fs.writeFileSync(outPath, JSON.stringify(lines));
  console.error(`sent ${lines.length} ${signal === 'logs' ? 'log records' : 'data points'} in ${batches.length} ` +
    `exports over ${proto}${comp ? '+' + comp : ''}${tls ? '+tls' : ''}, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
main().catch((e) => { console.error(e); process.exit(1); });
