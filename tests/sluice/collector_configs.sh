#!/usr/bin/env bash
# collector_configs.sh BIN_DIR CONFIG_DIR: `sluice check` on the Collector
# users' configs of tests/config/collector (agent-https, red-metrics,
# route-by-team, as written). Each is accepted (exit 0, "config is valid")
# and sluice made of it what a Collector user expects: every signal to its
# /v1/<signal> URL over TLS, spanmetrics feeding the metrics pipeline,
# routing into its three pipelines, TLS on or off as the Collector decides.
# Where sluice departs on purpose, the exact message: an unset ${env:...}
# (the Collector substitutes ""), a certificate file that does not exist.
# The effective config printed is itself a config that prints the same.
set -euo pipefail
bin=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cp "$src"/*.yaml "$d"/
cd "$d"
# Where sluice keeps its files: under $d, so the notes about them do not
# depend on the host (as root the defaults are /run and /var/lib).
export XDG_RUNTIME_DIR=$d/run XDG_STATE_HOME=$d/state

# check NAME EXPECTED_RC: runs `sluice check -c NAME`, stdout in NAME.out,
# stderr in NAME.err.
check() {
	local rc=0
	"$bin/sluice" check -c "$1" > "$1.out" 2> "$1.err" || rc=$?
	[ "$rc" -eq "$2" ] || fail "$1: check exit $rc, want $2: $(cat "$1.err")"
}
has() { grep -qxF -- "$2" "$1" || fail "$1: no line '$2' in: $(cat "$1")"; }
roundtrip() { # the printout loads, and prints the same again
	cp "$1.out" "$1.printed.yaml"
	check "$1.printed.yaml" 0
	diff <(grep -v '^# sluice effective configuration' "$1.out") \
		<(grep -v '^# sluice effective configuration' "$1.printed.yaml.out") > /dev/null ||
		fail "$1: the printout does not print the same"
}

# agent-https.yaml: the API key comes from the environment; unset is an error.
(unset BACKEND_API_KEY; check agent-https.yaml 2)
has agent-https.yaml.err "sluice: $d/agent-https.yaml:28:18: environment variable \"BACKEND_API_KEY\" is not set"
export BACKEND_API_KEY=k-123
check agent-https.yaml 0
has agent-https.yaml.err "sluice: agent-https.yaml: config is valid"
has agent-https.yaml.out '      "x-api-key": "k-123"'
for s in traces logs metrics; do
	has agent-https.yaml.out "    # $s go to https://otlp.backend.example:443/v1/$s (TLS)"
	has agent-https.yaml.out "#   receiver otlp, $s -> in:$s"
done
has agent-https.yaml.out '#   ring 6 out:traces (traces, 64MiB) <- mid:traces'
has agent-https.yaml.out '      num_consumers: 8'
roundtrip agent-https.yaml

# red-metrics.yaml: the mTLS files must exist ...
if [ ! -e /etc/sluice/tls/ca.pem ]; then
	check red-metrics.yaml 2
	has red-metrics.yaml.err "sluice: $d/red-metrics.yaml:25:16: exporters.otlp_grpc.tls.ca_file: cannot read \"/etc/sluice/tls/ca.pem\": No such file or directory"
fi
# ... and are loaded as the export stage loads them: made here, the paths pointed at them.
mkdir tls
openssl req -x509 -newkey rsa:2048 -nodes -keyout tls/ca.key -out tls/ca.pem -days 1 \
	-subj /CN=test-ca 2> /dev/null
openssl req -newkey rsa:2048 -nodes -keyout tls/client.key -out tls/client.csr \
	-subj /CN=sluice 2> /dev/null
openssl x509 -req -in tls/client.csr -CA tls/ca.pem -CAkey tls/ca.key -CAcreateserial \
	-out tls/client.pem -days 1 2> /dev/null
sed -i "s|/etc/sluice/tls/|$d/tls/|" red-metrics.yaml
check red-metrics.yaml 0
has red-metrics.yaml.err "sluice: red-metrics.yaml: config is valid"
has red-metrics.yaml.out '    # gRPC to gateway.observability.svc:4317, TLS'
has red-metrics.yaml.out '        buckets: [5ms, 10ms, 25ms, 50ms, 100ms, 250ms, 500ms, 1s, 2500ms]'
has red-metrics.yaml.out '      enabled: true'
has red-metrics.yaml.out '    aggregation_cardinality_limit: 5000'
has red-metrics.yaml.out '#   ring 2 mid:metrics (metrics, 64MiB) <- spanmetrics'
has red-metrics.yaml.out '#   pipeline traces -> spanmetrics -> metrics'
roundtrip red-metrics.yaml

# route-by-team.yaml: OTTL conditions, routing into three pipelines.
check route-by-team.yaml 0
has route-by-team.yaml.err "sluice: route-by-team.yaml: config is valid"
has route-by-team.yaml.out '#   pipeline traces/in -> routing -> traces/payments traces/shop traces/shared'
has route-by-team.yaml.out '#   ring 2 mid:traces/payments (traces, 64MiB) <- in:traces/in'
has route-by-team.yaml.out '#   ring 5 mid:logs (logs, 64MiB) <- in:logs'
has route-by-team.yaml.out '    # traces go to https://payments-collector.internal:4318/v1/traces (TLS)'
has route-by-team.yaml.out '    # traces go to http://shop-collector.internal:4318/v1/traces'
has route-by-team.yaml.out '    # gRPC to shared-collector.internal:4317, plain text (no TLS)'
has route-by-team.yaml.out '        - "severity_number < SEVERITY_NUMBER_INFO"'
has route-by-team.yaml.out '    default_pipelines: ["traces/shared"]'
roundtrip route-by-team.yaml

echo "ok: the Collector users' configs are accepted as written and mean what they say"
