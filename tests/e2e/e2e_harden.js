// Hardening (issue 14 sections 2 and 3, and the per-stage restart limit),
// with the real supervisor, stages, sluice-sink and sluice-gen:
//  - a runtime directory another user owns (or can write to, or that is a
//    symbolic link) is refused by `sluice run`, `sluice start` and
//    `sluice check` with a message naming it and what is wrong; a good one
//    works
//  - a dead-letter directory that cannot be written and a backend that
//    refuses: /health says which exporter is degraded and why, the metric
//    counts; once the backend is back every acknowledged span arrives,
//    /health is 200 again
//  - an export stage that exits at every start (its disk-queue directory is
//    a file) is restarted forever, reported failed, and never takes ingest
//    down: ingest answers (429/503 once its ring is full); once fixed,
//    every acknowledged span arrives
'use strict';
const fs = require('fs');
const path = require('path');
const L = require('./lib');

let passed = 0;
function pass(name) { passed++; console.error(`--- passed: ${name}`); }

const uid = process.getuid();

function writeYaml(dir, yaml) {
  const file = path.join(dir, 'sluice.yaml');
  fs.writeFileSync(file, yaml);
  return file;
}

async function runtimeDir() {
  const dir = L.tmpdir('rtdir');
  const ports = { http: await L.freePort(), metrics: await L.freePort() };
  const config = (rt) => writeYaml(dir, `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${ports.http}
exporters:
  debug:
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [debug]
  telemetry:
    metrics:
      address: 127.0.0.1:${ports.metrics}
sluice:
  instance: e2eharden${process.pid}
  runtime_dir: ${rt}
  state_dir: ${dir}/state
`);
  const rt = path.join(dir, `sluice-${uid}`);
  const cases = [];
  if (uid === 0) {
    cases.push(['owned by another user, mode 0777', () => {
      fs.mkdirSync(rt, { mode: 0o777 });
      fs.chmodSync(rt, 0o777);
      fs.chownSync(rt, 65534, 65534);
    }, `runtime directory ${rt} is owned by uid 65534, not 0: remove it or set sluice.runtime_dir`]);
  }
  cases.push(['a symbolic link', () => {
    fs.mkdirSync(path.join(dir, 'elsewhere'), { mode: 0o700 });
    fs.symlinkSync(path.join(dir, 'elsewhere'), rt);
  }, `runtime directory ${rt} is a symbolic link: remove it or set sluice.runtime_dir`]);
  cases.push(['group-writable', () => {
    fs.mkdirSync(rt);
    fs.chmodSync(rt, 0o770);
  }, `runtime directory ${rt} is writable by its group (mode 0770): remove it or set sluice.runtime_dir`]);
  const file = config(rt);
  for (const [what, make, want] of cases) {
    fs.rmSync(rt, { recursive: true, force: true });
    make();
    const before = fs.lstatSync(rt);
    let r = L.run(L.bin('sluice'), ['run', '-c', file], { timeout: 20000 });
    L.check(r.code === 1 && r.stderr.includes(want), `sluice run refuses a runtime directory that is ${what} (${r.code}): ${r.stderr.trim()}`);
    r = L.run(L.bin('sluice'), ['start', '-c', file], { timeout: 30000 });
    L.check(r.code === 1 && r.stderr.includes(want), `sluice start refuses it too (${r.code})`);
    r = L.run(L.bin('sluice'), ['check', '--quiet', '-c', file]);
    L.check(r.code === 1 && r.stderr.includes(`error: ${want}`), `sluice check says the same (${r.code}): ${r.stderr.trim()}`);
    if (!before.isSymbolicLink())
      L.check(fs.readdirSync(rt).length === 0, 'nothing was written into it');
    else
      L.check(fs.readdirSync(path.join(dir, 'elsewhere')).length === 0, 'nothing was written where it points');
    fs.rmSync(path.join(dir, 'elsewhere'), { recursive: true, force: true });
  }
  // a dead-letter directory anyone can write to stops the run as well
  fs.rmSync(rt, { recursive: true, force: true });
  const dl = path.join(dir, 'dl');
  fs.mkdirSync(dl);
  fs.chmodSync(dl, 0o777);
  const dlFile = writeYaml(dir, fs.readFileSync(file, 'utf8').replace('  debug:\n',
    '  otlphttp:\n    endpoint: http://127.0.0.1:9\n    dead_letter_dir: ' + dl + '\n')
    .replace('exporters: [debug]', 'exporters: [otlphttp]'));
  let r = L.run(L.bin('sluice'), ['run', '-c', dlFile], { timeout: 20000 });
  const dlWant = `dead-letter directory ${dl} of exporter otlphttp is writable by others (mode 0777): remove it or set exporters.otlphttp.dead_letter_dir`;
  L.check(r.code === 1 && r.stderr.includes(dlWant), `sluice run refuses a world-writable dead-letter directory: ${r.stderr.trim()}`);
  fs.rmdirSync(dl);
  r = L.run(L.bin('sluice'), ['check', '--quiet', '-c', dlFile]);
  L.check(r.code === 0 && r.stderr.includes(`note: dead-letter directory ${dl} of exporter otlphttp does not exist yet (it will be created)`),
    `sluice check notes a dead-letter directory that does not exist yet: ${r.stderr.trim()}`);

  // a good one: created 0700 and used
  const cfg = { file: config(rt), instance: `e2eharden${process.pid}`, log: path.join(rt, `e2eharden${process.pid}.log`) };
  L.sluiceStart(cfg);
  const st = fs.statSync(rt);
  L.check((st.mode & 0o777) === 0o700 && st.uid === uid, `a missing runtime directory is created with mode 0700 (${(st.mode & 0o777).toString(8)})`);
  const health = await L.httpGet(ports.metrics, '/health');
  L.check(health.status === 200, 'the pipeline runs with a good runtime directory');
  L.sluiceStop(cfg);
  fs.rmSync(dir, { recursive: true, force: true });
  pass('runtime directory');
}

