#!/usr/bin/env bash
# End to end as a hospital site would use the FHIR REST facade: plain curl with its client
# certificate (made by deploy/dev-ca.sh) against the real `trialgate serve`.
#   tests/http/curl_site_test.sh TRIALGATE_BINARY SOURCE_DIR
# Exits non-zero, saying which step failed, when any answer is not what R4 prescribes.
set -euo pipefail
trialgate="$1"
source_dir="$2"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$source_dir/deploy/dev-ca.sh" "$work/ca" site-a:site:site-a warehouse:warehouse >/dev/null
"$trialgate" serve --config "$work/ca/gateway.json" --data "$work/data" --listen 127.0.0.1:0 \
  --mllp-listen off --http-listen 127.0.0.1:0 >"$work/out" 2>"$work/log" &
server_pid=$!
# It prints its addresses on stdout, the gRPC one last, once everything listens.
for _ in $(seq 100); do
  grep -q '^trialgate listening on ' "$work/out" && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
http="$(sed -n 's/^trialgate http listening on //p' "$work/out")"
[ -n "$http" ] || { echo "FAIL: no HTTP address"; cat "$work/log"; exit 1; }
base="https://$http/fhir"

# curl as site-a: its certificate, the gateway's CA; prints the status, keeps the body. The
# body's type is FHIR JSON unless TYPE says otherwise.
site() {
  curl --silent --show-error --cacert "$work/ca/ca.pem" --cert "$work/ca/site-a.pem" \
    --key "$work/ca/site-a.key" -H "Content-Type: ${TYPE:-application/fhir+json}" \
    -o "$work/body" -w '%{http_code}' "$@"
}
expect() {  # expect STEP STATUS ACTUAL [TEXT-IN-BODY]
  if [ "$3" != "$2" ] || { [ -n "${4:-}" ] && ! grep -q -- "$4" "$work/body"; }; then
    echo "FAIL: $1: status $3 (expected $2${4:+ and '$4' in the body})"
    cat "$work/body"; echo; exit 1
  fi
  echo "ok: $1 ($3)"
}
data="$source_dir/tests/integration/testdata"

expect "metadata" 200 "$(site "$base/metadata")" '"fhirVersion":"4.0.1"'
expect "transaction" 200 "$(site -X POST --data-binary @"$data/transaction-enrol-and-data.json" "$base")" \
  '"status":"201 Created"'
expect "transaction again" 200 "$(site -X POST --data-binary @"$data/transaction-enrol-and-data.json" "$base")" \
  '"status":"200 OK"'
expect "enrol" 201 "$(site -X POST --data-binary @"$data/research-subject-pt-1001.json" "$base/ResearchSubject")"
expect "create" 201 "$(site -X POST --data-binary @"$data/observation-anc-pt-1001.json" "$base/Observation")"
expect "conditional create" 201 "$(site -X POST -H 'If-None-Exist: identifier=urn:lab|X-1' \
  --data-binary @"$data/observation-anc-pt-1001.json" "$base/Observation")"
expect "conditional create again" 200 "$(site -X POST -H 'If-None-Exist: identifier=urn:lab|X-1' \
  --data-binary @"$data/observation-anc-pt-1001.json" "$base/Observation")"
expect "update" 201 "$(site -X PUT -H 'Prefer: return=representation' \
  --data-binary @"$data/observation-anc-pt-1001.json" "$base/Observation/obs-anc-1001-c1d1")" \
  '"versionId":"1"'
expect "stale If-Match" 412 "$(site -X PUT -H 'If-Match: W/"7"' \
  --data-binary @"$data/observation-anc-pt-1001.json" "$base/Observation/obs-anc-1001-c1d1")" \
  'OperationOutcome'
expect "\$validate" 200 "$(site -X POST --data-binary '{"resourceType":"Observation"}' \
  "$base/Observation/\$validate")" '"severity":"error"'
expect "read" 405 "$(site "$base/Observation/obs-anc-1001-c1d1")" 'OperationOutcome'
expect "XML" 415 "$(TYPE=application/fhir+xml site -X POST --data-binary '<x/>' \
  "$base/Observation")" 'OperationOutcome'
expect "health" 200 "$(site "https://$http/readyz")" 'ready'
code="$(curl --silent --cacert "$work/ca/ca.pem" -o /dev/null -w '%{http_code}' "$base/metadata" || true)"
[ "$code" = 000 ] || { echo "FAIL: no client certificate was answered $code"; exit 1; }
echo "ok: no client certificate, no connection"
echo "PASS"
