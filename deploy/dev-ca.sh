#!/usr/bin/env bash
# Makes a development certificate authority with OpenSSL, a server certificate for the gateway
# and client certificates, plus a gateway config (gateway.json) that maps each client
# certificate to an identity. For local development and tests only: the CA key sits unprotected
# beside the certificates.
#
#   deploy/dev-ca.sh [DIR] [NAME:ROLE[:SITE]...]
#
# DIR defaults to ./dev-ca. Default clients: site-a:site:site-a site-b:site:site-b
# warehouse:warehouse registry-admin:registry-admin auditor:auditor. Run again to add clients:
# the CA and existing certificates are kept. The server certificate names localhost,
# 127.0.0.1, ::1 and this host's name (TRIALGATE_SERVER_NAMES adds more, comma-separated).
set -euo pipefail

dir="${1:-./dev-ca}"
[ $# -gt 0 ] && shift
clients=("$@")
if [ ${#clients[@]} -eq 0 ]; then
  clients=(site-a:site:site-a site-b:site:site-b warehouse:warehouse registry-admin:registry-admin
           auditor:auditor monitor:monitor)
fi
command -v openssl >/dev/null || { echo "dev-ca: openssl is missing (deploy/install-deps.sh)" >&2; exit 1; }

mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
umask 077
organisation="trialgate-development"
days=825

# An EC P-256 key (small and quick to handshake).
new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

if [ ! -f "$dir/ca.pem" ]; then
  new_key "$dir/ca.key"
  openssl req -x509 -new -key "$dir/ca.key" -out "$dir/ca.pem" -days "$days" \
    -subj "/O=$organisation/CN=trialgate development CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
  echo "dev-ca: made the CA $dir/ca.pem"
fi

# issue NAME SUBJECT EXTENSIONS: a key and a certificate signed by the CA, unless present.
issue() {
  local name="$1" subject="$2" extensions="$3"
  [ -f "$dir/$name.pem" ] && return 0
  new_key "$dir/$name.key"
  openssl req -new -key "$dir/$name.key" -subj "$subject" -out "$dir/$name.csr"
  printf '%s\n' "$extensions" > "$dir/$name.ext"
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
    -CAcreateserial -out "$dir/$name.pem" -days "$days" -extfile "$dir/$name.ext" 2>/dev/null
  rm -f "$dir/$name.csr" "$dir/$name.ext"
  echo "dev-ca: issued $dir/$name.pem ($subject)"
}

server_names="DNS:localhost,IP:127.0.0.1,IP:::1,DNS:$(hostname)"
for extra in $(echo "${TRIALGATE_SERVER_NAMES:-}" | tr ',' ' '); do
  case "$extra" in
    *[!0-9.]*) server_names="$server_names,DNS:$extra" ;;
    *) server_names="$server_names,IP:$extra" ;;
  esac
done
issue server "/O=$organisation/CN=trialgate gateway" \
  "subjectAltName=$server_names
extendedKeyUsage=serverAuth
keyUsage=critical,digitalSignature"

# Every client issued so far, one NAME:ROLE[:SITE] per line: gateway.json lists them all.
roster="$dir/clients.txt"
touch "$roster"
for client in "${clients[@]}"; do
  IFS=: read -r name role site <<< "$client"
  if [ -z "$name" ] || [ -z "$role" ] || { [ "$role" = site ] && [ -z "$site" ]; }; then
    echo "dev-ca: a client is NAME:ROLE[:SITE] (site needs SITE), not '$client'" >&2
    exit 2
  fi
  issue "$name" "/O=$organisation/CN=$name" \
    "subjectAltName=DNS:$name.clients.trialgate.invalid
extendedKeyUsage=clientAuth
keyUsage=critical,digitalSignature"
  grep -q "^$name:" "$roster" || echo "$client" >> "$roster"
done

identities=""
while IFS=: read -r name role site; do
  # gRPC reports the subject in RFC 2253 order: the last component first.
  entry="    {\"name\": \"$name\", \"subject\": \"CN=$name,O=$organisation\", \"roles\": [\"$role\"]"
  [ -n "$site" ] && entry="$entry, \"site\": \"$site\""
  identities="${identities:+$identities,
}$entry}"
done < "$roster"

cat > "$dir/gateway.json" <<JSON
{
  "tls": {
    "certFile": "$dir/server.pem",
    "keyFile": "$dir/server.key",
    "clientCaFile": "$dir/ca.pem"
  },
  "identities": [
$identities
  ]
}
JSON
echo "dev-ca: wrote $dir/gateway.json; start the gateway with: trialgate serve --config $dir/gateway.json"
