#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in build-asan, the tree of the sanitizer tests
# (TRIALGATE_SANITIZE=1 ./deploy/test.sh; TRIALGATE_FUZZ implies AddressSanitizer, LeakSanitizer
# and UBSan) and runs each for FUZZ_SECONDS (default 60): one target per resource type Submit
# takes (decode, validation, mapping), submission_fuzzer (the whole pipeline) and hl7v2_fuzzer
# (MLLP framing, character sets and the HL7 v2 parser), fhir_request_fuzzer (the FHIR REST
# facade's requests) and iso_date_fuzzer (YYYY-MM-DD dates against absl's parser). Each first
# replays tests/fuzz/regressions/. Exits non-zero when any target finds a crash, leak, sanitizer
# report or timeout; the input is left in build-asan/findings/<target>-<kind>-<sha1>, the log in
# build-asan/logs/<target>.log. FUZZ_TARGETS="observation_fuzzer ..." runs only those.
#
# Seeds, copied into build-asan/corpus/<target>/ (which keeps what earlier runs found): the
# repository's FHIR test resources (tests/*/testdata, tests/validation/golden, tests/fuzz/seeds)
# and the public R4 examples of ../shared/fixtures (or $TRIALGATE_FIXTURES_DIR): each whole file
# in the corpus of its resourceType, each Bundle entry in the corpus of the entry's type. Without
# the fixtures (a clone elsewhere) only the repository's own resources seed the targets.
# hl7v2_fuzzer is seeded with the HL7 v2 sample messages of ../shared/fixtures/hl7v2 and uses
# tests/fuzz/hl7v2.dict; the others use tests/fuzz/fhir.dict.
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/install-deps.sh --with-fuzz

seconds="${FUZZ_SECONDS:-60}"
max_len=65536
declare -A target_of_type=(
  [MedicationAdministration]=medication_administration_fuzzer [Observation]=observation_fuzzer
  [AdverseEvent]=adverse_event_fuzzer [ResearchSubject]=research_subject_fuzzer
  [Procedure]=procedure_fuzzer [Patient]=patient_fuzzer [Consent]=consent_fuzzer
  [Encounter]=encounter_fuzzer [Bundle]=bundle_fuzzer)
all_targets=(medication_administration_fuzzer observation_fuzzer adverse_event_fuzzer
  research_subject_fuzzer procedure_fuzzer patient_fuzzer consent_fuzzer encounter_fuzzer
  bundle_fuzzer submission_fuzzer
  hl7v2_fuzzer fhir_request_fuzzer iso_date_fuzzer)
read -r -a targets <<<"${FUZZ_TARGETS:-${all_targets[*]}}"

./deploy/configure-asan.sh
cmake --build build-asan -j"$(nproc)" --target "${targets[@]}"

corpus=build-asan/corpus
findings=build-asan/findings
logs=build-asan/logs
mkdir -p "$findings" "$logs"
for target in "${all_targets[@]}"; do mkdir -p "$corpus/$target"; done

