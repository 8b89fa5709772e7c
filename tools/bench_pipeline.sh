#!/usr/bin/env bash
# The whole-pipeline benchmark (figures, not a test):
#   sluice-gen -> sluice (filter + batch) -> sluice-sink, 512-item OTLP/HTTP
#   protobuf requests over 8 connections, all on this machine; then the same
#   load through a plain TCP relay (socat) to the same sink: the ceiling.
# Reports, as medians of RUNS runs: items/s, CPU seconds per million items
# (all sluice processes), peak RSS of each stage, end-to-end latency p50/p99
# (sink clock minus the item's time, which sluice-gen stamps at send: a
# span's end, a log record's time, a data point's time) at full load and at
# half of it. Items are spans, log records or metric data points.
#   tools/bench_pipeline.sh [--signal traces|logs|metrics] [--compression C]
#                           [--tls] [build-dir] [seconds] [runs]
#   --signal S       what sluice-gen sends and the pipeline carries (default
#                    traces: the output is then what it always was)
#   --compression C  the ingest side's Content-Encoding (gzip, zstd, ...;
#                    default none); the relay passes the compressed bytes on
#   --tls            the ingest side over HTTPS; the relay terminates TLS too
#                    (socat OPENSSL-LISTEN), so both sides pay for it
#   --relay-only     the relay runs only (the tools' own CPU per item, or a
#                    signal the stages do not carry yet)
#   --no-half        no half-load runs (A/B comparisons: tools/bench_ab.sh)
#   --rate R         the pipeline at R items/s offered (sluice-gen -r R)
#                    instead of full load, and no half-load run: settings
#                    that change where the pipeline saturates (spanmetrics)
#                    compared at the same load
#   --routing        the same work split over two pipelines joined by a
#                    routing connector that routes by the resource attribute
#                    service.name (filter in the first, batch in the second):
#                    what routing costs, against the same run without it
#   --spanmetrics    traces only: the traces pipeline also exports to a
#                    spanmetrics connector (4 dimensions, explicit histogram,
#                    flush every second) feeding a metrics pipeline that
#                    exports to the same sink; items and CPU per item stay
#                    per span (the sink's spans), the flushes are extra work
#   --perf STAGE OUT perf record of one stage (ingest, process, batch or
#                    export) through the middle of each pipeline run, into
#                    OUT (the last run's; PERF_ARGS overrides "-F 2000");
#                    then: perf report -i OUT --no-children --sort dso,sym
#   --spanmetrics-plain  the same with the connector as the Collector's
#                    defaults make it (no dimensions beyond service, name,
#                    kind and status; flush every second)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
signal=traces
comp=none
tls=0
relay_only=0
no_half=0
full_rate=0
routing=0
spanmetrics=0
sm_plain=0
perf_stage=
perf_out=
while [ $# -gt 0 ]; do
  case $1 in
    --signal) signal=$2; shift 2 ;;
    --compression) comp=$2; shift 2 ;;
    --tls) tls=1; shift ;;
    --relay-only) relay_only=1; shift ;;
    --no-half) no_half=1; shift ;;
    --rate) full_rate=$2; no_half=1; shift 2 ;;
    --routing) routing=1; shift ;;
    --spanmetrics) spanmetrics=1; shift ;;
    --perf) perf_stage=$2; perf_out=$3; shift 3 ;;
    --spanmetrics-plain) spanmetrics=1; sm_plain=1; shift ;;
    --*) echo "unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ "$routing" = 1 ] && [ "$spanmetrics" = 1 ] && { echo "--routing and --spanmetrics do not combine" >&2; exit 2; }
build=${1:-$root/build}
secs=${2:-10}
runs=${3:-3}
bin=$build/bin
work=$(mktemp -d /tmp/sluice-bench.XXXXXX)
tck=$(getconf CLK_TCK)
sink_pid=
relay_pid=
# Whatever happens (a stage that does not start, ^C), leave nothing running.
cleanup() {
  [ -f "$work/sluice.yaml" ] && "$bin/sluice" stop -c "$work/sluice.yaml" --quiet >/dev/null 2>&1 || true
  [ -n "$relay_pid" ] && kill "$relay_pid" 2>/dev/null || true
  [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null || true
  rm -rf "$work"
  # a stop keeps a segment that holds span-metrics state (for the next
  # start); a benchmark's instance has no next start
  rm -f "/dev/shm/sluice.bench$$"
}
trap cleanup EXIT
case $signal in
  traces) items=spans; sink_word=spans ;;
  logs) items="log records"; sink_word=log_records ;;
  metrics) items="data points"; sink_word=data_points ;;
  *) echo "--signal: traces, logs or metrics" >&2; exit 2 ;;
esac
if [ "$spanmetrics" = 1 ] && [ "$signal" != traces ]; then
  echo "--spanmetrics: traces only" >&2; exit 2
