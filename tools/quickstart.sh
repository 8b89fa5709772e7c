#!/usr/bin/env bash
# The quick start: installs what is missing, builds, runs sluice on its
# built-in default config (OTLP on 127.0.0.1:4317/4318, batch, debug exporter
# in basic mode), drives it with sluice-gen (one per signal the default
# config has a pipeline for: traces, and logs and metrics when it takes them)
# while `sluice top` shows live figures, then stops it cleanly (every ring
# drained) and prints the totals.
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

# The signals the default config has pipelines for (service.pipelines
# keys, "logs/x" counting as logs), as `sluice check` prints them.
signals=$("$bin/sluice" check -c "$work/sluice.yaml" 2>/dev/null | awk '
  /^  pipelines:/ { p = 1; next }
  p && /^  [^ ]/ { p = 0 }
  p && /^    "?[a-z]+(\/[^:"]*)?"?:/ { sub(/^ +"?/, ""); sub(/[\/:"].*/, ""); print }' | sort -u | tr '\n' ' ')
signals=${signals:-traces }
echo "=== sluice start (default pipelines: ${signals% }: otlp -> batch -> debug)"
"$bin/sluice" start -c "$work/sluice.yaml"

echo "=== sluice-gen: ${secs}s of 512-item OTLP/HTTP requests (${signals% }); live figures from sluice top"
gens=()
for s in $signals; do
  "$bin/sluice-gen" --signal "$s" --duration "$secs" --connections 4 --quiet >"$work/gen.$s.txt" 2>&1 &
  gens+=($!)
done
"$bin/sluice" top -c "$work/sluice.yaml" --interval 1000 --count "$((secs + 1))"
for g in "${gens[@]}"; do wait "$g" || true; done
for s in $signals; do
  echo
  cat "$work/gen.$s.txt"
done

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
grep -hE 'stopped: [0-9]+ (spans|log records|data points|items)' "$work/run/quickstart.log" || true
echo
echo "quick start done; logs and config in $work"
