// Chaos: under steady load of all three signals (traces, logs, metrics, each
// its own pipeline and rings), kill -9 a random stage every few hundred
// milliseconds; the supervisor restarts it. Every span, log record and data
// point the clients saw acknowledged must reach the backend.
//  phase 1 kills only process and batch: their restart rule (skip input
//          already published downstream) must also leave no duplicate;
//  phase 2 kills any of the four: duplicates may appear only where an
//          answer was lost with a crash of ingest or export: per export
//          kill, at most the requests in flight (num_consumers batches of
//          at most send_batch_max_size items, a pipeline); sluice-gen never
//          resends, so an ingest kill repeats nothing.
'use strict';
const path = require('path');
const fs = require('fs');
const L = require('./lib');

const SECONDS = Number(process.env.E2E_CHAOS_SECONDS || 12); // per phase; 2 phases = 24 s
const SIGNALS = ['traces', 'logs', 'metrics'];
const ITEMS = { traces: 'spans', logs: 'log records', metrics: 'data points' };
const CONSUMERS = 4; // sending_queue.num_consumers below
const BATCH_MAX = 1000; // send_batch_max_size below

async function phase(name, victims, rate) {
  const dir = L.tmpdir(`chaos-${name}`);
  const digest = Object.fromEntries(SIGNALS.map((sig) => [sig, path.join(dir, `digest-${sig}`)]));
  const sink = await L.startSink(dir, ['--digest', digest.traces, '--digest-logs', digest.logs,
    '--digest-metrics', digest.metrics, '--quiet']);
  const cfg = await L.writeConfig(dir, `processors:
  batch:
    send_batch_size: 1000
    send_batch_max_size: ${BATCH_MAX}
    timeout: 50ms
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:${sink.port}
    timeout: 5s
    sending_queue:
      num_consumers: ${CONSUMERS}
    retry_on_failure:
      initial_interval: 50ms
      max_interval: 500ms
      max_elapsed_time: 0s
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [otlphttp]
    logs:
      receivers: [otlp]
      processors: [batch]
      exporters: [otlphttp]
    metrics:
      receivers: [otlp]
      processors: [batch]
      exporters: [otlphttp]`, { sluice: `  restart:
    backoff_initial: 10ms
    backoff_max: 200ms
    max_restarts: 10000
    window: 60s
` });
  L.sluiceStart(cfg);
  // One generator a signal, a third of the rate each; distinct id ranges.
  const acks = Object.fromEntries(SIGNALS.map((sig) => [sig, path.join(dir, `acks-${sig}`)]));
  const gens = SIGNALS.map((sig, i) => L.start(L.bin('sluice-gen'), ['-S', sig, '-e', `127.0.0.1:${cfg.ports.http}`,
    '-d', String(SECONDS), '-c', '2', '-s', '100', '-r', String(Math.ceil(rate / 3)),
    '--id-base', String(BigInt(i + 1) << 40n), '--ack-log', acks[sig], '-q']));
  const sup = L.supervisorPid(cfg);
  L.check(sup > 0, `${name}: the supervisor runs (pid ${sup})`);
  const kills = {};
  const end = Date.now() + SECONDS * 1000;
  while (Date.now() < end) {
    await L.sleep(200 + Math.random() * 200);
    const victim = victims[Math.floor(Math.random() * victims.length)];
    const pid = L.stageChildren(sup)[victim];
    if (!pid) continue;
    try {
      process.kill(pid, 'SIGKILL');
      kills[victim] = (kills[victim] || 0) + 1;
    } catch { /* already gone: restarting */ }
  }
  await Promise.all(gens.map((g) => g.done));
  const acked = Object.fromEntries(SIGNALS.map((sig) => [sig, L.ackRanges(acks[sig])]));
  await L.waitFor('the pipelines to deliver every acknowledged item', () =>
    SIGNALS.every((sig) => L.compareAcked(acked[sig], L.digestIds(digest[sig])).missing === 0),
  90000).catch(() => {});
  L.sluiceStop(cfg);
  await L.stopProc(sink);
  const killed = Object.entries(kills).map(([k, v]) => `${k} ${v}`).join(', ');
  L.check(Object.values(kills).reduce((a, b) => a + b, 0) >= SECONDS, `${name}: stages were killed (${killed})`);
  const out = { kills };
  for (const sig of SIGNALS) {
    const total = acked[sig].reduce((a, [, n]) => a + n, 0);
    const res = L.compareAcked(acked[sig], L.digestIds(digest[sig]));
    console.error(`${name} ${sig}: acked ${res.acked}, received ${res.received} distinct, ` +
      `missing ${res.missing}, duplicates ${res.dups}`);
    L.check(total > 0 && res.missing === 0,
      `${name}: every one of ${res.acked} acknowledged ${ITEMS[sig]} arrived` +
      (res.missing ? ` (missing ${res.missing}, first ${res.firstMissing})` : ''));
    out[sig] = res;
  }
  const log = L.readLog(cfg);
  L.check(!/giving up/.test(log), `${name}: the supervisor kept restarting`);
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

async function main() {
  const rate = Number(process.env.E2E_CHAOS_RATE || 50000);
  const a = await phase('middle', ['process', 'batch'], rate);
  for (const sig of SIGNALS) {
    L.check(a[sig].dups === 0, `killing process and batch duplicates no ${ITEMS[sig]} (${a[sig].dups})`);
  }
  const b = await phase('all', ['ingest', 'process', 'batch', 'export'], rate);
  // sluice-gen never resends, so an ingest crash can only lose an answer,
  // never repeat an item; process and batch crashes repeat nothing (phase
  // 1). What repeats is what a killed export stage had sent and the backend
  // took but whose answer died with it: the requests in flight. Batches
  // acknowledged behind an older unacknowledged one carry a done mark
  // (shm/donemark.h) and are not sent again.
  const kills = b.kills.export || 0;
  for (const sig of SIGNALS) {
    const bound = kills * CONSUMERS * BATCH_MAX;
    console.error(`all stages: ${b[sig].dups} duplicate ${ITEMS[sig]} after ${kills} export kills ` +
      `(at most ${bound}: ${CONSUMERS} requests in flight of ${BATCH_MAX} a kill)`);
    L.check(b[sig].dups <= bound,
      `export kills repeat at most the requests in flight: ${b[sig].dups} duplicate ${ITEMS[sig]} <= ${bound}`);
  }
  console.log('2 passed, 0 failed');
}
main().catch((e) => L.fail(e.stack));
