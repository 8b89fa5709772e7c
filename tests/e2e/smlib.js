// Helpers of e2e_spanmetrics.js: spans with chosen durations sent as
// OTLP/HTTP JSON, what they should give (per series: calls, sum, explicit
// buckets), the spanmetrics flushes read back from sluice-sink's
// --bodies-metrics (protobufjs on the repository's .proto files), and the
// prometheus exporter's text parsed into the same shape.
'use strict';
const fs = require('fs');
const path = require('path');
const L = require('./lib');

const pb = require(path.join(L.source, 'tests/node/node_modules/protobufjs'));

const BOUNDS = [2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10000, 15000];
const KIND = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUS = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];
// Durations in microseconds, multiples of 250 so every ms value and every
// sum of them is exact in binary floating point; on bucket bounds (2 ms,
// 100 ms, 15 s: le is inclusive), between them and past the last one.
const DUR_US = [250, 2000, 2250, 7500, 49750, 100000, 999750, 1400000, 15000000, 20000000];

// ---- sending spans (OTLP/HTTP JSON) ----

let nextId = 1;
const hex = (n, w) => n.toString(16).padStart(w, '0');

// specs: [{svc, name, kind, status, method?, us}] -> an ExportTraceServiceRequest in JSON
function traceRequest(specs) {
  const bySvc = new Map();
  for (const s of specs) {
    if (!bySvc.has(s.svc)) bySvc.set(s.svc, []);
    const id = nextId++;
    const start = 1700000000000000000n + BigInt(id) * 1000000n;
    const span = {
      traceId: hex(id, 32), spanId: hex(id, 16), name: s.name, kind: s.kind,
      startTimeUnixNano: String(start), endTimeUnixNano: String(start + BigInt(s.us) * 1000n),
      attributes: s.method ? [{ key: 'http.method', value: { stringValue: s.method } }] : [],
      status: { code: s.status },
    };
    bySvc.get(s.svc).push(span);
  }
  return {
    resourceSpans: [...bySvc].map(([svc, spans]) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: svc } }] },
      scopeSpans: [{ scope: { name: 'e2e' }, spans }],
    })),
  };
}

// POST one request; true when acknowledged (200), false when refused (4xx/5xx).
async function send(port, specs) {
  const res = await fetch(`http://127.0.0.1:${port}/v1/traces`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(traceRequest(specs)),
  });
  await res.text();
  return res.status === 200;
}

// ---- what the spans should give ----

const seriesKey = (svc, name, kind, status, method) => `${svc}|${name}|${kind}|${status}|${method || ''}`;

function bucketOf(ms) {
  let i = 0;
  while (i < BOUNDS.length && ms > BOUNDS[i]) i++;
  return i;
}

// Adds specs into tally (Map key -> {calls, sum, buckets}); keyOf maps a spec
// to its series key (or null: not counted).
function tally(t, specs, keyOf) {
  for (const s of specs) {
    const k = keyOf(s);
    if (!t.has(k)) t.set(k, { calls: 0, sum: 0, buckets: new Array(BOUNDS.length + 1).fill(0) });
    const v = t.get(k);
    const ms = s.us / 1000;
    v.calls++;
    v.sum += ms;
    v.buckets[bucketOf(ms)]++;
  }
  return t;
}
const fullKey = (s) => seriesKey(s.svc, s.name, KIND[s.kind], STATUS[s.status], s.method || 'GET');
const plainKey = (s) => seriesKey(s.svc, s.name, KIND[s.kind], STATUS[s.status]);

// ---- reading what the backend got ----

function metricsDecoder() {
  const root = new pb.Root();
  root.resolvePath = (origin, target) => path.join(L.source, 'otlp/proto', target);
  root.loadSync('opentelemetry/proto/collector/metrics/v1/metrics_service.proto');
  return root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest');
}

function attrValue(v) {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return String(v.boolValue);
  if (v.intValue !== undefined) return String(v.intValue);
  return JSON.stringify(v);
}

// The complete bodies in sluice-sink's --bodies-metrics file (the sink may
// be writing the last one while the test reads).
function bodiesSoFar(file) {
  const out = [];
  const b = fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0);
  for (let off = 0; off + 4 <= b.length;) {
    const n = b.readUInt32BE(off);
    if (off + 4 + n > b.length) break;
    out.push(b.subarray(off + 4, off + 4 + n));
    off += 4 + n;
  }
  return out;
}

