#!/usr/bin/env bash
# tls_tools.sh BIN_DIR SOURCE_DIR: sluice-gen -> sluice-sink over TLS, real
# processes: OTLP/HTTP (ALPN http/1.1) and OTLP/gRPC (ALPN h2), every span
# acknowledged; a gen that does not trust the sink's CA gets nothing
# through, and says why.
set -euo pipefail
bin=$1
src=$2
d=$(mktemp -d)
sp=
cleanup() {
	[ -n "$sp" ] && kill "$sp" 2>/dev/null && wait "$sp" 2>/dev/null
	rm -rf "$d"
}
trap cleanup EXIT
"$src/tests/net/make_certs.sh" "$d/certs"
"$bin/sluice-sink" --http 127.0.0.1:0 --grpc 127.0.0.1:0 --port-file "$d/ports" \
	--tls-cert "$d/certs/server.pem" --tls-key "$d/certs/server.key" --quiet &
sp=$!
for _ in $(seq 100); do [ -s "$d/ports" ] && break; sleep 0.05; done
read -r hp gp < <(sed 's/http=\([0-9]*\) grpc=\([0-9]*\)/\1 \2/' "$d/ports")
[ -n "$hp" ] && [ -n "$gp" ] || { echo "no ports: $(cat "$d/ports")"; exit 1; }

for proto in http grpc; do
	port=$hp
	[ $proto = grpc ] && port=$gp
	"$bin/sluice-gen" -p $proto -e 127.0.0.1:$port -s 512 -n 10240 -c 2 -d 20 -q \
		--tls-ca "$d/certs/ca.pem" > "$d/gen.out"
	grep -q "spans         sent 10240  acked 10240" "$d/gen.out" || { cat "$d/gen.out"; exit 1; }
	echo "ok: $proto over TLS, 10240 spans acknowledged"
done

# Trusting another CA: nothing is acknowledged, the reason is logged.
# (-d 8: under a sanitizer on a busy box the first handshake alone can take
# seconds; gen keeps retrying for the whole duration)
if "$bin/sluice-gen" -p grpc -e 127.0.0.1:$gp -s 512 -n 1024 -c 1 -d 8 \
	--tls-ca "$d/certs/other-ca.pem" > "$d/bad.out" 2>&1; then
	:
fi
grep -q "acked 0" "$d/bad.out" || { cat "$d/bad.out"; exit 1; }
grep -q "certificate verify failed: unable to get local issuer certificate" "$d/bad.out" ||
	{ cat "$d/bad.out"; exit 1; }
echo "ok: an untrusted sink is refused with the reason"
