// Partition, fan-out and merge through the supervised pipeline, checked item
// by item with sluice-gen's ids (--ack-log) and sluice-sink's digests.
//  routing: spans and log records of three services (resource service.name)
//           go through routing connectors to two backends: svc-a's to A,
//           svc-b's to B, nothing missing, nothing on the wrong side; svc-c's
//           (no route matches) to the default pipelines (traces: both A and
//           B; logs: A). Item contexts too: svc-a's spans named gen-op-5 go
//           to B (context span), histogram data points to B (context metric).
//  fan-out: one receiver in two pipelines, two exporters in one pipeline,
//           and a forward connector merging that second pipeline (with a
//           filter of its own) and a pipeline of another receiver: each
//           backend gets everything it should exactly once, and the filter
//           in one branch does not touch the other.
'use strict';
const fs = require('fs');
const path = require('path');
const L = require('./lib');

const N = Number(process.env.E2E_ROUTING_ITEMS || 3000); // per generator

// Map id -> { n: times seen, name: word 3 (a span's name) } of a digest file.
function digest(file) {
  const seen = new Map();
  if (!fs.existsSync(file)) return seen;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const f = line.split(' ');
    if (f.length < 3 || !/^[0-9a-fA-F]+$/.test(f[1])) continue;
    const id = BigInt(`0x${f[1]}`);
    const e = seen.get(id) || { n: 0, name: f[2] };
    e.n++;
    seen.set(id, e);
  }
  return seen;
}

// Every id of want seen exactly once in got, and nothing else: '' or what differs.
function sameOnce(want, got) {
  let missing = 0;
  let extra = 0;
  let dups = 0;
  for (const id of want) if (!got.has(id)) missing++;
  for (const [id, e] of got) {
    if (!want.has(id)) extra++;
    if (e.n > 1) dups += e.n - 1;
  }
  return missing || extra || dups ? `missing ${missing}, not its own ${extra}, duplicates ${dups}` : '';
}

// sluice-gen sends exactly N items of one signal as service svc from id base;
// resolves to the set of acknowledged ids.
function gen(port, signal, svc, base, dir) {
  const acks = path.join(dir, `acks-${signal}-${svc}-${base}`);
  const p = L.start(L.bin('sluice-gen'), ['-e', `127.0.0.1:${port}`, '-S', signal, '--service', svc,
    '--id-base', String(base), '-n', String(N), '-s', '100', '-c', '2', '-d', '60', '--ack-log', acks, '-q']);
  return p.done.then((code) => {
    if (code !== 0) L.fail(`sluice-gen ${signal} ${svc}: exit ${code}\n${p.err()}`);
    const ids = new Set();
    for (const [first, n] of L.ackRanges(acks)) for (let i = 0n; i < BigInt(n); i++) ids.add(first + i);
    L.check(ids.size === N, `sluice-gen: all ${N} ${signal} items of ${svc} acknowledged (${ids.size})`);
    return ids;
  });
}

const union = (...sets) => new Set(sets.flatMap((s) => [...s]));

async function waitDelivered(what, pairs) {
  await L.waitFor(what, () => pairs.every(([want, file]) => {
    const got = digest(file);
    return [...want].every((id) => got.has(id));
  }), 60000);
}

