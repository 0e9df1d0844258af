#!/usr/bin/env bash
# Ingest over gRPC streams into N gateway replicas sharing one PostgreSQL (issue 18, point 5).
#
#   tests/bench/postgres_replicas_load.sh N LOAD_DIR
#
# LOAD_DIR holds requests-rK.bin and enrol-rK.json for K = 1..N, as
# ../shared/tools/grpcload/make_requests.py writes them (one run id each: distinct resources).
# Starts PostgreSQL 15 in a temporary directory (fsync on, as the postgres user when root), N
# `trialgate serve --store` replicas sharing one key, enrols each run's subjects through replica
# 1 (the others find them), then runs build/tests/bench/ingest_load against every replica at once
# (stream mode, 4 streams of 256 in flight each) and prints each replica's line and the sum.
set -euo pipefail
replicas=${1:?replicas}
load=${2:?load directory}
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=/usr/lib/postgresql/15/bin
work=$(mktemp -d /tmp/pgload-XXXXXX)
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$work"
  as_pg=(runuser -u postgres --)
fi
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "${as_pg[@]}" "$bin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
"${as_pg[@]}" "$bin/initdb" -D "$work/data" -A trust -U postgres >/dev/null
"${as_pg[@]}" "$bin/pg_ctl" -D "$work/data" -l "$work/server.log" -w \
  -o "-c listen_addresses='' -c unix_socket_directories=$work -c max_connections=200" start >/dev/null
store="postgresql://postgres@/postgres?host=$work"
export TRIALGATE_HMAC_KEY=$(openssl rand -hex 32)
for r in $(seq 1 "$replicas"); do
  mkdir -p "$work/replica-$r"
  "$here/build/trialgate" serve --insecure --store "$store" --data "$work/replica-$r" \
    --listen "127.0.0.1:$((50190 + r))" --mllp-listen off --http-listen off \
    >"$work/replica-$r.out" 2>"$work/replica-$r.log" &
  pids+=($!)
done
for r in $(seq 1 "$replicas"); do
  for _ in $(seq 100); do grep -q "trialgate listening" "$work/replica-$r.out" && break; sleep 0.1; done
done
for r in $(seq 1 "$replicas"); do
  "$here/build/trialgate" submit --target 127.0.0.1:50191 --source load-ehr "$load/enrol-r$r.json" >/dev/null
done
clients=()
for r in $(seq 1 "$replicas"); do
  "$here/build/tests/bench/ingest_load" --target "127.0.0.1:$((50190 + r))" \
    --requests "$load/requests-r$r.bin" --mode stream --connections 4 --in-flight 256 \
    >"$work/client-$r.out" &
  clients+=($!)
done
for pid in "${clients[@]}"; do wait "$pid"; done
total=0
for r in $(seq 1 "$replicas"); do
  echo "replica $r: $(cat "$work/client-$r.out")"
  rate=$(grep -o ' rate=[0-9.]*' "$work/client-$r.out" | cut -d= -f2)
  total=$(echo "$total + ${rate:-0}" | bc)
done
echo "sum over $replicas replica(s): $total resources/s"
