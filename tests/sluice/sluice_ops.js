// The supervisor with real processes (issues 11, 12, 14): what an operator
// relies on.
//  - pipelines: a config with a traces and a logs pipeline, each with its
//    own exporter: `sluice status` shows both with their rings, processors
//    and exporters; /metrics has both signals' series with the Collector's
//    names and labels, and passes `promtool check metrics`
//  - rules: deploy/'s alert rules pass `promtool check rules`, and every
//    metric name the rules and the Grafana dashboard use is on a real
//    supervisor's /metrics
//  - stall: the process stage stopped (SIGSTOP) under load: /health 503
//    naming it, `sluice status` says stalled, sluice_stage_stalled is 1;
//    then it is killed and restarted, /health is 200 again, and every
//    acknowledged span arrives once
//  - damaged: a kept segment whose ring control block is damaged: `sluice
//    run` logs which ring and what, keeps the segment beside (path logged)
//    and runs on a fresh one
//  - fingerprint: a kept segment holding another plan's records is refused
//    with both ring lists and how to drain; the old config then resumes it
//    and delivers every acknowledged span
//  - migrate: a processor added around the same rings: the records move to
//    a segment with the new layout and all arrive
//  - damagedLive: a ring control block damaged while running: the
//    supervisor sets the segment aside and starts every stage again on a
//    fresh one
// SLUICE_OPS_ONLY=stall (for instance) runs one part.
'use strict';
const fs = require('fs');
const path = require('path');
const L = require('../e2e/lib');

let passed = 0;
function pass(name) { passed++; console.error(`--- passed: ${name}`); }

// metrics: a third pipeline, for the metric_points families
function twoPipelines(sinkPort, metrics = false) {
  const more = metrics ? `
    metrics:
      receivers: [otlp]
      processors: [batch]
      exporters: [otlphttp/metrics]` : '';
  return `processors:
  batch:
    timeout: 50ms
  attributes/tag:
    actions:
      - key: team
        value: checkout
        action: insert
exporters:
  otlphttp/traces:
    endpoint: http://127.0.0.1:${sinkPort}
  otlphttp/logs:
    endpoint: http://127.0.0.1:${sinkPort}
  otlphttp/metrics:
    endpoint: http://127.0.0.1:${sinkPort}
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [attributes/tag, batch]
      exporters: [otlphttp/traces]
    logs:
      receivers: [otlp]
      processors: [batch]
      exporters: [otlphttp/logs]${more}`;
}

function tracesOnly(sinkPort, extra = '') {
  return `processors:
  batch:
    timeout: 20ms
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:${sinkPort}
    timeout: 1s
    retry_on_failure:
      initial_interval: 100ms
      max_interval: 500ms
      max_elapsed_time: 0s${extra}
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [otlphttp]`;
}

// Metric names (families) on a /metrics page.
function metricNames(text) {
  const names = new Set();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (m) names.add(m[1]);
  }
  return names;
}

// null when promtool (Debian's prometheus package) is not installed.
function promtool(args, input) {
  if (L.run('sh', ['-c', 'command -v promtool']).code !== 0) return null;
  return L.run('promtool', args, input === undefined ? {} : { input });
}

