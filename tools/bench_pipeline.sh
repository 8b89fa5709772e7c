#!/usr/bin/env bash
# The whole-pipeline benchmark (figures, not a test):
#   sluice-gen -> sluice (filter + batch) -> sluice-sink, 512-span OTLP/HTTP
#   protobuf requests over 8 connections, all on this machine; then the same
#   load through a plain TCP relay (socat) to the same sink: the ceiling.
# Reports, as medians of RUNS runs: spans/s, CPU seconds per million spans
# (all sluice processes), peak RSS of each stage, end-to-end latency p50/p99
# (sink clock minus the span's end time, which sluice-gen stamps at send) at
# full load and at half of it.
#   tools/bench_pipeline.sh [build-dir] [seconds] [runs]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
secs=${2:-10}
runs=${3:-3}
bin=$build/bin
work=$(mktemp -d /tmp/sluice-bench.XXXXXX)
tck=$(getconf CLK_TCK)

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])' 2>/dev/null ||
  echo $((20000 + RANDOM % 20000)); }
# utime + stime, plus the reaped children's (socat forks one a connection).
cpu_ticks() { awk '{print $14 + $15 + $16 + $17}' "/proc/$1/stat" 2>/dev/null || echo 0; }
hwm_kib() { awk '/VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

start_sink() {
  rm -f "$work/sink.ports"
  "$bin/sluice-sink" --http 127.0.0.1:0 --port-file "$work/sink.ports" --latency >"$work/sink.out" 2>&1 &
  sink_pid=$!
  for _ in $(seq 100); do [ -s "$work/sink.ports" ] && break; sleep 0.05; done
  sink_port=$(sed 's/.*http=\([0-9]*\).*/\1/' "$work/sink.ports")
}
stop_sink() { kill -TERM "$sink_pid"; wait "$sink_pid" || true; }

write_config() {
  http_port=$(free_port); grpc_port=$(free_port); metrics_port=$(free_port)
  cat >"$work/sluice.yaml" <<YAML
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:$grpc_port
      http:
        endpoint: 127.0.0.1:$http_port
processors:
  filter/health:
    spans:
      exclude:
        match_type: regexp
        span_names: ["^GET /healthz\$"]
  batch:
    send_batch_size: 8192
    timeout: 200ms
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:$sink_port
    compression: none
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [filter/health, batch]
      exporters: [otlphttp]
  telemetry:
    metrics:
      address: 127.0.0.1:$metrics_port
sluice:
  instance: bench$$
  runtime_dir: $work/run
  state_dir: $work/state
YAML
}

# One run: $1 = pipeline|relay, $2 = rate (0 = full). Prints
# "spans_per_s cpu_s_per_M p50_ms p99_ms rss_ingest rss_process rss_batch rss_export"
one_run() {
  local mode=$1 rate=$2 target pids=() t0=0 t1=0
  start_sink
  if [ "$mode" = pipeline ]; then
    write_config
    "$bin/sluice" start -c "$work/sluice.yaml" >/dev/null
    target=$http_port
    mapfile -t pids < <("$bin/sluice" status -c "$work/sluice.yaml" | awk '$1 ~ /^(ingest|process|batch|export)$/ {print $3}')
    pids+=("$(awk '{print $NF}' <<<"$("$bin/sluice" status -c "$work/sluice.yaml" | head -1)")")
  else
    target=$(free_port)
    socat -b 262144 "TCP-LISTEN:$target,fork,reuseaddr,bind=127.0.0.1" "TCP:127.0.0.1:$sink_port" &
    pids=($!)
    sleep 0.3
  fi
  local each0=() each1=() sink0 sink1 gen_s
  for p in "${pids[@]}"; do each0+=("$(cpu_ticks "$p")"); done
  sink0=$(cpu_ticks "$sink_pid")
  local TIMEFORMAT='%U %S'
  { time "$bin/sluice-gen" -e "127.0.0.1:$target" -d "$secs" -c 8 -s 512 -r "$rate" -q >"$work/gen.out" 2>&1 || true; } 2>"$work/gen.time"
  sleep 1 # let the last batch (timeout 200 ms) reach the sink
  for p in "${pids[@]}"; do each1+=("$(cpu_ticks "$p")"); done
  sink1=$(cpu_ticks "$sink_pid")
  gen_s=$(awk '{print $1 + $2}' "$work/gen.time")
  for i in "${!pids[@]}"; do t0=$((t0 + each0[i])); t1=$((t1 + each1[i])); done
  local cpu=0
  local rss=(0 0 0 0)
  if [ "$mode" = pipeline ]; then
    for i in 0 1 2 3; do rss[i]=$(hwm_kib "${pids[i]}"); done
    "$bin/sluice" stop -c "$work/sluice.yaml" --quiet
  else
    kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true
  fi
  stop_sink
  local spans rate_s lat50 lat99
  spans=$(sed -n 's/.* spans=\([0-9]*\) .*/\1/p' "$work/sink.out" | head -1)
  rate_s=$(awk '/throughput/ {print $2}' "$work/gen.out")
  lat50=$(sed -n 's/.*p50<=\([0-9.]*\) ms.*/\1/p' "$work/sink.out")
  lat99=$(sed -n 's/.*p99<=\([0-9.]*\) ms.*/\1/p' "$work/sink.out")
  # where the CPU went, per million spans: each sluice process (ingest,
  # process, batch, export, supervisor) or socat, then the sink and the
  # generator (they share the 2 cores with whatever they measure)
  local parts="" n_m
  n_m=$(awk -v n="${spans:-0}" 'BEGIN {print n / 1e6}')
  for i in "${!pids[@]}"; do
    parts+=$(awk -v t=$((each1[i] - each0[i])) -v k="$tck" -v m="$n_m" 'BEGIN {printf "%.3f/", m ? t / k / m : 0}')
  done
  parts+=$(awk -v t=$((sink1 - sink0)) -v g="$gen_s" -v k="$tck" -v m="$n_m" \
    'BEGIN {printf "sink %.3f gen %.3f", m ? t / k / m : 0, m ? g / m : 0}')
  echo "$mode rate=$rate cpu s/M spans: ${parts}" >&2
  local cpu_per_m
  cpu_per_m=$(awk -v t=$((t1 - t0 + cpu)) -v k="$tck" -v n="${spans:-0}" 'BEGIN {printf "%.3f", n ? t / k / (n / 1e6) : 0}')
  echo "$rate_s $cpu_per_m ${lat50:-0} ${lat99:-0} ${rss[0]} ${rss[1]} ${rss[2]} ${rss[3]}"
}

col() { awk -v c="$1" '{print $c}' "$2" | median; }
report() { # $1 name, $2 file
  printf '%-22s %12.0f %10s %9s %9s %8s %8s %8s %8s\n' "$1" "$(col 1 "$2")" "$(col 2 "$2")" \
    "$(col 3 "$2")" "$(col 4 "$2")" "$(col 5 "$2")" "$(col 6 "$2")" "$(col 7 "$2")" "$(col 8 "$2")"
}

echo "bench: $runs runs of ${secs}s each, $(nproc) cores; medians" >&2
: >"$work/full"; : >"$work/half"; : >"$work/relay"
for r in $(seq "$runs"); do
  echo "run $r: relay" >&2;    one_run relay 0 >>"$work/relay"
  echo "run $r: pipeline" >&2; one_run pipeline 0 >>"$work/full"
  half=$(awk '{print int($1 / 2)}' <<<"$(tail -1 "$work/full")")
  echo "run $r: pipeline at half load ($half spans/s)" >&2
  one_run pipeline "$half" >>"$work/half"
done
printf '%-22s %12s %10s %9s %9s %8s %8s %8s %8s\n' "" "spans/s" "CPU s/M" "p50 ms" "p99 ms" \
  "RSS in" "RSS proc" "RSS bat" "RSS exp"
report "relay (socat)" "$work/relay"
report "sluice, full load" "$work/full"
report "sluice, half load" "$work/half"
awk -v p="$(col 1 "$work/full")" -v r="$(col 1 "$work/relay")" \
  'BEGIN {printf "sluice / relay throughput: %.2f\n", r ? p / r : 0}'
echo "(RSS: peak KiB of each stage; CPU: all sluice processes, or socat, per million spans)"
rm -rf "$work"
