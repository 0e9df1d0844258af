// Micro-benchmarks of FHIR R4 validation against the embedded base definitions: validate alone,
// decode + validate, and decode + validate + map (the per-resource CPU work of an accepted
// resource). Items/s is resources/s on one core.
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

std::string Testdata(const std::string& name) {
  std::ifstream in(std::string(TRIALGATE_SOURCE_DIR) + "/tests/validation/testdata/" + name);
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

void BM_CompileR4Definitions(benchmark::State& state) {
  const auto files = profiles::EmbeddedR4Definitions();
  for (auto _ : state) benchmark::DoNotOptimize(validation::ProfileSet::FromFiles(files));
}
BENCHMARK(BM_CompileR4Definitions)->Unit(benchmark::kMillisecond);

void BM_Validate(benchmark::State& state, const char* file) {
  const validation::Validator validator(R4());
  rapidjson::Document document;
  if (!pipeline::DecodeJson(Testdata(file), {}, &document).ok()) {
    state.SkipWithError("cannot decode");
    return;
  }
  std::vector<mappers::Issue> issues;
  validator.Validate(document, "", &issues);
  if (!issues.empty()) {
    state.SkipWithError(("not valid: " + issues[0].diagnostics).c_str());
    return;
  }
  for (auto _ : state) {
    issues.clear();
    validator.Validate(document, "", &issues);
    benchmark::DoNotOptimize(issues.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_Validate, Observation, "observation-lab.json");
BENCHMARK_CAPTURE(BM_Validate, MedicationAdministration, "medication-administration.json");
BENCHMARK_CAPTURE(BM_Validate, AdverseEvent, "adverse-event.json");

void BM_DecodeValidate(benchmark::State& state, const char* file) {
  const validation::Validator validator(R4());
  const std::string body = Testdata(file);
  std::vector<mappers::Issue> issues;
  for (auto _ : state) {
    rapidjson::Document document;
    benchmark::DoNotOptimize(pipeline::DecodeJson(body, {}, &document));
    issues.clear();
    validator.Validate(document, "", &issues);
    benchmark::DoNotOptimize(issues.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * body.size());
}
BENCHMARK_CAPTURE(BM_DecodeValidate, Observation, "observation-lab.json");

void BM_DecodeValidateMap(benchmark::State& state, const char* file) {
  const validation::Validator validator(R4());
  const mappers::MapContext context{Study(), "hospital-a"};
  const std::string body = Testdata(file);
  std::vector<mappers::Issue> issues;
  for (auto _ : state) {
    rapidjson::Document document;
    benchmark::DoNotOptimize(pipeline::DecodeJson(body, {}, &document));
    issues.clear();
    validator.Validate(document, "", &issues);
    benchmark::DoNotOptimize(mappers::MapResource(document, context));
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * body.size());
}
BENCHMARK_CAPTURE(BM_DecodeValidateMap, Observation, "observation-lab.json");
BENCHMARK_CAPTURE(BM_DecodeValidateMap, MedicationAdministration,
                  "medication-administration.json");
BENCHMARK_CAPTURE(BM_DecodeValidateMap, AdverseEvent, "adverse-event.json");

}  // namespace
}  // namespace trialgate

BENCHMARK_MAIN();
