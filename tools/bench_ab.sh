#!/usr/bin/env bash
# Interleaved A/B of the process stage (figures, not a test): runs
# `bench_stages 1` from each build directory in turn, ROUNDS times, so a
# noisy host slows every build alike, then prints for each build the
# process stage's rate (median and best of the rounds) and the CPU the
# chain alone takes per million spans (min and median).
#   tools/bench_ab.sh ROUNDS BUILD_DIR [BUILD_DIR ...]
# e.g. tools/bench_ab.sh 10 /work/build-base build
set -euo pipefail
rounds=${1:?rounds}
shift
[ $# -ge 1 ] || { echo "usage: $0 ROUNDS BUILD_DIR..." >&2; exit 2; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for ((i = 0; i < rounds; i++)); do
  for b in "$@"; do
    "$b/tests/stages/bench_stages" 1 |
      awk -v b="$b" '/5-processor/ {r = $4} /chain_run alone/ {c = $8} END {print b, r, c}' >>"$out"
  done
done
# column 2: rate (higher is better), column 3: CPU ms per M spans
pick() { sort -g | awk -v q="$1" '{a[NR] = $1} END {
  if (q == "min") print a[1]; else if (q == "max") print a[NR];
  else print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
for b in "$@"; do
  rate() { awk -v b="$b" '$1 == b {print $2}' "$out"; }
  cpu() { awk -v b="$b" '$1 == b {print $3}' "$out"; }
  printf '%s: process stage M spans/s median %s best %s | chain CPU ms per M spans min %s median %s\n' \
    "$b" "$(rate | pick med)" "$(rate | pick max)" "$(cpu | pick min)" "$(cpu | pick med)"
done