async function routing() {
  const dir = L.tmpdir('routing');
  const sinks = {};
  for (const side of ['a', 'b']) {
    sinks[side] = await L.startSink(dir, ['--digest', path.join(dir, `spans-${side}`),
      '--digest-logs', path.join(dir, `logs-${side}`), '--digest-metrics', path.join(dir, `points-${side}`),
      '--quiet'], `sink-${side}`);
  }
  const cfg = await L.writeConfig(dir, `processors:
  batch:
    send_batch_size: 500
    timeout: 50ms
connectors:
  routing:
    default_pipelines: [traces/a, traces/b]
    table:
      - condition: 'name == "gen-op-5" and resource.attributes["service.name"] == "svc-a"'
        context: span
        pipelines: [traces/b]
      - condition: 'attributes["service.name"] == "svc-a"'
        pipelines: [traces/a]
      - statement: 'route() where attributes["service.name"] == "svc-b"'
        pipelines: [traces/b]
  routing/logs:
    default_pipelines: [logs/a]
    table:
      - condition: 'resource.attributes["service.name"] == "svc-b"'
        context: log
        pipelines: [logs/b]
      - condition: 'IsMatch(attributes["service.name"], "^svc-a$")'
        pipelines: [logs/a]
  routing/metrics:
    default_pipelines: [metrics/a]
    table:
      - condition: 'IsMatch(name, "^gen[.]histogram[.]")'
        context: metric
        pipelines: [metrics/b]
exporters:
  otlp_http/a:
    endpoint: http://127.0.0.1:${sinks.a.port}
  otlphttp/b:
    endpoint: http://127.0.0.1:${sinks.b.port}
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [routing]
    traces/a:
      receivers: [routing]
      processors: [batch]
      exporters: [otlp_http/a]
    traces/b:
      receivers: [routing]
      processors: [batch]
      exporters: [otlphttp/b]
    logs:
      receivers: [otlp]
      exporters: [routing/logs]
    logs/a:
      receivers: [routing/logs]
      processors: [batch]
      exporters: [otlp_http/a]
    logs/b:
      receivers: [routing/logs]
      processors: [batch]
      exporters: [otlphttp/b]
    metrics:
      receivers: [otlp]
      exporters: [routing/metrics]
    metrics/a:
      receivers: [routing/metrics]
      exporters: [otlp_http/a]
    metrics/b:
      receivers: [routing/metrics]
      exporters: [otlphttp/b]`);
  L.sluiceStart(cfg);
  const port = cfg.ports.http;
  const [ta, tb, tc, la, lb, lc, ma] = await Promise.all([
    gen(port, 'traces', 'svc-a', 0x1000000000, dir), gen(port, 'traces', 'svc-b', 0x2000000000, dir),
    gen(port, 'traces', 'svc-c', 0x3000000000, dir), gen(port, 'logs', 'svc-a', 0x4000000000, dir),
    gen(port, 'logs', 'svc-b', 0x5000000000, dir), gen(port, 'logs', 'svc-c', 0x6000000000, dir),
    gen(port, 'metrics', 'svc-a', 0x9000000000, dir)]);
  const file = (k) => path.join(dir, { spansA: 'spans-a', spansB: 'spans-b', logsA: 'logs-a', logsB: 'logs-b',
    pointsA: 'points-a', pointsB: 'points-b' }[k]);
  await waitDelivered('the routed items to arrive', [[union(tb, tc), file('spansB')], [tc, file('spansA')],
    [union(la, lc), file('logsA')], [lb, file('logsB')]]);
  for (const [what, ids, a, b] of [['span of svc-a', ta, 'spansA', 'spansB'], ['data point', ma, 'pointsA', 'pointsB']]) {
    await L.waitFor(`every ${what} to arrive`, () => {
      const both = new Map([...digest(file(a)), ...digest(file(b))]);
      return [...ids].every((id) => both.has(id));
    }, 60000);
  }
  // svc-a's spans named gen-op-5 (the span route, which splits records)
  // go to B, the rest of svc-a's to A; the names are sluice-gen's, as the
  // digests saw them.
  const names = new Map([...digest(file('spansA')), ...digest(file('spansB'))].map(([id, e]) => [id, e.name]));
  const op5 = new Set([...ta].filter((id) => names.get(id) === 'gen-op-5'));
  // data points of histogram metrics (the metric route) go to B, the rest
  // to A (default); the metric names as the digests saw them.
  const metricOf = new Map([...digest(file('pointsA')), ...digest(file('pointsB'))].map(([id, e]) => [id, e.name]));
  const hist = new Set([...ma].filter((id) => /^gen[.]histogram[.]/.test(metricOf.get(id))));
  const want = {
    spansA: union(new Set([...ta].filter((id) => !op5.has(id))), tc), spansB: union(tb, tc, op5),
    logsA: union(la, lc), logsB: lb,
    pointsA: new Set([...ma].filter((id) => !hist.has(id))), pointsB: hist,
  };
  await waitDelivered('the routed spans to arrive', [[want.spansA, file('spansA')], [want.spansB, file('spansB')]]);
  L.check(op5.size > 0 && op5.size < ta.size, `routing: ${op5.size} of svc-a's ${ta.size} spans are named gen-op-5`);
  L.check(hist.size > 0 && hist.size < ma.size, `routing: ${hist.size} of ${ma.size} data points are of histograms`);
  L.sluiceStop(cfg);
  L.check(L.stageDeath(cfg) === '', `no stage died or was restarted ${L.stageDeath(cfg)}`);
  for (const s of Object.values(sinks)) L.check(await L.stopProc(s) === 0, 'sluice-sink exited cleanly');
  for (const [k, what] of [['spansA', 'spans of svc-a but gen-op-5, and svc-c (default) at A'],
    ['spansB', 'spans of svc-b, svc-c (default) and the gen-op-5 ones of svc-a (span route) at B'], ['logsA', 'log records of svc-a and svc-c (default) at A'],
    ['logsB', 'log records of svc-b only at B'], ['pointsA', 'data points of non-histogram metrics (default) at A'],
    ['pointsB', 'data points of histogram metrics (context metric) at B']]) {
    const d = sameOnce(want[k], digest(file(k)));
    L.check(d === '', `routing: exactly the ${want[k].size} ${what}, once each${d ? `: ${d}` : ''}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

async function fanout() {
  const dir = L.tmpdir('fanout');
  const sinks = {};
  for (const side of ['x', 'y', 'z']) {
    sinks[side] = await L.startSink(dir, ['--digest', path.join(dir, `spans-${side}`), '--quiet'],
      `sink-${side}`);
  }
  const second = await L.freePort();
  // The body starts inside writeConfig's receivers: a second receiver.
  const cfg = await L.writeConfig(dir, `  otlp/second:
    protocols:
      http:
        endpoint: 127.0.0.1:${second}
processors:
  filter/op3:
    traces:
      span:
        - 'name == "gen-op-3"'
  batch:
    send_batch_size: 500
    timeout: 50ms
connectors:
  forward:
exporters:
  otlphttp/x:
    endpoint: http://127.0.0.1:${sinks.x.port}
  otlphttp/y:
    endpoint: http://127.0.0.1:${sinks.y.port}
  otlphttp/z:
    endpoint: http://127.0.0.1:${sinks.z.port}
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [otlphttp/x, otlphttp/y]
    traces/copy:
      receivers: [otlp]
      processors: [filter/op3]
      exporters: [forward]
    traces/second:
      receivers: [otlp/second]
      exporters: [forward]
    traces/merged:
      receivers: [forward]
      processors: [batch]
      exporters: [otlphttp/z]`);
  L.sluiceStart(cfg);
  const [first, other] = await Promise.all([gen(cfg.ports.http, 'traces', 'svc-one', 0x7000000000, dir),
    gen(second, 'traces', 'svc-two', 0x8000000000, dir)]);
  await waitDelivered('the fanned-out spans to arrive', [[first, path.join(dir, 'spans-x')],
    [first, path.join(dir, 'spans-y')], [other, path.join(dir, 'spans-z')]]);
  const x = digest(path.join(dir, 'spans-x'));
  const op3 = new Set([...first].filter((id) => x.has(id) && x.get(id).name === 'gen-op-3'));
  const wantZ = union(other, new Set([...first].filter((id) => !op3.has(id))));
  await waitDelivered('the merged spans to arrive', [[wantZ, path.join(dir, 'spans-z')]]);
  L.sluiceStop(cfg);
  L.check(L.stageDeath(cfg) === '', `no stage died or was restarted ${L.stageDeath(cfg)}`);
  for (const s of Object.values(sinks)) L.check(await L.stopProc(s) === 0, 'sluice-sink exited cleanly');
  L.check(op3.size > 0 && op3.size < first.size, `fan-out: ${op3.size} of ${first.size} spans are named gen-op-3`);
  for (const [side, want, what] of [['x', first, 'every span of the first receiver at X (the filter of the other branch does not apply)'],
    ['y', first, 'every span of the first receiver at Y (second exporter of one pipeline)'],
    ['z', wantZ, 'both pipelines merged by forward at Z, minus the filtered gen-op-3 spans']]) {
    const d = sameOnce(want, digest(path.join(dir, `spans-${side}`)));
    L.check(d === '', `fan-out: exactly the ${want.size} spans expected: ${what}, once each${d ? `: ${d}` : ''}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

async function main() {
  await routing();
  await fanout();
  console.log('2 passed, 0 failed');
}
main().catch((e) => L.fail(e.stack));
