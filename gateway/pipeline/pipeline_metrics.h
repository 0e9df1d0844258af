#ifndef TRIALGATE_GATEWAY_PIPELINE_PIPELINE_METRICS_H_
#define TRIALGATE_GATEWAY_PIPELINE_PIPELINE_METRICS_H_

#include <chrono>

#include "absl/strings/string_view.h"
#include "gateway/metrics/gateway_metrics.h"
#include "gateway/pipeline/submission.h"

namespace trialgate::pipeline {

// The channel's label value: "grpc", "mllp" or "http".
absl::string_view ChannelLabel(Channel channel);

// Times the consecutive stages of one submission. Reads the clock only when there are metrics,
// so a pipeline without them pays a branch per stage. Not thread-safe (one per submission).
class StageTimer {
 public:
  explicit StageTimer(metrics::GatewayMetrics* metrics);
  // Observes the time since the previous Lap (or construction) as `stage`.
  void Lap(metrics::Stage stage);

 private:
  metrics::GatewayMetrics* const metrics_;
  std::chrono::steady_clock::time_point last_;
};

// Counts what became of a submission and of each of its entries. `site` is the caller's site
// (empty when the body was refused before it was known); `store_answered`: the result is the
// store's answer to a commit (a non-OK one is then a store failure, unless ALREADY_EXISTS or
// FAILED_PRECONDITION).
// No-op when `metrics` is null.
void CountSubmission(metrics::GatewayMetrics* metrics, Channel channel, absl::string_view site,
                     const SubmissionResult& result, bool store_answered);

}  // namespace trialgate::pipeline

#endif  // TRIALGATE_GATEWAY_PIPELINE_PIPELINE_METRICS_H_
