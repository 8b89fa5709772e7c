#!/usr/bin/env bash
# The quick start: installs what is missing, builds, runs sluice on its
# built-in default config (OTLP on 127.0.0.1:4317/4318, batch, debug exporter
# in basic mode), drives it with sluice-gen while `sluice top` shows live
# figures, then stops it cleanly (every ring drained) and prints the totals.
#   tools/quickstart.sh [seconds of load, default 8]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
secs=${1:-8}

"$root/tools/deps.sh"
echo "=== building (release) into build/"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target sluice sluice-ingest sluice-process sluice-batch \
  sluice-export sluice-gen >/dev/null
bin=$root/build/bin

# Private runtime and state dirs, so the quick start touches nothing else.
work=$(mktemp -d /tmp/sluice-quickstart.XXXXXX)
cat >"$work/sluice.yaml" <<YAML
sluice:
  instance: quickstart
  runtime_dir: $work/run
  state_dir: $work/state
YAML
cleanup() { "$bin/sluice" stop -c "$work/sluice.yaml" --quiet >/dev/null 2>&1 || true; }
trap cleanup EXIT

echo "=== sluice start (default pipeline: otlp -> batch -> debug)"
"$bin/sluice" start -c "$work/sluice.yaml"

echo "=== sluice-gen: ${secs}s of 512-span OTLP/HTTP requests; live figures from sluice top"
"$bin/sluice-gen" --duration "$secs" --connections 4 --quiet >"$work/gen.txt" 2>&1 &
gen=$!
"$bin/sluice" top -c "$work/sluice.yaml" --interval 1000 --count "$((secs + 1))"
wait "$gen" || true
echo
cat "$work/gen.txt"

echo
echo "=== sluice status"
"$bin/sluice" status -c "$work/sluice.yaml" || true
curl_metrics() { exec 3<>/dev/tcp/127.0.0.1/8888 && printf 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n' >&3 && cat <&3; }
echo
echo "=== a few Prometheus series from http://127.0.0.1:8888/metrics"
(curl_metrics 2>/dev/null || true) | grep -E '^otelcol_(receiver_accepted|exporter_sent)' || true

echo
echo "=== sluice stop (ingest stops accepting, every ring drains, export flushes)"
"$bin/sluice" stop -c "$work/sluice.yaml"
trap - EXIT
echo
echo "=== the debug exporter's last batch lines, and the stages' totals (supervisor log)"
grep -h '^batch seq=' "$work/run/quickstart.log" | tail -n 2 || true
grep -hE 'stopped: [0-9]+ spans' "$work/run/quickstart.log" || true
echo
echo "quick start done; logs and config in $work"
