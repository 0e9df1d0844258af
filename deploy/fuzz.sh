#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (+ASan/UBSan) and runs each for FUZZ_SECONDS (default
# 60), seeded with the repository's own FHIR test resources. Exits non-zero on any crash, leak,
# sanitizer report or timeout; the input that caused it is left in build-fuzz/findings/.
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/install-deps.sh --with-fuzz

CC=clang CXX=clang++ cmake -S . -B build-fuzz -DTRIALGATE_FUZZ=ON -DTRIALGATE_BUILD_TESTS=OFF \
  -DTRIALGATE_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target submission_fuzzer

corpus=build-fuzz/corpus
findings=build-fuzz/findings
mkdir -p "$corpus" "$findings"
cp tests/integration/testdata/*.json tests/mappers/testdata/*.json tests/validation/golden/*.json \
  tests/validation/testdata/*.json \
  "$corpus"/
./build-fuzz/tests/fuzz/submission_fuzzer "$corpus" \
  -max_total_time="${FUZZ_SECONDS:-60}" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -artifact_prefix="$findings/" -print_final_stats=1
