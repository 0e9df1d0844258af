#include "gateway/pipeline/pipeline_metrics.h"

#include "gateway/validation/resource_types.h"

namespace trialgate::pipeline {
namespace {

metrics::SubmissionOutcome SubmissionOutcomeOf(const SubmissionResult& result,
                                               bool store_answered) {
  if (result.status.ok()) return metrics::SubmissionOutcome::kStored;
  // From the store, ALREADY_EXISTS (a reused HL7 v2 message id with other content) and
  // FAILED_PRECONDITION (an If-Match that no longer holds) are the sender's doing. Any other
  // non-OK answer of the store is its own failure.
  if (store_answered && !absl::IsAlreadyExists(result.status) &&
      !absl::IsFailedPrecondition(result.status)) {
    return metrics::SubmissionOutcome::kFailed;
  }
  return metrics::SubmissionOutcome::kRefused;
}

metrics::EntryOutcome EntryOutcomeOf(EntryResult::Outcome outcome) {
  switch (outcome) {
    case EntryResult::Outcome::kAccepted:
      return metrics::EntryOutcome::kAccepted;
    case EntryResult::Outcome::kDuplicate:
      return metrics::EntryOutcome::kDuplicate;
    case EntryResult::Outcome::kRejected:
      return metrics::EntryOutcome::kRejected;
  }
  return metrics::EntryOutcome::kRejected;
}

// resourceType is whatever the sender wrote: only R4's own names become label values, so the
// label stays bounded and carries nothing of the content.
absl::string_view ResourceTypeLabel(const std::string& resource_type) {
  return validation::IsR4ResourceType(resource_type) ? absl::string_view(resource_type)
                                                     : absl::string_view("other");
}

}  // namespace

absl::string_view ChannelLabel(Channel channel) {
  switch (channel) {
    case Channel::kGrpc:
      return "grpc";
    case Channel::kMllp:
      return "mllp";
    case Channel::kHttp:
      return "http";
  }
  return "other";
}

StageTimer::StageTimer(metrics::GatewayMetrics* metrics) : metrics_(metrics) {
  if (metrics_ != nullptr) last_ = std::chrono::steady_clock::now();
}

void StageTimer::Lap(metrics::Stage stage) {
  if (metrics_ == nullptr) return;
  const auto now = std::chrono::steady_clock::now();
  metrics_->ObserveStage(stage, now - last_);
  last_ = now;
}

void CountSubmission(metrics::GatewayMetrics* metrics, Channel channel, absl::string_view site,
                     const SubmissionResult& result, bool store_answered) {
  if (metrics == nullptr) return;
  const absl::string_view channel_label = ChannelLabel(channel);
  metrics->CountSubmission(channel_label, SubmissionOutcomeOf(result, store_answered));
  for (const EntryResult& entry : result.entries) {
    metrics->CountEntry(channel_label, EntryOutcomeOf(entry.outcome),
                        ResourceTypeLabel(entry.resource_type), site);
  }
}

}  // namespace trialgate::pipeline
