#!/usr/bin/env bash
# Ingest over gRPC streams into N gateway replicas sharing one PostgreSQL (issue 18, point 5).
#
#   tests/bench/postgres_replicas_load.sh N LOAD_DIR [CLIENTS]
#
# LOAD_DIR holds requests-rK.bin and enrol-rK.json for K = 1..CLIENTS, as
# ../shared/tools/grpcload/make_requests.py writes them (one run id each: distinct resources).
# Starts PostgreSQL 15 in a temporary directory (fsync on, as the postgres user when root), N
# `trialgate serve --store` replicas sharing one key, enrols each run's subjects through replica
# 1 (the others find them), then runs CLIENTS (default N) build/tests/bench/ingest_load clients at
# once, client K against replica ((K-1) mod N)+1 (stream mode, 4 streams of 256 in flight each),
# and prints each client's line and the rate of them all. Comparing N = 1 and N = 3 with CLIENTS = 3 offers
# both the same load from the same clients, as a load balancer in front of the replicas would.
set -euo pipefail
replicas=${1:?replicas}
load=${2:?load directory}
client_count=${3:-$replicas}
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
for k in $(seq 1 "$client_count"); do
  "$here/build/trialgate" submit --target 127.0.0.1:50191 --source load-ehr "$load/enrol-r$k.json" >/dev/null
done
clients=()
for k in $(seq 1 "$client_count"); do
  r=$(( (k - 1) % replicas + 1 ))
  "$here/build/tests/bench/ingest_load" --target "127.0.0.1:$((50190 + r))" \
    --requests "$load/requests-r$k.bin" --mode stream --connections 4 --in-flight "${IN_FLIGHT:-256}" \
    >"$work/client-$k.out" &
  clients+=($!)
done
for pid in "${clients[@]}"; do wait "$pid"; done
# The clients start together: all their resources over the slowest one's time.
count=0 slowest=0
for k in $(seq 1 "$client_count"); do
  line=$(cat "$work/client-$k.out")
  echo "client $k -> replica $(( (k - 1) % replicas + 1 )): $line"
  count=$(( count + $(grep -o ' count=[0-9]*' <<<"$line" | cut -d= -f2) ))
  seconds=$(grep -o ' seconds=[0-9.]*' <<<"$line" | cut -d= -f2)
  slowest=$(echo "if ($seconds > $slowest) $seconds else $slowest" | bc)
done
echo "$client_count client(s), $replicas replica(s): $count resources in ${slowest} s," \
  "$(echo "$count / $slowest" | bc) resources/s"
