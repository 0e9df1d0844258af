#include "gateway/metrics/gateway_metrics.h"

#include <algorithm>
#include <utility>

#include "absl/time/time.h"
#include "gateway/metrics/text_writer.h"

namespace trialgate::metrics {
namespace {

// Decode, validate and map take microseconds; a commit waits for an fsync (about 0.5 ms on the
// project's disk, more under load).
const std::vector<double>& StageBounds() {
  static const std::vector<double> bounds = {1e-5,   2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4,
                                             1e-3,   2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2,
                                             0.1,    0.25,   0.5,  1,    2.5};
  return bounds;
}

const char* StageName(Stage stage) {
  switch (stage) {
    case Stage::kDecode:
      return "decode";
    case Stage::kValidate:
      return "validate";
    case Stage::kMap:
      return "map";
    case Stage::kCommit:
      return "commit";
  }
  return "";
}

const char* SubmissionOutcomeName(SubmissionOutcome outcome) {
  switch (outcome) {
    case SubmissionOutcome::kStored:
      return "stored";
    case SubmissionOutcome::kRefused:
      return "refused";
    case SubmissionOutcome::kFailed:
      return "failed";
  }
  return "";
}

const char* EntryOutcomeName(EntryOutcome outcome) {
  switch (outcome) {
    case EntryOutcome::kAccepted:
      return "accepted";
    case EntryOutcome::kDuplicate:
      return "duplicate";
    case EntryOutcome::kRejected:
      return "rejected";
  }
  return "";
}

double Seconds(std::chrono::nanoseconds elapsed) {
  return std::chrono::duration<double>(elapsed).count();
}

}  // namespace

GatewayMetrics::GatewayMetrics(const Clock& clock) : clock_(clock) {
  submissions_ = registry_.AddCounter(
      "trialgate_submissions_total",
      "Submissions (one body each: a resource or a Bundle) by channel and outcome: stored (the "
      "body was usable, every entry was judged and the accepted ones are durable), refused (the "
      "body or the caller was refused as a whole, nothing stored), failed (the store could not "
      "commit, nothing stored).",
      {"channel", "outcome"});
  entries_ = registry_.AddCounter(
      "trialgate_entries_total",
      "Entries of usable submissions (a single resource is one entry) by channel, outcome "
      "(accepted, duplicate, rejected), resource type (\"other\" for a name that is no FHIR R4 "
      "type) and the caller's site.",
      {"channel", "outcome", "resource_type", "site"});
  HistogramFamily* stages = registry_.AddHistogram(
      "trialgate_stage_seconds",
      "Time one submission spent in an ingest stage: decode (site, JSON, Bundle rules), "
      "validate (FHIR R4 and profiles), map (every entry: map, resolve subject, stamp), commit "
      "(from the store request until durable). A stage that refused the body is not counted.",
      {"stage"}, StageBounds());
  for (Stage stage : {Stage::kDecode, Stage::kValidate, Stage::kMap, Stage::kCommit}) {
    stages_[static_cast<size_t>(stage)] = stages->Child({StageName(stage)});
  }
  group_size_ = registry_
                    .AddHistogram("trialgate_store_commit_group_size",
                                  "Requests written in one SQLite transaction (group commit).",
                                  {}, {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000})
                    ->Child({});
  commit_seconds_ =
      registry_
          .AddHistogram("trialgate_store_fsync_seconds",
                        "Time of one group's COMMIT: writing the SQLite WAL and its fsync.", {},
                        {1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25,
                         0.5, 1})
          ->Child({});
  deviations_ = registry_.AddCounter(
      "trialgate_deviations_recorded_total",
      "ProtocolDeviation events appended by the schedule engine, by finding code and status "
      "(DETECTED, WITHDRAWN).",
      {"code", "status"});
  registry_.AddGauge(
      "trialgate_outbox_pending_events",
      "Committed events waiting in the outbox to be delivered to a destination.",
      {"destination"}, [this] {
        std::vector<GaugeSample> samples;
        for (const store::DestinationProgress& p : progress_) {
          samples.push_back({{p.destination}, static_cast<double>(p.pending_events)});
        }
        return samples;
      });
  registry_.AddGauge(
      "trialgate_outbox_oldest_pending_age_seconds",
      "Age of a destination's oldest undelivered outbox row (0 when none): its delivery lag.",
      {"destination"}, [this] {
        std::vector<GaugeSample> samples;
        const int64_t now_ms = absl::ToUnixMillis(clock_.Now());
        for (const store::DestinationProgress& p : progress_) {
          const int64_t age_ms = p.oldest_pending_unix_ms == 0
                                     ? 0
                                     : std::max<int64_t>(0, now_ms - p.oldest_pending_unix_ms);
          samples.push_back({{p.destination}, static_cast<double>(age_ms) / 1000.0});
        }
        return samples;
      });
  registry_.AddGauge(
      "trialgate_dead_letters",
      "Events a destination gave up on and an operator has not discarded (trialgate "
      "deadletters).",
      {"destination"}, [this] {
        std::vector<GaugeSample> samples;
        for (const store::DestinationProgress& p : progress_) {
          samples.push_back({{p.destination}, static_cast<double>(p.dead_letters)});
        }
        return samples;
      });
}

void GatewayMetrics::CountSubmission(absl::string_view channel, SubmissionOutcome outcome) {
  submissions_->Child({channel, SubmissionOutcomeName(outcome)})->Increment();
}

void GatewayMetrics::CountEntry(absl::string_view channel, EntryOutcome outcome,
                                absl::string_view resource_type, absl::string_view site) {
  entries_->Child({channel, EntryOutcomeName(outcome), resource_type, site})->Increment();
}

void GatewayMetrics::ObserveStage(Stage stage, std::chrono::nanoseconds elapsed) {
  stages_[static_cast<size_t>(stage)]->Observe(Seconds(elapsed));
}

void GatewayMetrics::CountDeviation(absl::string_view code, absl::string_view status) {
  deviations_->Child({code, status})->Increment();
}

void GatewayMetrics::GroupCommitted(size_t requests, std::chrono::nanoseconds commit_time) {
  group_size_->Observe(static_cast<double>(requests));
  commit_seconds_->Observe(Seconds(commit_time));
}

void GatewayMetrics::SetOutbox(store::Outbox* outbox, std::vector<std::string> destinations) {
  std::lock_guard<std::mutex> lock(scrape_mu_);
  outbox_ = outbox;
  destinations_ = std::move(destinations);
}

std::string GatewayMetrics::Text() const {
  std::lock_guard<std::mutex> lock(scrape_mu_);
  progress_.clear();
  if (outbox_ != nullptr) {
    // A store that cannot be read (failed) leaves the outbox gauges without samples.
    absl::StatusOr<std::vector<store::DestinationProgress>> progress =
        outbox_->Progress(destinations_);
    if (progress.ok()) progress_ = *std::move(progress);
  }
  return WriteText(registry_.Collect());
}

}  // namespace trialgate::metrics