async function deadLetterHealth() {
  const dir = L.tmpdir('dlhealth');
  const sinkPort = await L.freePort();
  let sink = L.start(L.bin('sluice-sink'), ['--http', `127.0.0.1:${sinkPort}`, '--fail', '400*1000000', '--quiet']);
  const dl = path.join(dir, 'dl');
  fs.writeFileSync(dl, 'a file where the dead-letter directory should be\n');
  const cfg = await L.writeConfig(dir, `processors:
  batch:
    send_batch_size: 1000
    send_batch_max_size: 1000
    timeout: 50ms
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:${sinkPort}
    compression: none
    dead_letter_dir: ${dl}
    sending_queue:
      num_consumers: 2
    retry_on_failure:
      initial_interval: 100ms
      max_interval: 500ms
      max_elapsed_time: 2s
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [otlphttp]`);
  let r = L.sluice(cfg, 'check', '--quiet');
  L.check(r.code === 1 && r.stderr.includes(`error: dead-letter directory ${dl} of exporter otlphttp is not a directory`),
    `sluice check calls the dead-letter path an error: ${r.stderr.trim()}`);
  L.sluiceStart(cfg);
  L.check(/WARN .*dead-letter directory .* is not a directory/.test(L.readLog(cfg)),
    'sluice run starts anyway and warns about it');
  const acks = path.join(dir, 'acks');
  r = L.run(L.bin('sluice-gen'), ['-e', `127.0.0.1:${cfg.ports.http}`, '-n', '20000', '-s', '500', '-c', '2',
    '-d', '20', '--ack-log', acks, '-q']);
  L.check(r.code === 0, 'ingest acknowledged the load while the backend refuses it');
  const acked = L.ackRanges(acks);
  const total = acked.reduce((a, [, n]) => a + n, 0);
  L.check(total === 20000, `all 20000 spans acknowledged (${total})`);
  const h = await L.waitFor('/health to say degraded', async () => {
    const x = await L.httpGet(cfg.ports.metrics, '/health');
    return x.status === 503 && /exporter otlphttp is degraded/.test(x.text) ? x : null;
  });
  L.check(/dead letters cannot be written \(Not a directory\)/.test(h.text), `/health names the exporter and the reason: ${h.text.trim()}`);
  const m = await L.httpGet(cfg.ports.metrics, '/metrics');
  const failures = /sluice_exporter_deadletter_failures_total\{stage="export"\} (\d+)/.exec(m.text);
  L.check(failures && Number(failures[1]) > 0, `the dead-letter failures are counted (${failures && failures[1]})`);
  L.check(/sluice_exporter_degraded\{exporter="otlphttp"\} 1/.test(m.text), 'sluice_exporter_degraded{exporter="otlphttp"} is 1');
  L.check(/ERROR .*exporter otlphttp: dead-letter directory .* is not a directory; batch seq \d+ .* stays in the ring/.test(L.readLog(cfg)),
    'the log says which directory, what is wrong, and that the batch stays');

  // the backend is back: everything acknowledged arrives, in bounded time
  await L.stopProc(sink);
  const digest = path.join(dir, 'digest');
  sink = L.start(L.bin('sluice-sink'), ['--http', `127.0.0.1:${sinkPort}`, '--digest', digest, '--quiet']);
  // fresh traffic shows the exporter that the backend answers again
  r = L.run(L.bin('sluice-gen'), ['-e', `127.0.0.1:${cfg.ports.http}`, '-n', '1000', '-s', '500', '-c', '1',
    '--id-base', '900000000', '--ack-log', path.join(dir, 'acks2'), '-q']);
  L.check(r.code === 0, 'more load after the recovery is acknowledged');
  const all = acked.concat(L.ackRanges(path.join(dir, 'acks2')));
  const want = all.reduce((a, [, n]) => a + n, 0);
  await L.waitFor('every acknowledged span at the backend', () => L.digestIds(digest).size >= want, 30000);
  await L.waitFor('/health 200 again', async () => (await L.httpGet(cfg.ports.metrics, '/health')).status === 200);
  L.sluiceStop(cfg);
  await L.stopProc(sink);
  const res = L.compareAcked(all, L.digestIds(digest));
  L.check(res.missing === 0 && res.dups === 0,
    `after the recovery all ${res.acked} acknowledged spans arrived once (missing ${res.missing}, duplicates ${res.dups})`);
  fs.rmSync(dir, { recursive: true, force: true });
  pass('dead-letter failure and /health');
}

