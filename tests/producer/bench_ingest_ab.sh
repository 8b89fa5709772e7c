#!/usr/bin/env bash
# Interleaved A/B of ingest alone (figures, not a test): runs bench_ingest
# from each build directory in turn, ROUNDS times a mode, so a noisy host
# slows every build alike, then prints for each build and mode the median
# and best items/s and the median ingest CPU s per million items.
# (tools/bench_ab.sh does the same for the process stage.)
#   tests/producer/bench_ingest_ab.sh ROUNDS BUILD_DIR [BUILD_DIR ...]
#   MODES="http 5 8 512 1;grpc 5 8 512 4" by default (bench_ingest args)
# e.g. tests/producer/bench_ingest_ab.sh 5 /work/ab-ingest/base/build build
set -euo pipefail
rounds=${1:?rounds}
shift
[ $# -ge 1 ] || { echo "usage: $0 ROUNDS BUILD_DIR..." >&2; exit 2; }
IFS=';' read -r -a modes <<< "${MODES:-http 5 8 512 1;grpc 5 8 512 4}"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for ((i = 0; i < rounds; i++)); do
  for m in "${modes[@]}"; do
    for b in "$@"; do
      # shellcheck disable=SC2086
      timeout 120 "$b/tests/producer/bench_ingest" $m | tr '\n' ' ' |
        awk -v b="$b" -v m="$m" '{ for (i = 1; i <= NF; i++) { split($i, kv, "=");
          if (kv[1] == "spans_per_s") r = kv[2]; if (kv[1] == "ingest_cpu_s_per_Mspans") c = kv[2] }
          print b "|" m "|" r "|" c }' >>"$out"
    done
  done
done
pick() { sort -g | awk -v q="$1" '{a[NR] = $1} END {
  if (q == "max") print a[NR];
  else print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
for m in "${modes[@]}"; do
  for b in "$@"; do
    rate() { awk -F'|' -v b="$b" -v m="$m" '$1 == b && $2 == m {print $3}' "$out"; }
    cpu() { awk -F'|' -v b="$b" -v m="$m" '$1 == b && $2 == m {print $4}' "$out"; }
    printf '%-40s %-22s items/s median %9.0f best %9.0f | ingest CPU s/M items median %s (runs: %s)\n' \
      "$b" "$m" "$(rate | pick med)" "$(rate | pick max)" "$(cpu | pick med)" "$(rate | tr '\n' ' ')"
  done
done
