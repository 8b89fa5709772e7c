// Interop client for the ingest stage: sends deterministic spans through the
// official OpenTelemetry JS SDK exporters and writes what it sent as JSON.
//
//   node ingest_interop.js PROTOCOL PORT COUNT SEED OUT.json [gzip]
//     PROTOCOL: grpc | proto | json   (OTLP/gRPC, OTLP/HTTP protobuf, OTLP/HTTP JSON)
//   TLS: SLUICE_TLS_CA=ca.pem (https:// and a gRPC channel trusting it);
//        SLUICE_TLS_CERT / SLUICE_TLS_KEY add a client certificate (mTLS).
//
// Spans are created with the SDK tracer (two providers with different
// resources, two scopes each), captured by an in-memory exporter, then handed
// to the real exporter in batches so every export's result is checked. Every
// AnyValue kind appears: string, bool, int, double, bytes, array, kvlist.
// OUT.json lists each exported span exactly as given to the exporter, with
// typed values, so a C consumer can compare the ring contents field by field.
// Exit 0 only if every export call reported success.
'use strict';
const api = require('@opentelemetry/api');
const { BasicTracerProvider, SimpleSpanProcessor, InMemorySpanExporter } =
  require('@opentelemetry/sdk-trace-base');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { TraceState } = require('@opentelemetry/core');
const fs = require('fs');

const [proto, port, countArg, seedArg, outPath, comp] = process.argv.slice(2);
if (!proto || !port || !countArg || !seedArg || !outPath) {
  console.error('usage: ingest_interop.js grpc|proto|json PORT COUNT SEED OUT.json [gzip]');
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
const idGenerator = { generateTraceId: () => hex(16), generateSpanId: () => hex(8) };

const tls = process.env.SLUICE_TLS_CA ? {
  ca: fs.readFileSync(process.env.SLUICE_TLS_CA),
  cert: process.env.SLUICE_TLS_CERT ? fs.readFileSync(process.env.SLUICE_TLS_CERT) : undefined,
  key: process.env.SLUICE_TLS_KEY ? fs.readFileSync(process.env.SLUICE_TLS_KEY) : undefined,
} : null;
const scheme = tls ? 'https' : 'http';

function makeExporter() {
  const opts = { timeoutMillis: 20000 };
  if (comp === 'gzip') opts.compression = 'gzip';
  if (proto === 'grpc') {
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');
    if (tls) {
      const grpc = require('@grpc/grpc-js');
      opts.credentials = grpc.credentials.createSsl(tls.ca, tls.key || null, tls.cert || null);
    }
    return new OTLPTraceExporter({ ...opts, url: `${scheme}://127.0.0.1:${port}` });
  }
  if (tls) opts.httpAgentOptions = { ca: tls.ca, cert: tls.cert, key: tls.key };
  if (proto === 'proto') {
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
    return new OTLPTraceExporter({ ...opts, url: `${scheme}://127.0.0.1:${port}/v1/traces` });
  }
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
  return new OTLPTraceExporter({ ...opts, url: `${scheme}://127.0.0.1:${port}/v1/traces` });
}

const memory = new InMemorySpanExporter();
function provider(name, extra) {
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': name, ...extra }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
    idGenerator,
    spanLimits: { attributeCountLimit: 256, eventCountLimit: 256, linkCountLimit: 256 },
  });
}
const providers = [
  provider('interop-a', { 'res.int': 7, 'res.bool': true, 'res.double': 0.25 }),
  provider('interop-b', { 'res.list': ['x', 'y'] }),
];
const tracers = [
  providers[0].getTracer('scope-one', '1.0.0'), providers[0].getTracer('scope-two'),
  providers[1].getTracer('scope-one', '2.1'), providers[1].getTracer('scope-three', '0.0.1'),
];

const words = ['alpha', 'beta', 'gamma', 'delta', 'ünïcødé ✓', 'quote"back\\slash', 'tab\tnl\n', ''];
function word() { return words[(rand() * words.length) | 0]; }
function int() { return Math.floor((rand() - 0.5) * 2 ** 52); }
function dbl() { return (rand() - 0.5) * 1e6 + 0.5; } // never an integer
const kinds = [api.SpanKind.INTERNAL, api.SpanKind.SERVER, api.SpanKind.CLIENT,
  api.SpanKind.PRODUCER, api.SpanKind.CONSUMER];
const base = 1764000000;

