// Span metrics through the whole supervised pipeline (`sluice run`): a
// traces pipeline exports to three spanmetrics connectors (cumulative with
// a dimension; delta; a cardinality limit of 3), a metrics pipeline receives
// from them and exports to sluice-sink (OTLP/HTTP, bodies kept) and to a
// prometheus exporter. Spans with test-chosen services, names, kinds,
// statuses and durations go in as OTLP/HTTP JSON; what a user relies on:
//  - every series' calls, histogram count, bucket counts and sum are exact
//    on the OTLP export and on the Prometheus endpoint, after each of two
//    sends (two flushes), and cumulative start times stay put;
//  - past the cardinality limit new series fold into one series whose only
//    attribute is otel.metric.overflow=true (nothing dropped);
//  - delta flushes add up to the spans sent, each span in one flush;
//  - a real Prometheus server (Debian's) scrapes the exporter and its HTTP
//    API returns the counts sent; `promtool check metrics` passes on the
//    exporter's endpoint and on the supervisor's /metrics;
//  - kill -9 of the process stage (which holds the aggregation) while spans
//    arrive, several times: the flushes after it count every acknowledged
//    span exactly once, and cumulative start times do not change.
// Needs prometheus and promtool (tools/deps.sh): skipped (77) without them.
'use strict';
const fs = require('fs');
const path = require('path');
const L = require('./lib');
const {
  DUR_US, send, tally, fullKey, plainKey, metricsDecoder, readFlushes, flushesOf, diff, deltaTotal,
  poll, parseProm, promSeries, promtoolCheck, promQuery,
} = require('./smlib');

let passed = 0;
function pass(name) { passed++; console.error(`--- passed: ${name}`); }
const have = (tool) => L.run('sh', ['-c', `command -v ${tool}`]).code === 0;

// ---- the test ----

function specsPhase1() {
  // checkout: 5 series (2 of them differ only in the http.method dimension:
  // 4 for the connector without it);
  // cart: 2 series. Every duration on several series.
  const s = [];
  const add = (svc, name, kind, status, method, durs) => { for (const d of durs) s.push({ svc, name, kind, status, method, us: DUR_US[d] }); };
  add('checkout', 'GET /cart', 2, 0, undefined, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 1]);
  add('checkout', 'GET /cart', 2, 0, 'POST', [2, 3, 5]);
  add('checkout', 'charge', 3, 2, undefined, [6, 7, 8, 9, 9]);
  add('checkout', 'charge', 3, 1, undefined, [0, 4]);
  add('checkout', 'GET /cart', 2, 2, undefined, [4, 8]);
  add('cart', 'load', 1, 0, undefined, [0, 0, 1, 2, 3, 4, 5, 6]);
  add('cart', 'publish', 4, 2, undefined, [8]);
  return s;
}

function specsPhase2() {
  // more of the old series, and two new checkout series: with the limit of
  // 3, the limited connector folds them (and the 4th phase 1 series) into
  // checkout's overflow series.
  const s = [];
  const add = (svc, name, kind, status, method, durs) => { for (const d of durs) s.push({ svc, name, kind, status, method, us: DUR_US[d] }); };
  add('checkout', 'GET /cart', 2, 0, undefined, [9, 8, 7]);
  add('cart', 'load', 1, 0, undefined, [1, 1, 1, 2]);
  add('checkout', 'refund', 2, 2, undefined, [3, 4, 5]);
  add('checkout', 'ship', 5, 0, undefined, [0, 9]);
  return s;
}

// The limited connector (no dimensions): the first 3 series of a service
// in arrival order keep their own series, later ones fold into the overflow.
function limitedKeyOf() {
  const seen = new Map();
  return (s) => {
    const k = plainKey(s);
    if (!seen.has(s.svc)) seen.set(s.svc, new Set());
    const set = seen.get(s.svc);
    if (set.has(k)) return k;
    if (set.size < 3) { set.add(k); return k; }
    return `overflow|${s.svc}`;
  };
}