async function pipelines() {
  const dir = L.tmpdir('pipes');
  const cfg = await L.writeConfig(dir, twoPipelines(await L.freePort()));
  L.sluiceStart(cfg);
  const st = L.sluice(cfg, 'status');
  L.check(st.code === 0, `sluice status exits 0 (${st.code})`);
  for (const want of [/pipeline traces \(traces\)/, /pipeline logs \(logs\)/,
    /ring\s+in:traces\s/, /ring\s+mid:logs\s/, /ring\s+out:logs\s/,
    /processor\s+attributes\/tag\s+in 0 out 0 dropped 0/,
    /exporter\s+otlphttp\/traces\s+sent 0 failed 0/, /exporter\s+otlphttp\/logs\s+sent 0 failed 0/,
    /otlp\/grpc\s+logs\s/, /otlp\/http\s+traces\s/])
    L.check(want.test(st.stdout), `status shows ${want}`);
  const logsAt = st.stdout.indexOf('pipeline logs');
  L.check(logsAt > 0 && !/attributes\/tag/.test(st.stdout.slice(logsAt)),
    'the logs pipeline lists only its own components');
  const m = await L.httpGet(cfg.ports.metrics, '/metrics');
  L.check(m.status === 200, '/metrics answers');
  for (const want of [
    'otelcol_receiver_accepted_spans_total{receiver="otlp",transport="grpc"} 0',
    'otelcol_receiver_accepted_log_records_total{receiver="otlp",transport="http"} 0',
    'otelcol_receiver_refused_log_records_total{receiver="otlp",transport="grpc",reason="ring_full"} 0',
    'otelcol_processor_incoming_items_total{processor="attributes/tag",pipeline="traces",otel_signal="traces"} 0',
    'otelcol_processor_outgoing_items_total{processor="batch",pipeline="logs",otel_signal="logs"} 0',
    'otelcol_exporter_sent_spans_total{exporter="otlphttp/traces",pipeline="traces"} 0',
    'otelcol_exporter_sent_log_records_total{exporter="otlphttp/logs",pipeline="logs"} 0',
    'otelcol_exporter_send_failed_log_records_total{exporter="otlphttp/logs",pipeline="logs"} 0',
    'otelcol_exporter_queue_capacity{exporter="otlphttp/logs",pipeline="logs"} 67108864',
    'sluice_exporter_retries_total{exporter="otlphttp/logs",pipeline="logs"} 0',
    'sluice_ring_used_bytes{ring="mid:logs",pipeline="logs"} 0',
    'sluice_ring_capacity_bytes{ring="in:traces",pipeline="traces"} 67108864',
    'sluice_ring_corrupt_records_total{ring="out:traces",pipeline="traces"} 0',
    'sluice_exporter_receipt_to_ack_seconds_bucket{exporter="otlphttp/logs",pipeline="logs",le="0.0001"} 0',
    'sluice_exporter_request_duration_seconds_count{exporter="otlphttp/traces",pipeline="traces"} 0',
    'otelcol_processor_batch_batch_send_size_bucket{processor="batch",pipeline="logs",le="8000"} 0',
    'sluice_ring_record_age_seconds_bucket{ring="in:logs",pipeline="logs",le="+Inf"} 0',
    'sluice_stage_stalled{stage="process"} 0',
  ])
    L.check(m.text.includes(`${want}\n`), `/metrics has ${want}`);
  L.check(!/otelcol_exporter_sent_log_records_total\{exporter="otlphttp\/traces"/.test(m.text),
    'an exporter is counted under its own pipeline\'s signal only');
  const pc = promtool(['check', 'metrics'], m.text);
  if (pc === null) console.error('skip: promtool is not installed');
  else L.check(pc.code === 0, `promtool check metrics passes on /metrics ${pc.stdout}${pc.stderr}`);
  const top = L.sluice(cfg, 'top', '--count', '1', '--interval', '200');
  L.check(top.code === 0 && /pipeline logs \(logs\)/.test(top.stdout) && /latency p50 \S+ p99 \S+/.test(top.stdout) &&
    /ITEMS\/S/.test(top.stdout), 'sluice top shows each pipeline with rates and latency p50/p99');
  L.sluiceStop(cfg);
  sanitizerClean(cfg);
  fs.rmSync(dir, { recursive: true, force: true });
  pass('two pipelines in status and /metrics');
}

async function rules() {
  const rulesFile = path.join(L.source, 'deploy', 'prometheus', 'sluice-rules.yaml');
  const dash = path.join(L.source, 'deploy', 'grafana', 'sluice-dashboard.json');
  const pc = promtool(['check', 'rules', rulesFile]);
  if (pc === null) {
    console.error('skip: promtool is not installed');
    return;
  }
  L.check(pc.code === 0, `promtool check rules ${rulesFile}: ${pc.stdout.trim()} ${pc.stderr.trim()}`);
  // each expr: its line and the more-indented lines under it (>- blocks)
  const exprs = [];
  const lines = fs.readFileSync(rulesFile, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)expr:\s*(.*)$/.exec(lines[i]);
    if (!m) continue;
    let e = m[2];
    while (i + 1 < lines.length && lines[i + 1].search(/\S/) > m[1].length) e += ` ${lines[++i].trim()}`;
    exprs.push(e);
  }
  const board = JSON.parse(fs.readFileSync(dash, 'utf8'));
  const walk = (o) => {
    if (Array.isArray(o)) o.forEach(walk);
    else if (o && typeof o === 'object')
      for (const [k, v] of Object.entries(o)) {
        if (k === 'expr' && typeof v === 'string') exprs.push(v);
        else if (k === 'query' && typeof v === 'string') exprs.push(v);
        else walk(v);
      }
  };
  walk(board);
  L.check(exprs.length >= 10, `the rules and dashboard hold queries (${exprs.length})`);
  const used = new Set();
  for (const e of exprs) for (const m of e.matchAll(/\b(?:otelcol|sluice)_[a-z0-9_]+/g)) used.add(m[0]);

  const dir = L.tmpdir('rules');
  const cfg = await L.writeConfig(dir, twoPipelines(await L.freePort(), true));
  L.sluiceStart(cfg);
  const have = metricNames((await L.httpGet(cfg.ports.metrics, '/metrics')).text);
  L.sluiceStop(cfg);
  const missing = [...used].filter((n) => !have.has(n));
  L.check(missing.length === 0, `every metric the rules and dashboard use (${used.size}) is on /metrics (missing: ${missing.join(' ')})`);
  fs.rmSync(dir, { recursive: true, force: true });
  pass('alert rules and dashboard');
}

