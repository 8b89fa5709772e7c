#!/usr/bin/env bash
# check_parts.sh BIN_DIR: `sluice check` and `sluice run` load every TLS
# block the way the stages will (a key that does not match its certificate
# is an error naming both files) and take span-metrics settings the way the
# aggregation will (what it cannot do is refused by name); a good config
# with TLS passes.
set -euo pipefail
bin=$1
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
for n in a b; do
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/$n.key" -out "$d/$n.pem" -days 1 \
		-subj "/CN=$n" 2>/dev/null
done
fail() { echo "FAIL: $*"; exit 1; }

cat > "$d/bad.yaml" <<YAML
receivers:
  otlp:
    protocols:
      http:
        tls: {cert_file: $d/a.pem, key_file: $d/b.key}
connectors:
  spanmetrics:
    calls_dimensions: [{name: x}]
exporters:
  debug: {}
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [spanmetrics]}
    metrics: {receivers: [spanmetrics], exporters: [debug]}
YAML
set +e
"$bin/sluice" check -q -c "$d/bad.yaml" 2> "$d/err"
rc=$?
set -e
[ $rc -eq 2 ] || fail "check exit $rc, want 2: $(cat "$d/err")"
grep -q "bad.yaml:2:3: receivers.otlp.protocols.http.tls: tls key_file $d/b.key: does not match cert_file $d/a.pem" "$d/err" ||
	fail "no key mismatch line: $(cat "$d/err")"
grep -q "bad.yaml:7:3: connectors.spanmetrics: calls_dimensions and histogram.dimensions are not supported" "$d/err" ||
	fail "no spanmetrics line: $(cat "$d/err")"
# run refuses the same, before starting anything
set +e
XDG_RUNTIME_DIR=$d XDG_STATE_HOME=$d "$bin/sluice" run -c "$d/bad.yaml" 2> "$d/run.err"
rc=$?
set -e
[ $rc -eq 2 ] || fail "run exit $rc, want 2: $(cat "$d/run.err")"
grep -q "does not match cert_file" "$d/run.err" || fail "run did not say why: $(cat "$d/run.err")"

sed -e "s|$d/b.key|$d/a.key|" -e '/calls_dimensions/d' -e '/^  spanmetrics:$/s/$/ {}/' "$d/bad.yaml" > "$d/good.yaml"
"$bin/sluice" check -q -c "$d/good.yaml" 2> "$d/err" || fail "good config refused: $(cat "$d/err")"
echo "ok: TLS blocks and span-metrics settings checked as the stages take them"
