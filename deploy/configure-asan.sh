#!/usr/bin/env bash
# Configures build-asan, the one clang tree with AddressSanitizer, UBSan and the libFuzzer
# targets that both `TRIALGATE_SANITIZE=1 ./deploy/test.sh` and `./deploy/fuzz.sh` build in.
# Extra arguments go to cmake. Expects clang (install-deps.sh --with-fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
# build-asan was a gcc tree before it was shared with the fuzzers: CMake cannot change the
# compiler of an existing tree, so an old one is started afresh.
if [ -f build-asan/CMakeCache.txt ] && ! grep -q '^CMAKE_CXX_COMPILER:.*clang' build-asan/CMakeCache.txt; then
  echo "build-asan was configured with another compiler: removing it to rebuild with clang"
  rm -rf build-asan
fi
CC=clang CXX=clang++ cmake -S . -B build-asan -DTRIALGATE_FUZZ=ON -DTRIALGATE_BUILD_BENCHMARKS=OFF \
  "$@" >/dev/null