// Every flush in the bodies: Map metric prefix ("traces.span.metrics", ...) ->
// Map flush time (string) -> Map series key -> {calls, count, sum, buckets,
// start, attrs, temporality}. A series key is the data point's attributes
// (service.name|span.name|span.kind|status.code|http.method, or "overflow").
function readFlushes(T, file) {
  const out = new Map();
  for (const body of bodiesSoFar(file)) {
    const req = T.toObject(T.decode(body), { longs: String, defaults: true, arrays: true });
    for (const rm of req.resourceMetrics) {
      const res = Object.fromEntries(rm.resource.attributes.map((a) => [a.key, attrValue(a.value)]));
      for (const sm of rm.scopeMetrics) {
        if (sm.scope.name !== 'spanmetricsconnector') L.fail(`scope name ${sm.scope.name}`);
        for (const m of sm.metrics) {
          const dot = m.name.lastIndexOf('.');
          const prefix = m.name.slice(0, dot);
          const what = m.name.slice(dot + 1);
          if (!out.has(prefix)) out.set(prefix, new Map());
          const points = what === 'calls' ? m.sum.dataPoints : m.histogram.dataPoints;
          const temporality = what === 'calls' ? m.sum.aggregationTemporality : m.histogram.aggregationTemporality;
          if (what === 'calls' && !m.sum.isMonotonic) L.fail(`${m.name} is not monotonic`);
          if (what === 'duration' && m.unit !== 'ms') L.fail(`${m.name} unit ${m.unit}`);
          for (const dp of points) {
            const a = Object.fromEntries(dp.attributes.map((x) => [x.key, attrValue(x.value)]));
            const key = a['otel.metric.overflow'] !== undefined
              ? (Object.keys(a).length === 1 && a['otel.metric.overflow'] === 'true' ? `overflow|${res['service.name']}` : `bad overflow ${JSON.stringify(a)}`)
              : seriesKey(a['service.name'], a['span.name'], a['span.kind'], a['status.code'], a['http.method']);
            if (a['service.name'] !== undefined && a['service.name'] !== res['service.name'])
              L.fail(`series ${key} under resource ${res['service.name']}`);
            const byTime = out.get(prefix);
            if (!byTime.has(dp.timeUnixNano)) byTime.set(dp.timeUnixNano, new Map());
            const flush = byTime.get(dp.timeUnixNano);
            if (!flush.has(key)) flush.set(key, { temporality });
            const v = flush.get(key);
            if (what === 'calls') {
              v.calls = Number(dp.asInt);
              v.start = dp.startTimeUnixNano;
            } else {
              if (dp.explicitBounds.join() !== BOUNDS.join()) L.fail(`bounds ${dp.explicitBounds}`);
              v.count = Number(dp.count);
              v.sum = dp.sum;
              v.buckets = dp.bucketCounts.map(Number);
              v.hstart = dp.startTimeUnixNano;
            }
          }
        }
      }
    }
  }
  return out;
}

// Flushes of one prefix in time order: [[time, Map], ...].
function flushesOf(all, prefix) {
  const m = all.get(prefix) || new Map();
  return [...m].sort((a, b) => (BigInt(a[0]) < BigInt(b[0]) ? -1 : 1));
}

// Differences between a flush's series and the expected tally ('' if none).
function diff(flush, want) {
  const errs = [];
  for (const [k, w] of want) {
    const g = flush.get(k);
    if (!g) { errs.push(`${k}: missing`); continue; }
    if (g.calls !== w.calls) errs.push(`${k}: calls ${g.calls} want ${w.calls}`);
    if (g.count !== w.calls) errs.push(`${k}: count ${g.count} want ${w.calls}`);
    if (g.sum !== w.sum) errs.push(`${k}: sum ${g.sum} want ${w.sum}`);
    if ((g.buckets || []).join() !== w.buckets.join()) errs.push(`${k}: buckets ${g.buckets} want ${w.buckets}`);
  }
  for (const k of flush.keys()) if (!want.has(k)) errs.push(`${k}: not expected`);
  return errs.join('; ');
}

function addTallies(a, b) {
  const t = new Map();
  for (const src of [a, b]) {
    for (const [k, v] of src) {
      if (!t.has(k)) t.set(k, { calls: 0, sum: 0, buckets: new Array(BOUNDS.length + 1).fill(0) });
      const x = t.get(k);
      x.calls += v.calls;
      x.sum += v.sum;
      v.buckets.forEach((n, i) => { x.buckets[i] += n; });
    }
  }
  return t;
}

