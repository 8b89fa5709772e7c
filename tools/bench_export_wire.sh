#!/usr/bin/env bash
# The whole pipeline with the exporter's wire settings (figures, not a test):
#   sluice-gen -> sluice (batch) -> sluice-sink, 512-span OTLP/HTTP protobuf
#   requests over 8 connections, all on this machine, once per VARIANT and
#   round, the variants interleaved so a noisy host slows each alike.
# A variant is the otlphttp exporter's settings toward the sink:
#   CODEC[:LEVEL][+tls]    CODEC: none gzip zstd deflate zlib snappy;
#                          LEVEL: compression_params.level (default: the
#                          codec's, net/codec.h); +tls: https:// to a sink
#                          serving TLS (certificates from
#                          tests/net/make_certs.sh, trusted by ca_file)
# Reports, as medians over the rounds: spans/s, CPU seconds per million
# spans over the sluice processes (and the export stage alone, the sink,
# sluice-gen: on one box they share the cores), and each
# variant's throughput as a fraction of the first variant's (the issue's
# ratios: gzip / none >= 0.4, zstd / none >= 0.7, none+tls / none >= 0.7).
#   tools/bench_export_wire.sh [-b BUILD] [-s SECONDS] [-r ROUNDS] [VARIANT...]
#   default: -b build -s 10 -r 3 none gzip zstd none+tls
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
secs=10
rounds=3
while getopts b:s:r: o; do
  case $o in
    b) build=$OPTARG ;;
    s) secs=$OPTARG ;;
    r) rounds=$OPTARG ;;
    *) sed -n 2,19p "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(none gzip zstd none+tls)
bin=$build/bin
work=$(mktemp -d /tmp/sluice-wire.XXXXXX)
trap 'rm -rf "$work"' EXIT
tck=$(getconf CLK_TCK)

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])' 2>/dev/null ||
  echo $((20000 + RANDOM % 20000)); }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

case " ${variants[*]} " in *+tls*) bash "$root/tests/net/make_certs.sh" "$work/certs" ;; esac

# One run of variant $1: prints "spans_per_s cpu_s_per_M export_cpu_s_per_M
# sink_cpu_s_per_M gen_cpu_s_per_M".
one_run() {
  local v=$1 codec level="" tls="" scheme=http sink_args=() pids=() each0=() each1=()
  codec=${v%%+*}
  [ "$v" != "${v%+tls}" ] && tls=1 && scheme=https
  if [ "$codec" != "${codec%%:*}" ]; then level=${codec#*:}; codec=${codec%%:*}; fi
  [ -n "$tls" ] && sink_args=(--tls-cert "$work/certs/server.pem" --tls-key "$work/certs/server.key")
  rm -f "$work/sink.ports"
  "$bin/sluice-sink" --http 127.0.0.1:0 --port-file "$work/sink.ports" --no-check "${sink_args[@]}" \
    >"$work/sink.out" 2>&1 &
  local sink_pid=$!
  for _ in $(seq 100); do [ -s "$work/sink.ports" ] && break; sleep 0.05; done
  local sink_port http_port metrics_port
  sink_port=$(sed 's/.*http=\([0-9]*\).*/\1/' "$work/sink.ports")
  http_port=$(free_port); metrics_port=$(free_port)
  {
    cat <<YAML
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:$http_port
processors:
  batch:
    send_batch_size: 8192
    timeout: 200ms
exporters:
  otlphttp:
    endpoint: $scheme://127.0.0.1:$sink_port
    compression: $codec
YAML
    [ -n "$level" ] && printf '    compression_params:\n      level: %s\n' "$level"
    [ -n "$tls" ] && printf '    tls:\n      ca_file: %s\n' "$work/certs/ca.pem"
    cat <<YAML
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [otlphttp]
  telemetry:
    metrics:
      address: 127.0.0.1:$metrics_port
sluice:
  instance: wire$$
  runtime_dir: $work/run
  state_dir: $work/state
YAML
  } >"$work/sluice.yaml"
  "$bin/sluice" start -c "$work/sluice.yaml" >/dev/null
  mapfile -t pids < <("$bin/sluice" status -c "$work/sluice.yaml" | awk '$1 ~ /^(ingest|process|batch|export)$/ {print $3}')
  for p in "${pids[@]}"; do each0+=("$(cpu_ticks "$p")"); done
  local sink0 sink1 gen_t
  sink0=$(cpu_ticks "$sink_pid")
  # the subshell's `times` second line: its children's user and system time
  gen_t=$( (
    "$bin/sluice-gen" -e "127.0.0.1:$http_port" -d "$secs" -c 8 -s 512 -q >"$work/gen.out" 2>&1 || true
    times
  ) | awk -v k="$tck" 'NR == 2 {t = 0; for (i = 1; i <= 2; i++) {split($i, a, /[ms]/); t += a[1] * 60 + a[2]}
      printf "%d", t * k}')
  sleep 1 # the last batch (timeout 200 ms) reaches the sink
  for p in "${pids[@]}"; do each1+=("$(cpu_ticks "$p")"); done
  sink1=$(cpu_ticks "$sink_pid")
  "$bin/sluice" stop -c "$work/sluice.yaml" --quiet
  kill -TERM "$sink_pid"; wait "$sink_pid" || true
  local spans rate t=0 te=0
  spans=$(sed -n 's/.* spans=\([0-9]*\) .*/\1/p' "$work/sink.out" | head -1)
  rate=$(awk '/throughput/ {print $2}' "$work/gen.out")
  for i in "${!pids[@]}"; do t=$((t + each1[i] - each0[i])); done
  te=$((each1[3] - each0[3]))
  awk -v r="${rate:-0}" -v t="$t" -v te="$te" -v k="$tck" -v n="${spans:-0}" -v ts=$((sink1 - sink0)) -v tg="$gen_t" \
    'BEGIN {m = n / 1e6; printf "%s %.3f %.3f %.3f %.3f\n", r, m ? t / k / m : 0, m ? te / k / m : 0,
      m ? ts / k / m : 0, m ? tg / k / m : 0}'
}

echo "bench_export_wire: ${#variants[@]} variants x $rounds rounds of ${secs}s, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for r in $(seq "$rounds"); do
  for v in "${variants[@]}"; do
    res=$(one_run "$v")
    echo "round $r $v: $res" >&2
    echo "$res" >>"$work/res.${v//[:+]/_}"
  done
done
printf '%-16s %12s %10s %11s %9s %9s %10s\n' variant spans/s "CPU s/M" "export s/M" "sink s/M" "gen s/M" "vs ${variants[0]}"
base=$(awk '{print $1}' "$work/res.${variants[0]//[:+]/_}" | median)
for v in "${variants[@]}"; do
  f="$work/res.${v//[:+]/_}"
  rate=$(awk '{print $1}' "$f" | median)
  printf '%-16s %12.0f %10s %11s %9s %9s %10.2f\n' "$v" "$rate" "$(awk '{print $2}' "$f" | median)" \
    "$(awk '{print $3}' "$f" | median)" "$(awk '{print $4}' "$f" | median)" "$(awk '{print $5}' "$f" | median)" \
    "$(awk -v a="$rate" -v b="$base" 'BEGIN {print b ? a / b : 0}')"
done
echo "(medians; CPU s/M: ingest, process, batch and export together; export alone; the sink (the backend,"
echo " which decompresses and decrypts every body and counts its spans); sluice-gen; per million spans at the sink)"