async function stall() {
  const dir = L.tmpdir('stall');
  const digest = path.join(dir, 'digest');
  const sink = await L.startSink(dir, ['--digest', digest, '--quiet']);
  const cfg = await L.writeConfig(dir, tracesOnly(sink.port), { sluice: '  stall_timeout: 1s\n' });
  L.sluiceStart(cfg);
  const acks = path.join(dir, 'acks');
  const gen = L.start(L.bin('sluice-gen'), ['-e', `127.0.0.1:${cfg.ports.http}`, '-d', '8', '-c', '2',
    '-s', '100', '-r', '20000', '--ack-log', acks, '-q']);
  await L.waitFor('spans to flow', () => fs.existsSync(digest) && fs.statSync(digest).size > 0);
  let h = await L.httpGet(cfg.ports.metrics, '/health');
  L.check(h.status === 200, 'under load, nothing is stalled: /health 200');
  const pid = L.stagePids(cfg).process;
  process.kill(pid, 'SIGSTOP');
  h = await L.waitFor('/health to name the stalled stage', async () => {
    const x = await L.httpGet(cfg.ports.metrics, '/health');
    return x.status === 503 && /process is stalled/.test(x.text) ? x : null;
  }, 10000);
  L.check(/records wait in its input rings and it has shown no sign of life for/.test(h.text),
    `/health says why: ${h.text.trim()}`);
  L.check(!/ingest|batch|export/.test(h.text), 'only the process stage is named');
  const st = L.sluice(cfg, 'status');
  L.check(st.code === 1 && /process\s+stalled\s+\d+/.test(st.stdout), 'sluice status says stalled (exit 1)');
  let m = await L.httpGet(cfg.ports.metrics, '/metrics');
  L.check(/sluice_stage_stalled\{stage="process"\} 1\n/.test(m.text), 'sluice_stage_stalled{stage="process"} is 1');
  L.check(/sluice_stage_stalled\{stage="batch"\} 0\n/.test(m.text), 'the stages behind it waiting for work are not stalled');
  await L.waitFor('the stalled stage to be restarted', () => {
    const now = L.stagePids(cfg).process;
    return now && now !== pid;
  }, 15000);
  await L.waitFor('/health 200 again', async () => (await L.httpGet(cfg.ports.metrics, '/health')).status === 200, 15000);
  m = await L.httpGet(cfg.ports.metrics, '/metrics');
  L.check(/sluice_stage_stall_restarts_total\{stage="process"\} 1\n/.test(m.text) &&
    /sluice_stage_restarts_total\{stage="process"\} [1-9]/.test(m.text) &&
    /sluice_stage_stalled\{stage="process"\} 0\n/.test(m.text), 'counted as a restart; no longer stalled');
  const log = L.readLog(cfg);
  L.check(/process is stalled: records wait in its input rings/.test(log) &&
    /process stayed stalled for another 1s: killing it \(SIGKILL\) and restarting it/.test(log),
    'the log says it stalled and why it was killed');
  let alive = true;
  try { process.kill(pid, 0); } catch { alive = false; }
  L.check(!alive, `the stopped process ${pid} is gone`);
  L.check((await gen.done) === 0, 'sluice-gen finished (refusals while it stalled are answers, not failures)');
  const acked = L.ackRanges(acks);
  const total = acked.reduce((a, [, n]) => a + n, 0);
  await L.waitFor('every acknowledged span at the backend', () => L.digestIds(digest).size >= total, 30000);
  L.sluiceStop(cfg);
  await L.stopProc(sink);
  const res = L.compareAcked(acked, L.digestIds(digest));
  L.check(res.acked > 0 && res.missing === 0 && res.dups === 0,
    `all ${res.acked} acknowledged spans arrived once (missing ${res.missing}, duplicates ${res.dups})`);
  sanitizerClean(cfg);
  fs.rmSync(dir, { recursive: true, force: true });
  pass('a stalled stage is reported and restarted');
}