fi
# Only what differs from gen's defaults, so builds from before --signal
# (A/B against an older commit) run the traces benchmark too.
gen_extra=()
[ "$signal" = traces ] || gen_extra+=(-S "$signal")
[ "$comp" = none ] || gen_extra+=(-z "$comp")
scheme=http
if [ "$tls" = 1 ]; then
  "$root/tests/net/make_certs.sh" "$work/certs"
  gen_extra+=(--tls-ca "$work/certs/ca.pem")
  scheme=https
fi

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
stop_sink() { kill -TERM "$sink_pid"; wait "$sink_pid" || true; sink_pid=; }

# A filter that matches nothing the generator sends (the work a real
# health-check filter does), per signal.
# The spanmetrics connector (--spanmetrics): 4 dimensions that sluice-gen's
# spans carry (http.method, http.status_code, gen.sampled) or not (env, its
# default), on top of service, name, kind and status.
spanmetrics_yaml() {
  [ "$spanmetrics" = 1 ] || return 0
  if [ "$sm_plain" = 1 ]; then
    printf 'connectors:\n  spanmetrics:\n    metrics_flush_interval: 1s\n'
    return 0
  fi
  cat <<YAML
connectors:
  spanmetrics:
    metrics_flush_interval: 1s
    dimensions:
      - name: http.method
      - name: http.status_code
      - name: gen.sampled
      - name: deployment.environment
        default: bench
YAML
}
# the traces pipeline's exporters, and the metrics pipeline (--spanmetrics)
pipeline_exporters() { [ "$spanmetrics" = 1 ] && echo "[otlphttp, spanmetrics]" || echo "[otlphttp]"; }
metrics_pipeline_yaml() {
  [ "$spanmetrics" = 1 ] || return 0
  printf '    metrics:\n      receivers: [spanmetrics]\n      exporters: [otlphttp]\n'
}

filter_yaml() {
  case $signal in
    traces) printf '    spans:\n      exclude:\n        match_type: regexp\n        span_names: ["^GET /healthz$"]\n' ;;
    logs) printf '    logs:\n      exclude:\n        match_type: regexp\n        bodies: ["^GET /healthz$"]\n' ;;
    metrics) printf '    metrics:\n      exclude:\n        match_type: regexp\n        metric_names: ["^healthz$"]\n' ;;
  esac
}

tls_yaml() {
  [ "$tls" = 1 ] || return 0
  printf '        tls:\n          cert_file: %s\n          key_file: %s\n' "$work/certs/server.pem" "$work/certs/server.key"
}

# One pipeline, or (--routing) the same processors on both sides of a
# routing connector whose one route matches what sluice-gen sends.
pipelines_yaml() {
  if [ "$routing" = 0 ]; then
    printf 'service:\n  pipelines:\n    %s:\n      receivers: [otlp]\n      processors: [filter/health, batch]\n      exporters: %s\n' "$signal" "$(pipeline_exporters)"
    metrics_pipeline_yaml
    return
  fi
  printf 'connectors:\n  routing:\n    table:\n'
  printf '      - condition: '"'"'attributes["service.name"] == "sluice-gen"'"'"'\n        pipelines: [%s/routed]\n' "$signal"
  printf 'service:\n  pipelines:\n    %s:\n      receivers: [otlp]\n      processors: [filter/health]\n      exporters: [routing]\n' "$signal"
  printf '    %s/routed:\n      receivers: [routing]\n      processors: [batch]\n      exporters: [otlphttp]\n' "$signal"
}

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
$(tls_yaml)
processors:
  filter/health:
$(filter_yaml)
  batch:
    send_batch_size: 8192
    timeout: 200ms
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:$sink_port
    compression: none