for (let i = 0; i < COUNT; i++) {
  const tracer = tracers[i % tracers.length];
  const parentCtx = {
    traceId: hex(16), spanId: hex(8), traceFlags: 1, isRemote: i % 2 === 0,
    traceState: i % 4 === 1 ? new TraceState(`vendor=v${i},other=x`) : undefined,
  };
  const ctx = i % 5 === 0 ? api.ROOT_CONTEXT : api.trace.setSpanContext(api.ROOT_CONTEXT, parentCtx);
  const links = [];
  for (let l = 0; l < i % 3; l++) {
    links.push({
      context: { traceId: hex(16), spanId: hex(8), traceFlags: 1, isRemote: l === 0 },
      attributes: { 'link.n': l, 'link.s': word() },
    });
  }
  const start = [base + i, (i * 7919) % 1e9];
  const span = tracer.startSpan(`op-${i}-${word()}`, {
    kind: kinds[i % kinds.length], startTime: start, links,
    attributes: {
      'a.str': word(), 'a.bool': rand() < 0.5, 'a.int': int(), 'a.double': dbl(),
      'a.strs': [word(), word()], 'a.bools': [true, false], 'a.ints': [int(), 0, -1],
      'a.doubles': [dbl(), dbl()], 'a.index': i,
    },
  }, ctx);
  for (let e = 0; e < i % 4; e++) {
    span.addEvent(`ev-${e}`, { 'ev.int': int(), 'ev.str': word() }, [base + i, e * 1000 + 1]);
  }
  if (i % 3 === 1) span.setStatus({ code: api.SpanStatusCode.ERROR, message: `bad ${word()}` });
  else if (i % 3 === 2) span.setStatus({ code: api.SpanStatusCode.OK });
  span.end([base + i + 1, (i * 31) % 1e9]);
}
const spans = memory.getFinishedSpans();
// The SDK's attribute sanitizer only admits primitives and arrays; the OTLP
// transformer also encodes bytes and maps, so add those after the fact.
for (let i = 0; i < spans.length; i += 2) {
  spans[i].attributes['a.bytes'] = Uint8Array.from([0, 1, 2, 254, 255, i & 0xff]);
  spans[i].attributes['a.map'] = { k1: 'v', k2: i, k3: { deep: [true, 1.5] } };
}

// Typed rendering, the same rules as the OTLP transformer uses.
function typed(v) {
  if (typeof v === 'string') return { s: v };
  if (typeof v === 'boolean') return { b: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { i: String(v) } : { d: v };
  if (v instanceof Uint8Array) return { bytes: Buffer.from(v).toString('hex') };
  if (Array.isArray(v)) return { arr: v.map(typed) };
  if (typeof v === 'object' && v !== null) return { kv: attrs(v) };
  return {};
}
function attrs(o) { return Object.keys(o || {}).map((k) => [k, typed(o[k])]); }
function ns(hr) { return (BigInt(hr[0]) * 1000000000n + BigInt(hr[1])).toString(); }
function flags(tf, remote) { return (tf & 0xff) | 0x100 | (remote ? 0x200 : 0); }
const sent = spans.map((s) => ({
  traceId: s.spanContext().traceId, spanId: s.spanContext().spanId,
  parentSpanId: s.parentSpanContext ? s.parentSpanContext.spanId : '',
  traceState: s.spanContext().traceState ? s.spanContext().traceState.serialize() : '',
  flags: flags(s.spanContext().traceFlags, s.parentSpanContext && s.parentSpanContext.isRemote),
  name: s.name, kind: s.kind + 1, start: ns(s.startTime), end: ns(s.endTime),
  attributes: attrs(s.attributes),
  events: s.events.map((e) => ({ name: e.name, time: ns(e.time), attributes: attrs(e.attributes) })),
  links: s.links.map((l) => ({
    traceId: l.context.traceId, spanId: l.context.spanId,
    flags: flags(l.context.traceFlags, l.context.isRemote), attributes: attrs(l.attributes),
  })),
  status: { code: s.status.code, message: s.status.message || '' },
  resource: attrs(s.resource.attributes),
  scope: { name: s.instrumentationScope.name, version: s.instrumentationScope.version || '' },
}));

async function main() {
  const exporter = makeExporter();
  const batch = 250;
  let failed = 0;
  for (let i = 0; i < spans.length; i += batch) {
    const part = spans.slice(i, i + batch);
    const r = await new Promise((resolve) => exporter.export(part, resolve));
    if (r.code !== 0) {
      failed++;
      console.error(`export ${i / batch} failed: ${r.error}`);
    }
  }
  await exporter.shutdown();
  fs.writeFileSync(outPath, JSON.stringify(sent));
  console.error(`sent ${spans.length} spans over ${proto}${comp ? '+' + comp : ''}${tls ? '+tls' : ''}, ${failed} failed exports`);
  process.exit(failed ? 1 : 0);
}
main().catch((e) => { console.error(e); process.exit(1); });