// Run a traces config against a backend that is down, send spans, stop:
// the segment is kept with the records in its rings.
async function leaveRecords(dir, sinkPort, n) {
  const cfg = await L.writeConfig(dir, tracesOnly(sinkPort), { sluice: '  stop_timeout: 1s\n' });
  L.sluiceStart(cfg);
  const acks = path.join(dir, 'acks');
  const r = L.run(L.bin('sluice-gen'), ['-e', `127.0.0.1:${cfg.ports.http}`, '-n', String(n), '-d', '20',
    '-c', '2', '-s', '500', '--ack-log', acks, '-q']);
  L.check(r.code === 0, 'with the backend down, ingest acknowledged the spans');
  L.sluiceStop(cfg);
  L.check(/pipeline stopped with \d+ bytes still in the rings; segment .* kept/.test(L.readLog(cfg)),
    'the stop kept the segment with records in it');
  return { cfg, acks };
}

// Under the sanitizers (build-asan) a fault in any process lands in the log.
function sanitizerClean(cfg) {
  const log = L.readLog(cfg);
  L.check(!/AddressSanitizer|LeakSanitizer|runtime error:/.test(log), 'no sanitizer report in the log');
}

function shmPath(cfg) { return `/dev/shm/sluice.${cfg.instance}`; }

function asideFiles(cfg) {
  return fs.readdirSync('/dev/shm').filter((f) => f.startsWith(`sluice.${cfg.instance}.damaged-`));
}

async function damaged() {
  const dir = L.tmpdir('damaged');
  const sinkPort = await L.freePort();
  const { cfg } = await leaveRecords(dir, sinkPort, 5000);
  // ring 1's control block: its offset is the first word of its entry in
  // the ring directory (4096 + 128 * ring); its magic is at +384
  const fd = fs.openSync(shmPath(cfg), 'r+');
  const entry = Buffer.alloc(8);
  fs.readSync(fd, entry, 0, 8, 4096 + 128);
  const off = Number(entry.readBigUInt64LE(0));
  fs.writeSync(fd, Buffer.alloc(8, 0xee), 0, 8, off + 384);
  fs.closeSync(fd);

  const digest = path.join(dir, 'digest');
  const sink = L.start(L.bin('sluice-sink'), ['--http', `127.0.0.1:${sinkPort}`, '--digest', digest, '--quiet']);
  L.sluiceStart(cfg);
  const log = L.readLog(cfg);
  L.check(/segment \/sluice\.\S+ cannot be resumed: .*ring 1 \(mid:traces\) is damaged: /.test(log),
    'the log names the damaged ring and what is wrong');
  const aside = asideFiles(cfg);
  L.check(aside.length === 2 && aside.some((f) => f.endsWith('.why')), `the old segment is kept beside: ${aside.join(' ')}`);
  L.check(log.includes(`kept for inspection as /dev/shm/${aside.find((f) => !f.endsWith('.why'))}`), 'its path is logged');
  const why = fs.readFileSync(`/dev/shm/${aside.find((f) => f.endsWith('.why'))}`, 'utf8');
  L.check(/ring 1 \(mid:traces\) is damaged/.test(why), 'the .why file says why');
  L.check((await L.httpGet(cfg.ports.metrics, '/health')).status === 200, 'the pipeline runs on a fresh segment');
  const acks = path.join(dir, 'acks2');
  const r = L.run(L.bin('sluice-gen'), ['-e', `127.0.0.1:${cfg.ports.http}`, '-n', '1000', '-s', '100', '-c', '1',
    '--id-base', '700000000', '--ack-log', acks, '-q']);
  L.check(r.code === 0, 'new spans are acknowledged');
  const total = L.ackRanges(acks).reduce((a, [, n]) => a + n, 0);
  await L.waitFor('the new spans at the backend', () => L.digestIds(digest).size >= total, 30000);
  L.sluiceStop(cfg);
  await L.stopProc(sink);
  for (const f of asideFiles(cfg)) fs.rmSync(`/dev/shm/${f}`, { force: true });
  sanitizerClean(cfg);
  fs.rmSync(dir, { recursive: true, force: true });
  pass('a damaged segment is set aside');
}