async function main() {
  if (!have('promtool') || !fs.existsSync('/usr/bin/prometheus')) {
    console.error('e2e_spanmetrics: needs promtool and /usr/bin/prometheus (tools/deps.sh): skipped');
    process.exit(77);
  }
  const T = metricsDecoder();
  const dir = L.tmpdir('sm');
  const bodies = path.join(dir, 'bodies');
  const sink = await L.startSink(dir, ['--bodies-metrics', bodies, '--quiet']);
  const promPort = await L.freePort();
  let prom = null;
  const cfg = await L.writeConfig(dir, `connectors:
  spanmetrics:
    metrics_flush_interval: 300ms
    dimensions:
      - name: http.method
        default: GET
  spanmetrics/delta:
    namespace: sm.delta
    metrics_flush_interval: 300ms
    aggregation_temporality: AGGREGATION_TEMPORALITY_DELTA
    dimensions:
      - name: http.method
        default: GET
  spanmetrics/limit:
    namespace: sm.limit
    metrics_flush_interval: 300ms
    aggregation_cardinality_limit: 3
exporters:
  otlphttp/sink:
    endpoint: http://127.0.0.1:${sink.port}
  prometheus:
    endpoint: 127.0.0.1:${promPort}
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [spanmetrics, spanmetrics/delta, spanmetrics/limit]
    metrics:
      receivers: [spanmetrics, spanmetrics/delta, spanmetrics/limit]
      exporters: [otlphttp/sink, prometheus]`);
  // `sluice run` in the foreground, supervised
  const sl = L.start(L.bin('sluice'), ['run', '-c', cfg.file]);
  // a failure exits at once (L.fail): take what this test started with it
  process.on('exit', () => { for (const p of [sl, sink, prom]) if (p && p.exitCode === null) p.kill('SIGTERM'); });
  await L.waitFor('sluice to serve /health', async () => {
    if (sl.exitCode !== null) L.fail(`sluice run exited ${sl.exitCode}\n${sl.err()}`);
    try { return (await L.httpGet(cfg.ports.metrics, '/health')).status === 200; } catch { return false; }
  }, 30000);

  const P1 = specsPhase1();
  const P2 = specsPhase2();
  const limKey = limitedKeyOf();
  const want1 = tally(new Map(), P1, fullKey);
  const want2 = tally(tally(new Map(), P1, fullKey), P2, fullKey);
  const lim1 = tally(new Map(), P1, limKey);
  const lim2 = tally(tally(new Map(), P1, limKey), P2, limKey);
  const all = { cum: 'traces.span.metrics', delta: 'sm.delta', lim: 'sm.limit' };

  // Waits until the latest flush of prefix equals want; returns that flush.
  const latestIs = async (prefix, want, what) => {
    let last = '';
    const ok = await poll(() => {
      const f = flushesOf(readFlushes(T, bodies), prefix);
      if (!f.length) return false;
      last = diff(f[f.length - 1][1], want);
      return last === '' ? f[f.length - 1][1] : false;
    }, 30000);
    if (!ok) L.fail(`${what}: ${last}`);
    return ok;
  };

  // ---- phase 1: one request, then a flush with exactly its counts ----
  L.check(await send(cfg.ports.http, P1), `phase 1: ${P1.length} spans acknowledged`);
  const c1 = await latestIs(all.cum, want1, 'a cumulative flush with exactly the phase 1 counts');
  L.check(true, `cumulative: ${want1.size} series, calls/count/sum/every bucket exact after phase 1`);
  await latestIs(all.lim, lim1, 'a limited flush with phase 1 (3 series + overflow for checkout)');
  L.check(lim1.get('overflow|checkout').calls === 2, 'limit 3: checkout\'s 4th series went into the overflow series (otel.metric.overflow=true only)');

  // the same on the Prometheus endpoint
  const promIs = async (ns, want, what) => {
    let last = '';
    const ok = await poll(async () => {
      const r = await L.httpGet(promPort, '/metrics');
      last = diff(promSeries(parseProm(r.text), ns), want);
      return last === '' ? r.text : false;
    }, 30000);
    if (!ok) L.fail(`${what}: ${last}`);
    return ok;
  };
  await promIs('traces_span_metrics', want1, 'the prometheus exporter to serve exactly the phase 1 counts');
  L.check(true, 'prometheus endpoint: traces_span_metrics_calls_total and _duration_milliseconds_{bucket,sum,count} exact after phase 1');

  // ---- phase 2: more spans, new series; the next flushes ----
  L.check(await send(cfg.ports.http, P2), `phase 2: ${P2.length} spans acknowledged`);
  const c2 = await latestIs(all.cum, want2, 'a cumulative flush with exactly phase 1 + phase 2');
  let moved = 0;
  for (const [k, v] of c1) {
    if (c2.get(k).start !== v.start || c2.get(k).hstart !== v.hstart) L.fail(`${k}: start time changed`);
    if (v.start === '0') L.fail(`${k}: no start time`);
    moved++;
  }
  L.check(moved === want1.size, `cumulative: every phase 1 series kept its start time across flushes (${moved})`);
  await latestIs(all.lim, lim2, 'a limited flush with phase 1 + 2');
  L.check(lim2.get('overflow|checkout').calls === 7 && lim2.size === 6,
    'limit 3: new checkout series fold into the overflow series, cart\'s series are its own, nothing dropped');
  if (!await poll(() => diff(deltaTotal(flushesOf(readFlushes(T, bodies), all.delta)), want2) === '', 30000))
    L.fail(`delta: ${diff(deltaTotal(flushesOf(readFlushes(T, bodies), all.delta)), want2)}`);
  L.check(true, 'delta: the flushes add up exactly to the spans sent (each span in one flush)');
  const text = await promIs('traces_span_metrics', want2, 'the prometheus exporter to serve phase 1 + 2');
  await promIs('sm_limit', lim2, 'the prometheus exporter to serve the limited series');
  // the exporter adds delta points up when each starts where the series'
  // previous one ended (the Collector's accumulator): the connector's delta
  // start times must chain, also for series that skipped flushes
  await promIs('sm_delta', want2, 'the prometheus exporter to add the delta flushes up');
  L.check(true, 'prometheus endpoint: the delta series add up exactly (start times chain across skipped flushes)');
  L.check(/^# TYPE traces_span_metrics_calls_total counter$/m.test(text) &&
    /^# TYPE traces_span_metrics_duration_milliseconds histogram$/m.test(text) &&
    /^traces_span_metrics_duration_milliseconds_bucket\{.*le="15000".*\} \d+$/m.test(text),
    'prometheus endpoint: Collector names, counter and histogram families, le buckets');
  L.check(/otel_metric_overflow="true"/.test(text), 'prometheus endpoint: the overflow series has otel_metric_overflow="true"');

  await promtoolCheck(promPort, '/metrics', 'the prometheus exporter\'s /metrics');
  await promtoolCheck(cfg.ports.metrics, '/metrics', 'the supervisor\'s /metrics');

  // ---- a real Prometheus scrapes the exporter ----
  const pport = await L.freePort();
  const pyml = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(pyml, `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: sluice\n` +
    `    static_configs:\n      - targets: ['127.0.0.1:${promPort}']\n`);
  prom = L.start('/usr/bin/prometheus', [`--config.file=${pyml}`, `--storage.tsdb.path=${path.join(dir, 'tsdb')}`,
    `--web.listen-address=127.0.0.1:${pport}`, '--log.level=warn']);
  const total2 = P1.length + P2.length;
  const q = {
    calls: 'sum(traces_span_metrics_calls_total)',
    count: 'sum(traces_span_metrics_duration_milliseconds_count)',
    le2: 'sum(traces_span_metrics_duration_milliseconds_bucket{le="2"})',
    errors: 'sum(traces_span_metrics_calls_total{status_code="STATUS_CODE_ERROR"})',
    overflow: 'sum(sm_limit_calls_total{otel_metric_overflow="true"})',
  };
  const wantQ = {
    calls: total2,
    count: total2,
    le2: [...want2.values()].reduce((a, v) => a + v.buckets[0], 0), // le is inclusive: 0.25 and 2 ms
    errors: [...P1, ...P2].filter((s) => s.status === 2).length,
    overflow: 7,
  };
  let got = {};
  const answered = await poll(async () => {
    if (prom.exitCode !== null) L.fail(`prometheus exited ${prom.exitCode}\n${prom.err()}`);
    for (const k of Object.keys(q)) got[k] = await promQuery(pport, q[k]);
    return Object.keys(q).every((k) => got[k] === wantQ[k]);
  }, 40000);
  if (!answered) L.fail(`Prometheus answered ${JSON.stringify(got)}, want ${JSON.stringify(wantQ)}`);
  L.check(true, `a real Prometheus scraped sluice: ${JSON.stringify(got)}`);
  await L.stopProc(prom);
  pass('two flushes exact on OTLP and Prometheus, overflow, delta, Prometheus server, promtool');

  // ---- kill -9 of the process stage while spans arrive ----
  const cumBefore = flushesOf(readFlushes(T, bodies), all.cum).pop()[1];
  const acked = [...P1, ...P2];
  const extra = [];
  let refused = 0;
  const names = ['GET /cart', 'charge', 'refund', 'ship'];
  const sender = (async () => {
    for (let r = 0; r < 160; r++) {
      const specs = [];
      for (let j = 0; j < 1 + (r % 7); j++) {
        const i = r * 7 + j;
        specs.push({ svc: i % 3 ? 'checkout' : 'cart', name: names[i % 4], kind: 1 + (i % 5), status: i % 3,
          method: i % 5 === 0 ? 'PUT' : undefined, us: DUR_US[i % DUR_US.length] });
      }
      if (await send(cfg.ports.http, specs)) extra.push(...specs);
      else refused++;
      await L.sleep(10);
    }
  })();
  let kills = 0;
  for (let k = 0; k < 3; k++) {
    await L.sleep(250 + 170 * k);
    const pid = L.stagePids(cfg).process;
    if (!pid) L.fail('no process stage pid in sluice status');
    process.kill(pid, 'SIGKILL');
    kills++;
    await L.waitFor('the supervisor to restart the process stage', () => {
      const now = L.stagePids(cfg).process;
      return now && now !== pid;
    }, 30000);
  }
  await sender;
  L.check(kills === 3 && extra.length > 0, `3 kill -9 of the process stage while ${extra.length} more spans were acknowledged (${refused} requests refused)`);
  acked.push(...extra);
  const want3 = tally(new Map(), acked, fullKey);
  const c3 = await latestIs(all.cum, want3, 'a cumulative flush with every acknowledged span once');
  L.check(true, `after the kills: cumulative counts exact (${acked.length} spans, ${want3.size} series)`);
  for (const [k, v] of cumBefore) {
    if (c3.get(k).start !== v.start || c3.get(k).hstart !== v.hstart) L.fail(`${k}: start time changed across the kills`);
  }
  L.check(true, 'after the kills: cumulative start times unchanged');
  // every cumulative flush only grows (a span counted twice, then dropped
  // by a later flush, would show as a decrease or a value past the total)
  const cumAll = flushesOf(readFlushes(T, bodies), all.cum);
  for (let i = 1; i < cumAll.length; i++) {
    for (const [k, v] of cumAll[i - 1][1]) {
      const n = cumAll[i][1].get(k);
      if (n && (n.calls < v.calls || n.count < v.count)) L.fail(`${k}: cumulative calls went down between flushes`);
    }
  }
  for (const [, f] of cumAll) for (const [k, v] of f) if (v.calls > want3.get(k).calls) L.fail(`${k}: a flush counted ${v.calls} > ${want3.get(k).calls}`);
  L.check(true, `all ${cumAll.length} cumulative flushes are monotonic and never past the acknowledged total`);
  if (!await poll(() => diff(deltaTotal(flushesOf(readFlushes(T, bodies), all.delta)), want3) === '', 30000))
    L.fail(`delta after the kills: ${diff(deltaTotal(flushesOf(readFlushes(T, bodies), all.delta)), want3)}`);
  L.check(true, 'after the kills: delta flushes add up exactly (no flush lost or published twice)');
  await promIs('traces_span_metrics', want3, 'the prometheus exporter to serve every acknowledged span once');
  await promIs('sm_delta', want3, 'the prometheus exporter to add every delta flush up once');
  L.check(true, 'after the kills: the prometheus endpoint is exact too');
  pass('kill -9 of the process stage mid-window');

  L.check(await L.stopProc(sl) === 0, 'sluice run stops cleanly on SIGTERM');
  L.check(!/AddressSanitizer|LeakSanitizer|runtime error:/.test(sl.err()),
    'no sanitizer report from the supervisor or any stage');
  await L.stopProc(sink);
  // the supervisor keeps a segment holding span-metrics state after a stop
  // (cumulative series continue at the next start): this one is the test's
  const seg = `/dev/shm/sluice.${cfg.instance}`;
  L.check(fs.existsSync(seg), 'the segment with the span-metrics state outlives the stop');
  fs.rmSync(seg, { force: true });
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(`${passed} passed, 0 failed`);
}
main().catch((e) => L.fail(e.stack));
