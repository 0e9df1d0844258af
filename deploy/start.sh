#!/usr/bin/env bash
# Installs the Debian packages, builds `trialgate` and starts it on the embedded default:
# the KRD-ASCT2 study, a SQLite store in ./data, listening on 127.0.0.1:50051 (gRPC),
# 127.0.0.1:2575 (HL7 v2 over MLLP) and 127.0.0.1:8080 (FHIR REST, /healthz, /readyz, /metrics)
# in plaintext (--insecure: local development; docs/security.md shows the TLS set-up).
# Extra arguments go to `trialgate serve` (e.g. --listen 127.0.0.1:6000, --config FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/install-deps.sh
cmake -S . -B build -DTRIALGATE_BUILD_TESTS=OFF -DTRIALGATE_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target trialgate
# Without a config file there are no TLS identities: plaintext, said loudly by the server.
case " $* " in
  *" --config "*) ;;
  *) set -- --insecure "$@" ;;
esac
exec ./build/trialgate serve "$@"
