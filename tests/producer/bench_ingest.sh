#!/bin/bash
# Runs the ingest benchmark 5 times a mode and prints medians.
# usage: tests/producer/bench_ingest.sh BUILD_DIR
B=${1:?usage: bench_ingest.sh BUILD_DIR}
out=$(mktemp)
for mode in "http 5 8 512 1" "grpc 5 8 512 1" "grpc 5 8 512 4"; do
  for i in 1 2 3 4 5; do
    timeout 60 $B/tests/producer/bench_ingest $mode | tr '\n' ' '; echo
  done
done > $out
python3 - $out <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    d = dict(re.findall(r'(\w+)=([\d.]+|\w+)', line))
    if 'mode' in d:
        rows.setdefault((d['mode'], d['streams']), []).append(d)
for (mode, streams), v in rows.items():
    med = lambda f: statistics.median(float(x[f]) for x in v)
    print(f"{mode} streams={streams} runs={len(v)} spans/s={[int(float(x['spans_per_s'])) for x in v]} "
          f"median={med('spans_per_s'):.0f} ingest_cpu_s/Mspans={med('ingest_cpu_s_per_Mspans'):.3f} "
          f"loadgen_cpu_s/Mspans={med('loadgen_and_consumer_cpu_s_per_Mspans'):.3f} "
          f"rss_kb={med('ingest_rss_kb'):.0f} rss_anon_kb={med('ingest_rss_anon_kb'):.0f} "
          f"baseline={med('baseline_protobuf_c_unpack_spans_per_s'):.0f} ratio={med('ratio'):.2f}")
PY
rm -f $out
