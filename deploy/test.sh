#!/usr/bin/env bash
# Installs the Debian packages, builds everything and runs every test (unit, integration with a
# real server on loopback, crash recovery). Exits non-zero when any test fails.
# TRIALGATE_SANITIZE=1 builds into build-asan with AddressSanitizer + UBSan instead.
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/install-deps.sh

build_dir=build
options=(-DTRIALGATE_BUILD_TESTS=ON -DTRIALGATE_BUILD_BENCHMARKS=ON)
if [ "${TRIALGATE_SANITIZE:-0}" = 1 ]; then
  build_dir=build-asan
  options+=(-DTRIALGATE_SANITIZE=ON -DTRIALGATE_BUILD_BENCHMARKS=OFF)
fi
cmake -S . -B "$build_dir" "${options[@]}" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)" --timeout 900
