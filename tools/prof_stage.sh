#!/usr/bin/env bash
# perf profile of one stage under load (figures, not a test): the traces
# pipeline of tools/bench_pipeline.sh (filter/health, batch 8192, otlphttp
# with compression none to sluice-sink), driven by sluice-gen (512-span
# requests, 8 connections) for SECONDS; perf records STAGE's process for
# the middle SECONDS-2 of it. Then, e.g.:
#   perf report -i OUT --no-children --sort dso,sym
#   tools/prof_stage.sh BUILD_DIR ingest|process|batch|export OUT [SECONDS]
# PERF_ARGS overrides perf record's options (default: -F 2000).
set -euo pipefail
bin=${1:?build dir}/bin
stage=${2:?stage}
out=${3:?output file}
secs=${4:-8}
work=$(mktemp -d /tmp/sluice-prof.XXXXXX)
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
cleanup() {
  "$bin/sluice" stop -c "$work/s.yaml" --quiet 2>/dev/null || true
  [ -n "${sink:-}" ] && kill "$sink" 2>/dev/null && wait "$sink" 2>/dev/null
  rm -rf "$work" "/dev/shm/sluice.prof$$"*
}
trap cleanup EXIT

"$bin/sluice-sink" --http 127.0.0.1:0 --port-file "$work/sink.ports" --no-check >"$work/sink.out" 2>&1 &
sink=$!
for _ in $(seq 100); do [ -s "$work/sink.ports" ] && break; sleep 0.05; done
sink_port=$(sed 's/.*http=\([0-9]*\).*/\1/' "$work/sink.ports")
http_port=$(free_port)
cat >"$work/s.yaml" <<YAML
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "127.0.0.1:$(free_port)"}
      http: {endpoint: "127.0.0.1:$http_port"}
processors:
  filter/health:
    spans:
      exclude: {match_type: regexp, span_names: ["^GET /healthz$"]}
  batch: {send_batch_size: 8192, timeout: 200ms}
exporters:
  otlphttp: {endpoint: "http://127.0.0.1:$sink_port", compression: none}
service:
  pipelines:
    traces: {receivers: [otlp], processors: [filter/health, batch], exporters: [otlphttp]}
  telemetry: {metrics: {address: "127.0.0.1:$(free_port)"}}
sluice: {instance: prof$$, runtime_dir: $work/run, state_dir: $work/state}
YAML
"$bin/sluice" start -c "$work/s.yaml" >/dev/null
pid=$("$bin/sluice" status -c "$work/s.yaml" | awk -v s="$stage" '$1 == s {print $3}')
[ -n "$pid" ] || { echo "no $stage stage running" >&2; exit 1; }
"$bin/sluice-gen" -e "127.0.0.1:$http_port" -d "$secs" -c 8 -s 512 -q >"$work/gen.out" 2>&1 &
gen=$!
sleep 1
# shellcheck disable=SC2086
perf record ${PERF_ARGS:--F 2000} -o "$out" -p "$pid" -- sleep $((secs - 2)) >/dev/null 2>&1
wait "$gen" || true
tail -2 "$work/gen.out"
