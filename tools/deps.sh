#!/usr/bin/env bash
# Installs what sluice needs to build and test, and nothing when all is there.
# Debian 12 packages only (apt-get), plus the OpenTelemetry JS SDK from npm
# for the interop tests (pinned by tests/node/package-lock.json).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

pkgs=(build-essential cmake pkg-config clang clang-format libclang-rt-14-dev
      liburing-dev libprotobuf-c-dev protobuf-c-compiler libyaml-dev check
      libsubunit-dev libnghttp2-dev libjson-c-dev zlib1g-dev socat procps prometheus
      libssl-dev libdeflate-dev libzstd-dev libsnappy-dev libisal-dev
      openssl nghttp2-client curl zstd)
# ipsec-mb (TLS records' AES-GCM, net/tls_gcm.c) is built for amd64 only
[ "$(dpkg --print-architecture)" = amd64 ] && pkgs+=(libipsec-mb-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Node.js runs the interop tests; any node >= 18.19 and npm will do (Debian's,
# or one already on the machine: don't fight an installed one).
if [ "${1:-}" = "--with-node" ]; then
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "deps: need root to apt-get install: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# node_modules/.sluice-lock is the package-lock.json it was installed from:
# a changed lock file (a new exporter package) installs again
node=$here/tests/node
if [ "${1:-}" = "--with-node" ] && ! cmp -s "$node/package-lock.json" "$node/node_modules/.sluice-lock"; then
  echo "deps: npm ci in tests/node"
  (cd "$node" && npm ci --no-audit --no-fund --loglevel=error &&
    cp package-lock.json node_modules/.sluice-lock)
fi
