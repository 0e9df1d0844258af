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
# The PostgreSQL and deployment tests run programs as other users (the server as `postgres`, the
# units as `nobody`): they need to enter `/`, as on any Debian system. A root made by
# `mktemp -d` for a chroot (mode 0700) stops them; as root, make it enterable, and say so.
if [ "$(id -u)" -eq 0 ] && [ $((0$(stat -c %a /) & 01)) -eq 0 ]; then
  echo "test.sh: / is mode $(stat -c %a /): letting other users enter it (chmod o+x /)"
  chmod o+x /
fi
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)" --timeout 900