async function crashLoop() {
  const dir = L.tmpdir('crashloop');
  const ports = { http: await L.freePort(), metrics: await L.freePort() };
  const digest = path.join(dir, 'digest');
  const sink = await L.startSink(dir, ['--digest', digest, '--quiet']);
  const q = path.join(dir, 'q');
  fs.writeFileSync(q, 'a file where the disk queue should be\n');
  const instance = `e2ecrash${process.pid}`;
  const file = writeYaml(dir, `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${ports.http}
        max_request_body_size: 64KiB
    ring_full_wait: 100ms
processors:
  batch:
    send_batch_size: 200
    send_batch_max_bytes: 64KiB
    timeout: 20ms
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:${sink.port}
    sending_queue:
      storage: ${q}
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [otlphttp]
  telemetry:
    metrics:
      address: 127.0.0.1:${ports.metrics}
sluice:
  instance: ${instance}
  runtime_dir: ${dir}/run
  state_dir: ${dir}/state
  ring_bytes: 256KiB
  restart:
    backoff_initial: 10ms
    backoff_max: 300ms
    max_restarts: 2
    window: 30s
`);
  const cfg = { file, instance, log: path.join(dir, 'run.log') };
  const sup = L.start(L.bin('sluice'), ['run', '-c', file]);
  await L.waitFor('the export stage to be in a crash loop', () =>
    /sluice-export exited with status \d+; it crashed 3 times within 30s \(restart.max_restarts is 2\): it is restarted every 300ms from now on/.test(sup.err()));
  await L.waitFor('a few more restarts at the maximum backoff', () =>
    (sup.err().match(/crash loop\)/g) || []).length >= 3);
  L.check(sup.exitCode === null, 'the supervisor keeps running');
  const ingestPid = L.stagePids(cfg).ingest;
  L.check(ingestPid > 0, `ingest runs (pid ${ingestPid})`);
  const acks = path.join(dir, 'acks');
  const r = L.run(L.bin('sluice-gen'), ['-e', `127.0.0.1:${ports.http}`, '-d', '3', '-s', '50', '-c', '2',
    '--ack-log', acks]);
  const reqs = /requests\s+sent (\d+)\s+acked (\d+)\s+refused (\d+)/.exec(r.stdout);
  L.check(r.code === 0 && reqs && Number(reqs[2]) > 0 && Number(reqs[3]) > 0,
    `ingest answered: accepted until its ring filled, then refused (${reqs && reqs.slice(1).join('/')})`);
  L.check(L.stagePids(cfg).ingest === ingestPid, 'ingest was never restarted');
  const h = await L.httpGet(ports.metrics, '/health');
  L.check(h.status === 503 && /export is (failed|starting) \(restarted \d+ times\)/.test(h.text),
    `/health names the failing stage: ${h.text.trim()}`);
  const st = L.sluice(cfg, 'status');
  L.check(st.code === 1 && /ingest\s+running/.test(st.stdout), 'sluice status: ingest running, exit 1 (a stage is not)');

  // fixed: the next restart comes up and delivers what ingest acknowledged
  fs.unlinkSync(q);
  const acked = L.ackRanges(acks);
  const total = acked.reduce((a, [, n]) => a + n, 0);
  await L.waitFor('the export stage to deliver everything', () => L.digestIds(digest).size >= total, 30000);
  await L.waitFor('/health 200', async () => (await L.httpGet(ports.metrics, '/health')).status === 200);
  const stop = L.sluice(cfg, 'stop');
  L.check(stop.code === 0, 'sluice stop');
  L.check(await sup.done === 0, 'sluice run exits 0');
  await L.stopProc(sink);
  const res = L.compareAcked(acked, L.digestIds(digest));
  L.check(res.acked > 0 && res.missing === 0 && res.dups === 0,
    `all ${res.acked} acknowledged spans arrived once (missing ${res.missing}, duplicates ${res.dups})`);
  fs.rmSync(dir, { recursive: true, force: true });
  pass('crash loop keeps ingest up');
}

async function main() {
  // E2E_HARDEN_ONLY=crashLoop (for instance) runs one part
  const parts = { runtimeDir, deadLetterHealth, crashLoop };
  for (const [name, fn] of Object.entries(parts))
    if (!process.env.E2E_HARDEN_ONLY || process.env.E2E_HARDEN_ONLY === name) await fn();
  console.log(`${passed} passed, 0 failed`);
}
main().catch((e) => L.fail(e.stack));