async function fingerprint() {
  const dir = L.tmpdir('finger');
  const sinkPort = await L.freePort();
  const { cfg: old, acks } = await leaveRecords(dir, sinkPort, 20000);
  const oldYaml = fs.readFileSync(old.file, 'utf8');
  const before = fs.statSync(shmPath(old));

  const other = await L.writeConfig(dir, twoPipelines(sinkPort), { sluice: '  stop_timeout: 1s\n' });
  L.check(other.instance === old.instance, 'the same instance');
  const r = L.run(L.bin('sluice'), ['run', '-c', other.file], { timeout: 20000 });
  L.check(r.code === 1, `sluice run refuses (${r.code})`);
  L.check(/holds [\d.]+ [KM]i?B of accepted records for other pipelines than this config's/.test(r.stderr),
    `it says the segment holds records of other pipelines: ${r.stderr.trim()}`);
  L.check(/the segment's rings: in:traces.*, out:traces.* \([\d.]+ [KM]iB waiting\)/.test(r.stderr),
    'it lists the segment\'s rings and what waits in them');
  L.check(r.stderr.includes("this config's rings: in:traces, in:logs, mid:traces, mid:logs, out:traces, out:logs"),
    'it lists this config\'s rings');
  L.check(/run the config that wrote them until its rings drain/.test(r.stderr) && /\.aside/.test(r.stderr),
    'it says how to drain them or set them aside');
  const after = fs.statSync(shmPath(old));
  L.check(after.size === before.size && after.ino === before.ino, 'the segment was left as it was');

  fs.writeFileSync(old.file, oldYaml);
  const digest = path.join(dir, 'digest');
  const sink = L.start(L.bin('sluice-sink'), ['--http', `127.0.0.1:${sinkPort}`, '--digest', digest, '--quiet']);
  L.sluiceStart(old);
  L.check(/resuming segment .*bytes still in the rings/.test(L.readLog(old)), 'the old config resumes it');
  const acked = L.ackRanges(acks);
  const total = acked.reduce((a, [, n]) => a + n, 0);
  await L.waitFor('the resumed records at the backend', () => L.digestIds(digest).size >= total, 60000);
  L.sluiceStop(old);
  await L.stopProc(sink);
  const res = L.compareAcked(acked, L.digestIds(digest));
  L.check(res.acked === 20000 && res.missing === 0 && res.dups === 0,
    `all ${res.acked} acknowledged spans arrived once (missing ${res.missing}, duplicates ${res.dups})`);
  sanitizerClean(old);
  fs.rmSync(dir, { recursive: true, force: true });
  pass('another plan\'s records are refused, then drained by their own config');
}

