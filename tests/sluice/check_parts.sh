#!/usr/bin/env bash
# check_parts.sh BIN_DIR: `sluice check` and `sluice run` load every TLS
# block the way the stages will (a key that does not match its certificate
# is an error naming both files, a file that is not PEM names the file and
# its key, in receivers and exporters alike) and take span-metrics settings the way the
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

# Every TLS block is checked, each failure on its own line naming the file:
# a client key not matching its certificate, files that are not PEM.
echo "not a certificate" > "$d/junk.pem"
cat > "$d/bad2.yaml" <<YAML
receivers:
  otlp:
    protocols:
      grpc:
        tls: {cert_file: $d/junk.pem, key_file: $d/a.key}
      http:
        tls: {cert_file: $d/a.pem, key_file: $d/a.key, client_ca_file: $d/junk.pem}
exporters:
  otlphttp:
    endpoint: https://127.0.0.1:1
    tls: {ca_file: $d/a.pem, cert_file: $d/b.pem, key_file: $d/a.key}
  otlp:
    endpoint: 127.0.0.1:1
    tls: {ca_file: $d/junk.pem}
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [otlphttp, otlp]}
YAML
set +e
"$bin/sluice" check -q -c "$d/bad2.yaml" 2> "$d/err"
rc=$?
set -e
[ $rc -eq 2 ] || fail "check exit $rc, want 2: $(cat "$d/err")"
for want in \
	"bad2.yaml:9:3: exporters.otlphttp.tls: tls key_file $d/a.key: does not match cert_file $d/b.pem" \
	"bad2.yaml:12:3: exporters.otlp.tls: tls ca_file $d/junk.pem: " \
	"bad2.yaml:2:3: receivers.otlp.protocols.grpc.tls: tls cert_file $d/junk.pem: " \
	"bad2.yaml:2:3: receivers.otlp.protocols.http.tls: tls client_ca_file $d/junk.pem: "; do
	grep -qF "$want" "$d/err" || fail "no line \"$want\": $(cat "$d/err")"
done

sed -e "s|$d/b.key|$d/a.key|" -e '/calls_dimensions/d' -e '/^  spanmetrics:$/s/$/ {}/' "$d/bad.yaml" > "$d/good.yaml"
"$bin/sluice" check -q -c "$d/good.yaml" 2> "$d/err" || fail "good config refused: $(cat "$d/err")"

# The process stage's own limits are met before it starts: a chain that
# tracks more attribute keys than it can (192) is refused by check and run
# with the pipeline's position, instead of a stage exiting on every restart.
{
	printf 'receivers:\n  otlp:\n    protocols:\n      http: {endpoint: "127.0.0.1:1"}\n'
	printf 'processors:\n  attributes:\n    actions:\n'
	for i in $(seq 1 200); do printf '      - {key: k%d, value: v, action: insert}\n' "$i"; done
	printf 'exporters:\n  debug: {}\nservice:\n  pipelines:\n'
	printf '    logs: {receivers: [otlp], processors: [attributes], exporters: [debug]}\n'
} > "$d/keys.yaml"
line=$(grep -n '^    logs:' "$d/keys.yaml" | cut -d: -f1)
for cmd in check run; do
	set +e
	XDG_RUNTIME_DIR=$d XDG_STATE_HOME=$d "$bin/sluice" $cmd -q -c "$d/keys.yaml" 2> "$d/err"
	rc=$?
	set -e
	[ $rc -eq 2 ] || fail "$cmd of 200 attribute keys: exit $rc, want 2: $(cat "$d/err")"
	grep -q "keys.yaml:$line:5: pipeline logs: .*more than 192 attribute keys" "$d/err" ||
		fail "$cmd did not name the pipeline and the limit: $(cat "$d/err")"
done
echo "ok: TLS blocks, span-metrics settings and processor chains checked as the stages take them"