$(spanmetrics_yaml)
$(pipelines_yaml)
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
    if [ "$tls" = 1 ]; then
      socat -b 262144 "OPENSSL-LISTEN:$target,fork,reuseaddr,nodelay,bind=127.0.0.1,cert=$work/certs/server.pem,key=$work/certs/server.key,verify=0" \
        "TCP:127.0.0.1:$sink_port,nodelay" &
    else
      socat -b 262144 "TCP-LISTEN:$target,fork,reuseaddr,nodelay,bind=127.0.0.1" "TCP:127.0.0.1:$sink_port,nodelay" &
    fi
    pids=($!)
    relay_pid=$!
    sleep 0.3
  fi
  local each0=() each1=() sink0 sink1 gen_s
  for p in "${pids[@]}"; do each0+=("$(cpu_ticks "$p")"); done
  sink0=$(cpu_ticks "$sink_pid")
  local TIMEFORMAT='%U %S' perf_pid=
  if [ -n "$perf_stage" ] && [ "$mode" = pipeline ]; then
    local sp
    sp=$("$bin/sluice" status -c "$work/sluice.yaml" | awk -v s="$perf_stage" '$1 == s {print $3}')
    [ -n "$sp" ] || { echo "--perf: no stage $perf_stage" >&2; exit 2; }
    # shellcheck disable=SC2086
    (sleep 1; exec perf record ${PERF_ARGS:--F 2000} -p "$sp" -o "$perf_out" -- sleep $((secs > 3 ? secs - 2 : 1))) >/dev/null 2>&1 &
    perf_pid=$!
  fi
  { time "$bin/sluice-gen" -e "127.0.0.1:$target" -d "$secs" -c 8 -s 512 -r "$rate" "${gen_extra[@]}" -q >"$work/gen.out" 2>&1 || true; } 2>"$work/gen.time"
  [ -n "$perf_pid" ] && wait "$perf_pid"
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
    rm -f "$work/sluice.yaml"
  else
    kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true
    relay_pid=
  fi
  stop_sink
  local spans rate_s lat50 lat99
  spans=$(sed -n "s/.* $sink_word=\([0-9]*\) .*/\1/p" "$work/sink.out" | head -1)
  rate_s=$(awk '/throughput/ {print $2}' "$work/gen.out")
  # the items' own latency line ("sink: latency", "sink: logs latency", ...;
  # --spanmetrics: the sink prints a "sink: metrics latency" line too)
  local lw="sink: "
  [ "$signal" = traces ] || lw+="$signal "
  lat50=$(sed -n "s/^${lw}latency .*p50<=\([0-9.]*\) ms.*/\1/p" "$work/sink.out")
  lat99=$(sed -n "s/^${lw}latency .*p99<=\([0-9.]*\) ms.*/\1/p" "$work/sink.out")
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
  echo "$mode rate=$rate cpu s/M $items: ${parts}" >&2
  local cpu_per_m
  cpu_per_m=$(awk -v t=$((t1 - t0 + cpu)) -v k="$tck" -v n="${spans:-0}" 'BEGIN {printf "%.3f", n ? t / k / (n / 1e6) : 0}')
  echo "$rate_s $cpu_per_m ${lat50:-0} ${lat99:-0} ${rss[0]} ${rss[1]} ${rss[2]} ${rss[3]}"
}

col() { awk -v c="$1" '{print $c}' "$2" | median; }
report() { # $1 name, $2 file
  printf '%-22s %12.0f %10s %9s %9s %8s %8s %8s %8s\n' "$1" "$(col 1 "$2")" "$(col 2 "$2")" \
    "$(col 3 "$2")" "$(col 4 "$2")" "$(col 5 "$2")" "$(col 6 "$2")" "$(col 7 "$2")" "$(col 8 "$2")"
}

if [ "$signal" != traces ] || [ "$comp" != none ] || [ "$tls" = 1 ] || [ "$routing" = 1 ] || [ "$spanmetrics" = 1 ]; then
  echo "bench: $signal, compression $comp, $scheme ingest$([ "$routing" = 1 ] && echo ", routed by service.name"), spanmetrics $spanmetrics" >&2
fi
echo "bench: $runs runs of ${secs}s each, $(nproc) cores; medians" >&2
: >"$work/full"; : >"$work/half"; : >"$work/relay"
for r in $(seq "$runs"); do
  echo "run $r: relay" >&2;    one_run relay 0 >>"$work/relay"
  [ "$relay_only" = 1 ] && continue
  echo "run $r: pipeline" >&2; one_run pipeline "$full_rate" >>"$work/full"
  [ "$no_half" = 1 ] && continue
  half=$(awk '{print int($1 / 2)}' <<<"$(tail -1 "$work/full")")
  echo "run $r: pipeline at half load ($half $items/s)" >&2
  one_run pipeline "$half" >>"$work/half"
done
case $signal in traces) per_s=spans/s ;; logs) per_s=records/s ;; metrics) per_s=points/s ;; esac
printf '%-22s %12s %10s %9s %9s %8s %8s %8s %8s\n' "" "$per_s" "CPU s/M" "p50 ms" "p99 ms" \
  "RSS in" "RSS proc" "RSS bat" "RSS exp"
report "relay (socat)" "$work/relay"
[ "$relay_only" = 1 ] && exit 0
if [ "$full_rate" = 0 ]; then report "sluice, full load" "$work/full"; else report "sluice, at $full_rate/s" "$work/full"; fi
[ "$no_half" = 1 ] || report "sluice, half load" "$work/half"
awk -v p="$(col 1 "$work/full")" -v r="$(col 1 "$work/relay")" \
  'BEGIN {printf "sluice / relay throughput: %.2f\n", r ? p / r : 0}'
echo "(RSS: peak KiB of each stage; CPU: all sluice processes, or socat, per million $items)"
