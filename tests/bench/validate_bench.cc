// Micro-benchmarks of the per-resource CPU work of an accepted resource: decode, validate
// against the embedded R4 definitions, map, and all three in a row, as Pipeline::Submit does
// them. Items/s is resources/s on one core. Typical resources of 3-3.5 KB of each mapped type.
#include <benchmark/benchmark.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "fhir-profiles/embedded.h"
#include "gateway/pipeline/json_decoder.h"
#include "gateway/validation/profile_set.h"
#include "gateway/validation/validator.h"
#include "mappers/mapper.h"

namespace trialgate {
namespace {

constexpr char kObservation[] = "tests/validation/testdata/observation-lab.json";
constexpr char kMedicationAdministration[] =
    "tests/bench/testdata/medication-administration-carfilzomib.json";
constexpr char kAdverseEvent[] = "tests/bench/testdata/adverse-event-neutropenia.json";

std::string Read(const std::string& path) {
  std::ifstream in(std::string(TRIALGATE_SOURCE_DIR) + "/" + path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

const validation::ProfileSet& R4() {
  static const validation::ProfileSet* const set =
      validation::ProfileSet::FromFiles(profiles::EmbeddedR4Definitions())->release();
  return *set;
}

const mappers::Study& Study() {
  static const auto* const study = new std::shared_ptr<const mappers::Study>(
      *mappers::Study::FromFiles(profiles::EmbeddedStudyFiles("krd-asct2")));
  return **study;
}

// A decoded sample, checked to be valid and to map without errors, so that every benchmark
// measures the path of an accepted resource.
struct Sample {
  std::string body;
  rapidjson::Document document;
  mappers::NumberTexts numbers;
};

bool Load(const char* path, Sample* sample, benchmark::State& state) {
  sample->body = Read(path);
  if (!pipeline::DecodeJson(sample->body, {}, &sample->document, &sample->numbers).ok()) {
    state.SkipWithError("cannot decode");
    return false;
  }
  std::vector<Issue> issues;
  validation::Validator(R4()).Validate(sample->document, "", &issues);
  if (!issues.empty()) {
    state.SkipWithError(("not valid: " + issues[0].diagnostics).c_str());
    return false;
  }
  mappers::MapResult mapped = mappers::MapResource(
      sample->document, mappers::MapContext{Study(), "hospital-a", &sample->numbers});
  if (mapped.HasErrors() || mapped.events.size() != 1) {
    state.SkipWithError("does not map to one event");
    return false;
  }
  return true;
}

void BM_CompileR4Definitions(benchmark::State& state) {
  const auto files = profiles::EmbeddedR4Definitions();
  for (auto _ : state) benchmark::DoNotOptimize(validation::ProfileSet::FromFiles(files));
}
BENCHMARK(BM_CompileR4Definitions)->Unit(benchmark::kMillisecond);

void BM_Decode(benchmark::State& state, const char* path) {
  Sample sample;
  if (!Load(path, &sample, state)) return;
  for (auto _ : state) {
    rapidjson::Document document;
    mappers::NumberTexts numbers;
    benchmark::DoNotOptimize(pipeline::DecodeJson(sample.body, {}, &document, &numbers));
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * sample.body.size());
}

void BM_Validate(benchmark::State& state, const char* path) {
  Sample sample;
  if (!Load(path, &sample, state)) return;
  const validation::Validator validator(R4());
  std::vector<Issue> issues;
  for (auto _ : state) {
    issues.clear();
    validator.Validate(sample.document, "", &issues);
    benchmark::DoNotOptimize(issues.data());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Map(benchmark::State& state, const char* path) {
  Sample sample;
  if (!Load(path, &sample, state)) return;
  const mappers::MapContext context{Study(), "hospital-a", &sample.numbers};
  for (auto _ : state) benchmark::DoNotOptimize(mappers::MapResource(sample.document, context));
  state.SetItemsProcessed(state.iterations());
}

void BM_DecodeValidateMap(benchmark::State& state, const char* path) {
  Sample sample;
  if (!Load(path, &sample, state)) return;
  const validation::Validator validator(R4());
  std::vector<Issue> issues;
  for (auto _ : state) {
    rapidjson::Document document;
    mappers::NumberTexts numbers;
    benchmark::DoNotOptimize(pipeline::DecodeJson(sample.body, {}, &document, &numbers));
    issues.clear();
    validator.Validate(document, "", &issues);
    benchmark::DoNotOptimize(mappers::MapResource(
        document, mappers::MapContext{Study(), "hospital-a", &numbers}));
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * sample.body.size());
}

#define TRIALGATE_BENCH_ALL_TYPES(bench)                                  \
  BENCHMARK_CAPTURE(bench, Observation, kObservation);                    \
  BENCHMARK_CAPTURE(bench, MedicationAdministration, kMedicationAdministration); \
  BENCHMARK_CAPTURE(bench, AdverseEvent, kAdverseEvent)

TRIALGATE_BENCH_ALL_TYPES(BM_Decode);
TRIALGATE_BENCH_ALL_TYPES(BM_Validate);
TRIALGATE_BENCH_ALL_TYPES(BM_Map);
TRIALGATE_BENCH_ALL_TYPES(BM_DecodeValidateMap);

}  // namespace
}  // namespace trialgate

BENCHMARK_MAIN();
