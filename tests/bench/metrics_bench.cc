// What the metrics add to one submission on the ingest path (docs/metrics.md): the stage
// timer's clock reads and observations, and the submission and entry counters, as the pipeline
// calls them. Run alone and on four threads (contention on the shared counters).
#include <string>

#include "benchmark/benchmark.h"
#include "gateway/metrics/gateway_metrics.h"
#include "gateway/pipeline/pipeline_metrics.h"

namespace trialgate {
namespace {

metrics::GatewayMetrics& Metrics() {
  static metrics::GatewayMetrics* const metrics = new metrics::GatewayMetrics();
  return *metrics;
}

pipeline::SubmissionResult OneAcceptedObservation() {
  pipeline::SubmissionResult result;
  pipeline::EntryResult& entry = result.entries.emplace_back();
  entry.outcome = pipeline::EntryResult::Outcome::kAccepted;
  entry.resource_type = "Observation";
  return result;
}

// Everything the pipeline does for metrics for one single-resource submission.
void BM_CountOneSubmission(benchmark::State& state) {
  metrics::GatewayMetrics* gateway_metrics = &Metrics();
  const pipeline::SubmissionResult result = OneAcceptedObservation();
  const std::string site = "hospital-a";
  for (auto _ : state) {
    pipeline::StageTimer timer(gateway_metrics);
    timer.Lap(metrics::Stage::kDecode);
    timer.Lap(metrics::Stage::kValidate);
    timer.Lap(metrics::Stage::kMap);
    pipeline::StageTimer commit(gateway_metrics);
    commit.Lap(metrics::Stage::kCommit);
    pipeline::CountSubmission(gateway_metrics, pipeline::Channel::kGrpc, site, result,
                              /*store_answered=*/true);
  }
}
BENCHMARK(BM_CountOneSubmission);
BENCHMARK(BM_CountOneSubmission)->Threads(4);

// The same without metrics: the null checks a pipeline without them pays.
void BM_CountOneSubmissionWithoutMetrics(benchmark::State& state) {
  const pipeline::SubmissionResult result = OneAcceptedObservation();
  for (auto _ : state) {
    pipeline::StageTimer timer(nullptr);
    timer.Lap(metrics::Stage::kDecode);
    pipeline::CountSubmission(nullptr, pipeline::Channel::kGrpc, "hospital-a", result, true);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_CountOneSubmissionWithoutMetrics);

// A scrape with a few dozen series, as an operator's Prometheus makes every 15 s or so.
void BM_Scrape(benchmark::State& state) {
  metrics::GatewayMetrics metrics;
  for (const char* type : {"Observation", "MedicationAdministration", "AdverseEvent"}) {
    for (const char* site : {"site-01", "site-02", "site-03"}) {
      metrics.CountEntry("grpc", metrics::EntryOutcome::kAccepted, type, site);
    }
  }
  for (auto _ : state) benchmark::DoNotOptimize(metrics.Text());
}
BENCHMARK(BM_Scrape);

}  // namespace
}  // namespace trialgate

BENCHMARK_MAIN();
