// Micro-benchmarks of the CPU work per submitted resource (decode, map, hash, pseudonymise).
// The end-to-end figure, with gRPC and durable commits, comes from `trialgate bench`.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include "fhir-profiles/embedded.h"
#include "gateway/identity/pseudonymizer.h"
#include "gateway/pipeline/json_decoder.h"
#include "gateway/identity/source_identity.h"
#include "mappers/mapper.h"

namespace trialgate {
namespace {

std::string Observation() {
  std::ifstream in(std::string(TRIALGATE_SOURCE_DIR) +
                   "/tests/integration/testdata/observation-anc-pt-1001.json");
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

void BM_DecodeObservation(benchmark::State& state) {
  const std::string body = Observation();
  for (auto _ : state) {
    rapidjson::Document document;
    benchmark::DoNotOptimize(pipeline::DecodeJson(body, {}, &document));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeObservation);

void BM_MapObservation(benchmark::State& state) {
  auto study = *mappers::Study::FromFiles(profiles::EmbeddedStudyFiles("krd-asct2"));
  rapidjson::Document document;
  (void)pipeline::DecodeJson(Observation(), {}, &document);
  const mappers::MapContext context{*study, "hospital-a"};
  for (auto _ : state) benchmark::DoNotOptimize(mappers::MapResource(document, context));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MapObservation);

void BM_ContentHashAndKey(benchmark::State& state) {
  rapidjson::Document document;
  (void)pipeline::DecodeJson(Observation(), {}, &document);
  for (auto _ : state) {
    const std::string key = identity::SourceKey("hospital-a", "Observation", "obs-1", "",
                                                identity::ContentSha256(document));
    benchmark::DoNotOptimize(identity::EventId(key, 0));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ContentHashAndKey);

void BM_Pseudonymize(benchmark::State& state) {
  identity::Pseudonymizer pseudonymizer(std::string(32, 'k'));
  for (auto _ : state) {
    benchmark::DoNotOptimize(pseudonymizer.Pseudonymize("hospital-a", "Patient/pt-1001"));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Pseudonymize);

}  // namespace
}  // namespace trialgate

BENCHMARK_MAIN();
