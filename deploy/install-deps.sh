#!/usr/bin/env bash
# Installs every Debian 12 package trialgate needs to build, run and test.
# Idempotent and non-interactive; run as root or with sudo available.
# --with-fuzz also installs clang, libFuzzer and jq (deploy/fuzz.sh seeds with Bundle entries).
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake pkg-config git ca-certificates
  # RPC and serialisation
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libabsl-dev
  # JSON, crypto, storage
  rapidjson-dev libssl-dev openssl libsqlite3-dev
  # storage: PostgreSQL's client library; the server, which the tests start in temporary
  # directories (tests/support/temp_postgres.h)
  libpq-dev postgresql-15
  # the programs' allocator (CMakeLists.txt: trialgate_allocator)
  libjemalloc-dev
  # statistics: Boost.Math, header-only (incomplete beta and gamma functions)
  libboost-math-dev
  # CLI parsing and logging; the HTTP server (FHIR REST facade), with curl for its end-to-end test
  libcli11-dev libspdlog-dev libfmt-dev libcpp-httplib-dev curl
  # tests and benchmarks; python3-hl7's mllp_send is the independent HL7 v2 sender the MLLP
  # tests deliver with; expat parses the report plots' SVG in tests/report
  libgtest-dev libgmock-dev libbenchmark-dev python3-hl7 libexpat1-dev
  # the pages in a real browser (tests/http/browser_test): Debian's chromium, headless, a font
  # for its screenshots, and NSS's certutil and pk12util for its CA and client certificate
  chromium fonts-dejavu-core libnss3-tools
)
if [ "${1:-}" = --with-fuzz ]; then
  packages+=(clang libclang-rt-14-dev jq)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: installed ${missing[*]}"
