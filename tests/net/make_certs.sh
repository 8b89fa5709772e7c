#!/usr/bin/env bash
# make_certs.sh DIR: the certificates the TLS tests and benchmarks use, made
# with the openssl command (nothing is checked in). In DIR:
#   ca.pem/.key          the test CA
#   other-ca.pem/.key    a CA nobody trusts
#   server.pem/.key      IP:127.0.0.1, DNS:localhost, from ca (ECDSA P-256)
#   server2.pem/.key     the same names, another key (rotation)
#   client.pem/.key      a client certificate from ca
#   client2.pem/.key     another one (rotation)
#   other.pem/.key       IP:127.0.0.1, DNS:localhost, from other-ca
#   wronghost.pem/.key   DNS:not-this-host.example, from ca
#   expired.pem/.key     IP:127.0.0.1, DNS:localhost, from ca, expired in 2020
#   rsa.pem/.key         IP:127.0.0.1, DNS:localhost, from ca (RSA-2048)
set -euo pipefail
d=$1
mkdir -p "$d"
cd "$d"
[ -f done ] && exit 0

ec() { openssl ecparam -name prime256v1 -genkey -noout -out "$1" 2>/dev/null; }
mkca() {
	ec "$1.key"
	openssl req -x509 -new -key "$1.key" -subj "/CN=$2" -days 30 -out "$1.pem" \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}
ext() { printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$1" > "$2"; }
# sign NAME CA SAN [rsa]
sign() {
	if [ "${4:-}" = rsa ]; then
		openssl genrsa -out "$1.key" 2048 2>/dev/null
	else
		ec "$1.key"
	fi
	openssl req -new -key "$1.key" -subj "/CN=$1" -out "$1.csr" 2>/dev/null
	ext "$3" "$1.ext"
	openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 30 \
		-extfile "$1.ext" -out "$1.pem" 2>/dev/null
}

mkca ca "sluice test CA"
mkca other-ca "another CA"
sign server ca "IP:127.0.0.1,DNS:localhost"
sign server2 ca "IP:127.0.0.1,DNS:localhost"
sign client ca "DNS:client"
sign client2 ca "DNS:client2"
sign other other-ca "IP:127.0.0.1,DNS:localhost"
sign wronghost ca "DNS:not-this-host.example"
sign rsa ca "IP:127.0.0.1,DNS:localhost" rsa

# expired: `openssl ca` is the one command of OpenSSL 3.0 that sets dates.
mkdir -p cadb
: > cadb/index.txt
echo 1000 > cadb/serial
cat > ca.cnf <<CNF
[ ca ]
default_ca = test_ca
[ test_ca ]
database = cadb/index.txt
new_certs_dir = cadb
serial = cadb/serial
certificate = ca.pem
private_key = ca.key
default_md = sha256
policy = any
copy_extensions = none
[ any ]
commonName = supplied
CNF
ec expired.key
openssl req -new -key expired.key -subj "/CN=expired" -out expired.csr 2>/dev/null
ext "IP:127.0.0.1,DNS:localhost" expired.ext
openssl ca -batch -notext -config ca.cnf -in expired.csr -out expired.pem \
	-startdate 20200101000000Z -enddate 20200102000000Z -extfile expired.ext 2>/dev/null
touch done