// Same rings, another processor: the segment moves to the new layout.
async function migrate() {
  const dir = L.tmpdir('migrate');
  const sinkPort = await L.freePort();
  const { cfg, acks } = await leaveRecords(dir, sinkPort, 10000);
  fs.writeFileSync(cfg.file, fs.readFileSync(cfg.file, 'utf8')
    .replace('processors:\n  batch:', 'processors:\n  attributes/tag:\n    actions:\n      - key: team\n        value: a\n        action: insert\n  batch:')
    .replace('processors: [batch]', 'processors: [attributes/tag, batch]'));
  const digest = path.join(dir, 'digest');
  const sink = L.start(L.bin('sluice-sink'), ['--http', `127.0.0.1:${sinkPort}`, '--digest', digest, '--quiet']);
  L.sluiceStart(cfg);
  L.check(/the config changed the components around the same rings: moved the segment's records/.test(L.readLog(cfg)),
    'the segment moved to the new layout');
  L.check(!fs.existsSync(`${shmPath(cfg)}.migrating`), 'nothing is left of the old one');
  const st = L.sluice(cfg, 'status');
  L.check(/processor\s+attributes\/tag\s/.test(st.stdout), 'status shows the new processor');
  const acked = L.ackRanges(acks);
  const total = acked.reduce((a, [, n]) => a + n, 0);
  await L.waitFor('the moved records at the backend', () => L.digestIds(digest).size >= total, 60000);
  L.sluiceStop(cfg);
  await L.stopProc(sink);
  const res = L.compareAcked(acked, L.digestIds(digest));
  L.check(res.acked === 10000 && res.missing === 0 && res.dups === 0,
    `all ${res.acked} acknowledged spans arrived once (missing ${res.missing}, duplicates ${res.dups})`);
  sanitizerClean(cfg);
  fs.rmSync(dir, { recursive: true, force: true });
  pass('a changed layout around the same rings is migrated');
}

// A ring control block damaged while the pipeline runs.
async function damagedLive() {
  const dir = L.tmpdir('dlive');
  const digest = path.join(dir, 'digest');
  const sink = await L.startSink(dir, ['--digest', digest, '--quiet']);
  const cfg = await L.writeConfig(dir, tracesOnly(sink.port));
  L.sluiceStart(cfg);
  const fd = fs.openSync(shmPath(cfg), 'r+');
  const entry = Buffer.alloc(8);
  fs.readSync(fd, entry, 0, 8, 4096 + 2 * 128);
  fs.writeSync(fd, Buffer.alloc(8, 0xee), 0, 8, Number(entry.readBigUInt64LE(0)) + 384);
  fs.closeSync(fd);
  await L.waitFor('the supervisor to notice', () =>
    /segment \/sluice\.\S+ is damaged: .*ring 2 \(out:traces\) is damaged: .*stopping every stage to start again on a fresh segment[^]*kept for inspection as/.test(L.readLog(cfg)), 10000);
  L.check(asideFiles(cfg).length === 2, 'the damaged segment is kept beside');
  await L.waitFor('/health 200 on the fresh segment', async () => (await L.httpGet(cfg.ports.metrics, '/health')).status === 200, 20000);
  const acks = path.join(dir, 'acks');
  const r = L.run(L.bin('sluice-gen'), ['-e', `127.0.0.1:${cfg.ports.http}`, '-n', '1000', '-s', '100', '-c', '1',
    '--ack-log', acks, '-q']);
  L.check(r.code === 0, 'new spans are acknowledged');
  const acked = L.ackRanges(acks);
  const total = acked.reduce((a, [, n]) => a + n, 0);
  await L.waitFor('them at the backend', () => L.digestIds(digest).size >= total, 30000);
  L.sluiceStop(cfg);
  await L.stopProc(sink);
  const res = L.compareAcked(acked, L.digestIds(digest));
  L.check(res.missing === 0 && res.dups === 0, `all ${res.acked} arrived once`);
  for (const f of asideFiles(cfg)) fs.rmSync(`/dev/shm/${f}`, { force: true });
  sanitizerClean(cfg);
  fs.rmSync(dir, { recursive: true, force: true });
  pass('a segment damaged while running is set aside');
}

async function main() {
  const parts = { pipelines, rules, stall, damaged, fingerprint, migrate, damagedLive };
  for (const [name, fn] of Object.entries(parts))
    if (!process.env.SLUICE_OPS_ONLY || process.env.SLUICE_OPS_ONLY === name) await fn();
  console.log(`${passed} passed, 0 failed`);
}
main().catch((e) => L.fail(e.stack));
