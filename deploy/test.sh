#!/usr/bin/env bash
# Installs the Debian packages, builds everything and runs every test (unit, integration with a
# real server on loopback, crash recovery). Exits non-zero when any test fails.
# TRIALGATE_SANITIZE=1 builds into build-asan with clang, AddressSanitizer + UBSan instead: the
# tree deploy/fuzz.sh builds its libFuzzer targets in, so that CI compiles the project twice, not
# three times.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build
if [ "${TRIALGATE_SANITIZE:-0}" = 1 ]; then
  ./deploy/install-deps.sh --with-fuzz
  build_dir=build-asan
  ./deploy/configure-asan.sh -DTRIALGATE_BUILD_TESTS=ON
else
  ./deploy/install-deps.sh
  cmake -S . -B build -DTRIALGATE_BUILD_TESTS=ON -DTRIALGATE_BUILD_BENCHMARKS=ON >/dev/null
fi
cmake --build "$build_dir" -j"$(nproc)"
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)" --timeout 900
