#!/usr/bin/env bash
# Interleaved A/B (figures, not a test): each build directory in turn,
# ROUNDS times, so a noisy host slows every build alike.
#
#   tools/bench_ab.sh ROUNDS BUILD_DIR [BUILD_DIR ...]
#     the process stage: `bench_stages 1` from each build; prints its rate
#     (median and best of the rounds) and the CPU the chain alone takes per
#     million spans (min and median). e.g. tools/bench_ab.sh 10 /work/build-base build
#
#   tools/bench_ab.sh --pipeline [--signal S] [--compression C] [--tls] [--secs N]
#                     ROUNDS BUILD_DIR [BUILD_DIR ...]
#     the whole pipeline: one tools/bench_pipeline.sh run (relay, then
#     sluice at full load; N seconds each, default 6) from each build in
#     turn; prints per build the medians of sluice's items/s, its CPU s per
#     million items, the relay's items/s measured beside it, and the ratio;
#     then each later build against the first, round by round: the median
#     of its per-round ratios (items/s, CPU per item), with all of them.
#     --spanmetrics-ab: each build twice a round, without and with
#     bench_pipeline.sh --spanmetrics (interleaved), and the CPU per span
#     ratio (with / without) per build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pipeline=0
popts=()
secs=6
smab=0
if [ "${1:-}" = --pipeline ]; then
  pipeline=1
  shift
  while [ $# -gt 0 ]; do
    case $1 in
      --signal|--compression) popts+=("$1" "$2"); shift 2 ;;
      --tls) popts+=("$1"); shift ;;
      --secs) secs=$2; shift 2 ;;
      --spanmetrics-ab) smab=1; shift ;;
      *) break ;;
    esac
  done
fi
rounds=${1:?rounds}
shift
[ $# -ge 1 ] || { echo "usage: see the head of $0" >&2; exit 2; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
pick() { sort -g | awk -v q="$1" '{a[NR] = $1} END {
  if (q == "min") print a[1]; else if (q == "max") print a[NR];
  else print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

if [ "$pipeline" = 1 ]; then
  for ((i = 0; i < rounds; i++)); do
    for b in "$@"; do
      variants=("")
      [ "$smab" = 1 ] && variants=("" --spanmetrics)
      for v in "${variants[@]}"; do
        # columns: build(+variant), sluice items/s, sluice CPU s/M, relay items/s
        "$root/tools/bench_pipeline.sh" "${popts[@]}" ${v:+"$v"} --no-half "$b" "$secs" 1 2>/dev/null |
          awk -v b="$b${v:++spanmetrics}" '/^relay/ {r = $3} /^sluice, full load/ {p = $4; c = $5} END {print b, p, c, r}' >>"$out"
      done
    done
  done
  names=()
  for b in "$@"; do
    names+=("$b")
    [ "$smab" = 1 ] && names+=("$b+spanmetrics")
  done
  if [ "$smab" = 1 ]; then
    for b in "$@"; do
      # per round: CPU with / CPU without, then the median of the ratios
      paste <(awk -v b="$b" '$1 == b {print $3}' "$out") <(awk -v b="$b+spanmetrics" '$1 == b {print $3}' "$out") |
        awk '{print ($1 > 0) ? $2 / $1 : 0}' > "$out.ratio"
      printf '%s: spanmetrics on/off CPU per span, median of %s rounds: %.3f (rounds: %s)\n' "$b" "$rounds" \
        "$(pick med < "$out.ratio")" "$(sort -g "$out.ratio" | tr '\n' ' ')"
    done
    rm -f "$out.ratio"
  fi
  for b in "${names[@]}"; do
    colb() { awk -v b="$b" -v c="$1" '$1 == b {print $c}' "$out"; }
    p=$(colb 2 | pick med); c=$(colb 3 | pick med); r=$(colb 4 | pick med)
    printf '%s: sluice %s items/s (median of %s), CPU %s s per M items; relay %s items/s; sluice/relay %s\n' \
      "$b" "$p" "$rounds" "$c" "$r" "$(awk -v p="$p" -v r="$r" 'BEGIN {printf "%.2f", r ? p / r : 0}')"
  done
  # each build against the first, round by round (the rounds ran side by
  # side, so a slow spell of the host weighs on both), then the median
  for b in "${names[@]:1}"; do
    for c in 2 3; do
      paste <(awk -v b="${names[0]}" -v c=$c '$1 == b {print $c}' "$out") \
        <(awk -v b="$b" -v c=$c '$1 == b {print $c}' "$out") |
        awk '{print ($1 > 0) ? $2 / $1 : 0}' > "$out.ratio.$c"
    done
    printf '%s / %s, per-round ratios: items/s median %.3f (%s), CPU per item median %.3f (%s)\n' \
      "$b" "${names[0]}" "$(pick med < "$out.ratio.2")" "$(sort -g "$out.ratio.2" | awk '{printf "%s%.3f", (NR > 1 ? " " : ""), $1}')" \
      "$(pick med < "$out.ratio.3")" "$(sort -g "$out.ratio.3" | awk '{printf "%s%.3f", (NR > 1 ? " " : ""), $1}')"
    rm -f "$out.ratio.2" "$out.ratio.3"
  done
  exit 0
fi

for ((i = 0; i < rounds; i++)); do
  for b in "$@"; do
    "$b/tests/stages/bench_stages" 1 |
      awk -v b="$b" '/5-processor/ {r = $4} /chain_run alone/ {c = $8} END {print b, r, c}' >>"$out"
  done
done
# column 2: rate (higher is better), column 3: CPU ms per M spans
for b in "$@"; do
  rate() { awk -v b="$b" '$1 == b {print $2}' "$out"; }
  cpu() { awk -v b="$b" '$1 == b {print $3}' "$out"; }
  printf '%s: process stage M spans/s median %s best %s | chain CPU ms per M spans min %s median %s\n' \
    "$b" "$(rate | pick med)" "$(rate | pick max)" "$(cpu | pick min)" "$(cpu | pick med)"
done