// Sum of every delta flush of a prefix, as a tally (a flush's series values
// are what came in since the previous flush).
function deltaTotal(flushes) {
  let t = new Map();
  for (const [, f] of flushes) {
    const one = new Map();
    for (const [k, v] of f) {
      if (v.temporality !== 1) L.fail(`delta series ${k} has temporality ${v.temporality}`);
      if (v.calls !== v.count) L.fail(`delta series ${k}: calls ${v.calls} count ${v.count}`);
      one.set(k, { calls: v.calls, sum: v.sum, buckets: v.buckets });
    }
    t = addTallies(t, one);
  }
  for (const v of t.values()) v.count = v.calls; // each flush's count was its calls
  return t;
}

// fn's first truthy value within ms (polled every 50 ms), or null.
async function poll(fn, ms) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > end) return v || null;
    await L.sleep(50);
  }
}

// ---- the Prometheus side ----

function promUnescape(s) { return s.replace(/\\(.)/g, (m, c) => (c === 'n' ? '\n' : c)); }

// Prometheus text: [{name, labels: {..}, value}]
function parseProm(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m) L.fail(`prometheus line: ${line}`);
    const labels = {};
    if (m[3]) for (const l of m[3].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = promUnescape(l[2]);
    out.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return out;
}

// The exporter's series of one namespace prefix as a Map key -> {calls, count, sum, buckets}
// (buckets de-cumulated from le).
function promSeries(samples, ns) {
  const out = new Map();
  const get = (l) => {
    const key = l.otel_metric_overflow === 'true' ? `overflow|${l.job}`
      : seriesKey(l.service_name, l.span_name, l.span_kind, l.status_code, l.http_method);
    if (!out.has(key)) out.set(key, { calls: undefined, count: undefined, sum: undefined, cum: new Map() });
    return out.get(key);
  };
  for (const s of samples) {
    if (s.name === `${ns}_calls_total`) get(s.labels).calls = s.value;
    else if (s.name === `${ns}_duration_milliseconds_count`) get(s.labels).count = s.value;
    else if (s.name === `${ns}_duration_milliseconds_sum`) get(s.labels).sum = s.value;
    else if (s.name === `${ns}_duration_milliseconds_bucket`) get(s.labels).cum.set(s.labels.le, s.value);
  }
  for (const v of out.values()) {
    const les = [...BOUNDS.map(String), '+Inf'];
    if (v.cum.size !== les.length || !les.every((le) => v.cum.has(le))) { v.buckets = [`le set ${[...v.cum.keys()]}`]; continue; }
    v.buckets = les.map((le, i) => v.cum.get(le) - (i ? v.cum.get(les[i - 1]) : 0));
    if (v.cum.get('+Inf') !== v.count) v.buckets.push('+Inf != count');
  }
  return out;
}

// `promtool check metrics` on GET port/p. Its only complaint allowed is the
// base-unit lint on the spanmetrics duration families in milliseconds (the
// Collector's name, which the issue asks for: *_duration_milliseconds), one
// line a family; anything else (a parse error, another lint) fails.
async function promtoolCheck(port, p, what) {
  const res = await L.httpGet(port, p);
  const r = L.run('promtool', ['check', 'metrics'], { input: res.text });
  const lines = `${r.stdout}${r.stderr}`.split('\n').filter(Boolean);
  const msLint = /^[a-z_]+_duration_milliseconds use base unit "seconds" instead of "milliseconds"$/;
  const ok = res.status === 200 && (r.code === 0 || (lines.length > 0 && lines.every((l) => msLint.test(l))));
  L.check(ok, `promtool check metrics passes on ${what}` +
    (r.code ? ` (only the milliseconds base-unit lint: ${lines.length} famil${lines.length === 1 ? 'y' : 'ies'})` : '') +
    (ok ? '' : `\n${lines.join('\n')}`));
}

async function promQuery(port, q) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`);
    const j = await res.json();
    if (j.status !== 'success' || !j.data.result.length) return null;
    return Number(j.data.result[0].value[1]);
  } catch {
    return null;
  }
}

module.exports = {
  BOUNDS, KIND, STATUS, DUR_US, send, seriesKey, tally, fullKey, plainKey, metricsDecoder, readFlushes,
  flushesOf, diff, deltaTotal, poll, parseProm, promSeries, promtoolCheck, promQuery,
};
