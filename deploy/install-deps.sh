#!/usr/bin/env bash
# Installs every Debian 12 package trialgate needs to build, run and test.
# Idempotent and non-interactive; run as root or with sudo available.
# --with-fuzz also installs clang, libFuzzer and jq (deploy/fuzz.sh seeds with Bundle entries).
# --build-only installs only what building the `trialgate` binary needs (the container image's
# build stage, deploy/container/Containerfile). --list prints the packages instead of installing
# them (after the other option, if any).
set -euo pipefail

# What building the binary needs (configured with -DTRIALGATE_BUILD_TESTS=OFF).
build_packages=(
  # toolchain
  build-essential cmake pkg-config git ca-certificates
  # RPC and serialisation
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libabsl-dev
  # JSON, crypto, storage (PostgreSQL's client library)
  rapidjson-dev libssl-dev openssl libsqlite3-dev libpq-dev
  # the programs' allocator (CMakeLists.txt: trialgate_allocator)
  libjemalloc-dev
  # statistics: Boost.Math, header-only (incomplete beta and gamma functions)
  libboost-math-dev
  # CLI parsing and logging; the HTTP server (FHIR REST facade)
  libcli11-dev libspdlog-dev libfmt-dev libcpp-httplib-dev
)
packages=(
  "${build_packages[@]}"
  # the PostgreSQL server, which the tests start in temporary directories
  # (tests/support/temp_postgres.h)
  postgresql-15
  # curl for the FHIR REST end-to-end test and the deployment tests' probes
  curl
  # the deployment artefacts' tests (tests/deploy): systemd-analyze and systemd-sysusers, nginx
  # with its stream module (the load balancer), YAML, libseccomp's Python binding (the units'
  # filters), the Kubernetes client's API models (schema checks of the manifests)
  systemd nginx libnginx-mod-stream python3-yaml python3-seccomp python3-kubernetes
  # tests and benchmarks; python3-hl7's mllp_send is the independent HL7 v2 sender the MLLP
  # tests deliver with; expat parses the report plots' SVG in tests/report
  libgtest-dev libgmock-dev libbenchmark-dev python3-hl7 libexpat1-dev
  # the pages in a real browser (tests/http/browser_test): Debian's chromium, headless, a font
  # for its screenshots, and NSS's certutil and pk12util for its CA and client certificate
  chromium fonts-dejavu-core libnss3-tools
)
case "${1:-}" in
  --with-fuzz) packages+=(clang libclang-rt-14-dev jq) ;;
  --build-only) packages=("${build_packages[@]}") ;;
esac
if [ "${1:-}" = --list ] || [ "${2:-}" = --list ]; then
  printf '%s\n' "${packages[@]}"
  exit 0
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
# postgresql-15 and nginx would start their services when installed; nothing here needs them
# running (the tests start their own), so a policy-rc.d (Debian's invoke-rc.d policy hook)
# keeps them stopped during the install, unless the machine has a policy of its own.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
  "${sudo_cmd[@]}" chmod 755 "$policy"
  trap '"${sudo_cmd[@]}" rm -f "$policy"' EXIT
fi
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: installed ${missing[*]}"