# Puts `file` into the corpora: whole (when libFuzzer takes it whole, max_len) into
# submission_fuzzer's and into that of its resourceType, and each Bundle entry's resource into
# that of the entry's type. jq re-serialises entries (jq 1.6 writes 1.50 as 1.5); whole files
# keep their bytes.
seed_from() {
  local file=$1 name type index json
  name=$(basename "$file" .json)
  if [ "$(stat -c %s "$file")" -le "$max_len" ]; then
    cp "$file" "$corpus/submission_fuzzer/"
  fi
  {
    read -r type || return 0
    if [ -n "$type" ] && [ -n "${target_of_type[$type]:-}" ] &&
      [ "$(stat -c %s "$file")" -le "$max_len" ]; then
      cp "$file" "$corpus/${target_of_type[$type]}/"
    fi
    while IFS=$'\t' read -r index type && IFS= read -r json; do
      [ -n "$type" ] && [ -n "${target_of_type[$type]:-}" ] || continue
      printf '%s\n' "$json" >"$corpus/${target_of_type[$type]}/$name.entry-$index.json"
    done
  } < <(jq -r '
      def type_name: if type == "string" then gsub("[^A-Za-z]"; "") else "" end;
      if type != "object" then empty else
        (.resourceType | type_name),
        (if (.entry | type) == "array" then
           .entry | to_entries[] | select((.value | type) == "object")
           | select((.value.resource | type) == "object")
           | "\(.key)\t\(.value.resource.resourceType | type_name)", (.value.resource | tojson)
         else empty end)
      end' "$file" 2>/dev/null)
}

for file in tests/*/testdata/*.json tests/validation/golden/*.json tests/fuzz/seeds/*.json; do
  case "$file" in *.outcome.json) continue ;; esac
  seed_from "$file"
done
fixtures="${TRIALGATE_FIXTURES_DIR:-../shared/fixtures}/fhir-r4/examples"
if [ -d "$fixtures" ]; then
  for file in "$fixtures"/*.json; do seed_from "$file"; done
else
  echo "fuzz: no fixtures at $fixtures: seeding with the repository's own test resources only"
fi
hl7v2_fixtures="${TRIALGATE_FIXTURES_DIR:-../shared/fixtures}/hl7v2"
if [ -d "$hl7v2_fixtures" ]; then
  for file in "$hl7v2_fixtures"/*.hl7; do
    if [ "$(stat -c %s "$file")" -le "$max_len" ]; then cp "$file" "$corpus/hl7v2_fuzzer/"; fi
  done
else
  echo "fuzz: no HL7 v2 fixtures at $hl7v2_fixtures: hl7v2_fuzzer starts from an empty corpus"
fi

# fhir_request_fuzzer: a request line (see the target) before each of the repository's Bundles
# and resources, and the hand-made requests in tests/fuzz/seeds/http.
for file in tests/integration/testdata/*.json tests/http/testdata/*.json; do
  [ -f "$file" ] || continue
  name=$(basename "$file" .json)
  { printf 'bundle\t\t\t\t\treturn=representation\tapplication/fhir+json\t\t\n'; cat "$file"; } \
    >"$corpus/fhir_request_fuzzer/$name.bundle"
  { printf 'create\tObservation\t\tidentifier=urn:x|1\t\treturn=minimal\tapplication/json\t*/*\tjson\n'; cat "$file"; } \
    >"$corpus/fhir_request_fuzzer/$name.create"
done
cp tests/fuzz/seeds/http/* "$corpus/fhir_request_fuzzer/" 2>/dev/null || true
# iso_date_fuzzer: a date, a leap day, a day the month lacks, a dateTime and a year-month.
printf '2026-02-02' >"$corpus/iso_date_fuzzer/date"
printf '2024-02-29' >"$corpus/iso_date_fuzzer/leap-day"
printf '2026-02-30' >"$corpus/iso_date_fuzzer/no-such-day"
printf '2026-03-07T23:30:00-05:00' >"$corpus/iso_date_fuzzer/date-time"
printf '2026-03' >"$corpus/iso_date_fuzzer/year-month"

mapfile -t regressions < <(find tests/fuzz/regressions -type f ! -name README.md | sort)
failed=()
for target in "${targets[@]}"; do
  binary="build-asan/tests/fuzz/$target"
  log="$logs/$target.log"
  echo "fuzz: $target: $(find "$corpus/$target" -type f | wc -l) corpus files, ${seconds} s"
  ok=1
  if [ ${#regressions[@]} -gt 0 ]; then
    "$binary" -runs=0 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$findings/$target-" \
      "${regressions[@]}" >"$log" 2>&1 || ok=0
  fi
  dict=tests/fuzz/fhir.dict
  if [ "$target" = hl7v2_fuzzer ]; then dict=tests/fuzz/hl7v2.dict; fi
  if [ "$ok" = 1 ]; then
    "$binary" "$corpus/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len="$max_len" -dict="$dict" -artifact_prefix="$findings/$target-" \
      -print_final_stats=1 >>"$log" 2>&1 || ok=0
  fi
  if [ "$ok" = 1 ]; then
    grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^#[0-9]+ *DONE' "$log" | sed "s/^/  /" ||
      true
  else
    tail -n 60 "$log"
    failed+=("$target")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}; inputs in $findings/, logs in $logs/"
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${seconds} s each: no findings"
