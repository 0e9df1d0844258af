#ifndef TRIALGATE_GATEWAY_METRICS_GATEWAY_METRICS_H_
#define TRIALGATE_GATEWAY_METRICS_GATEWAY_METRICS_H_

#include <array>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "gateway/common/clock.h"
#include "gateway/metrics/registry.h"
#include "gateway/store/commit_observer.h"
#include "gateway/store/outbox.h"

namespace trialgate::metrics {

// The stages of ingest the gateway times (trialgate_stage_seconds).
enum class Stage { kDecode, kValidate, kMap, kCommit };

// What became of one submission as a whole (trialgate_submissions_total): see docs/metrics.md.
enum class SubmissionOutcome { kStored, kRefused, kFailed };

// What became of one entry (trialgate_entries_total), as pipeline::EntryResult::Outcome.
enum class EntryOutcome { kAccepted, kDuplicate, kRejected };

// The gateway's named metrics (docs/metrics.md) and their text exposition. The parts that count
// are handed a pointer to it (the pipeline, the store as its CommitObserver, the deviation
// recorder); null there means no metrics. Labels never carry subject ids, patient identifiers or
// anything of a resource's content: only channel, outcome, resource type, site, stage,
// destination and deviation code.
//
// The counting methods cost a few atomic adds and, for labels looked up by value, one locked
// hash lookup; they allocate nothing once a label tuple has been seen. Thread-safe.
class GatewayMetrics final : public store::CommitObserver {
 public:
  // `clock` (the server's wall clock) dates the oldest outbox row; it must outlive this.
  explicit GatewayMetrics(const Clock& clock = SystemClock());

  // `channel`: "grpc", "mllp" or "http".
  void CountSubmission(absl::string_view channel, SubmissionOutcome outcome);
  // `resource_type`: an R4 resource type name, or "other"; `site`: the caller's site id.
  void CountEntry(absl::string_view channel, EntryOutcome outcome,
                  absl::string_view resource_type, absl::string_view site);
  void ObserveStage(Stage stage, std::chrono::nanoseconds elapsed);
  // A ProtocolDeviation event newly appended: `code` its finding code, `status` "DETECTED" or
  // "WITHDRAWN".
  void CountDeviation(absl::string_view code, absl::string_view status);

  // store::CommitObserver: group size and COMMIT (fsync) time of each store transaction.
  void GroupCommitted(size_t requests, std::chrono::nanoseconds commit_time) override;

  // The outbox whose per-destination progress the gauges report at each scrape; `destinations`
  // are reported even before they have rows. Null: no outbox samples (no store, or it is being
  // closed: call this with null before closing it). The outbox must stay valid until replaced.
  void SetOutbox(store::Outbox* outbox, std::vector<std::string> destinations);

  // Every metric in the Prometheus text format 0.0.4 (content type kTextContentType).
  std::string Text() const;

 private:
  const Clock& clock_;
  Registry registry_;
  CounterFamily* submissions_;
  CounterFamily* entries_;
  CounterFamily* deviations_;
  std::array<Histogram*, 4> stages_;  // by Stage
  Histogram* group_size_;
  Histogram* commit_seconds_;

  // Held for a whole scrape: the gauges' callbacks read progress_, which Text() reads first.
  mutable std::mutex scrape_mu_;
  store::Outbox* outbox_ = nullptr;                            // guarded by scrape_mu_
  std::vector<std::string> destinations_;                      // guarded by scrape_mu_
  mutable std::vector<store::DestinationProgress> progress_;   // guarded by scrape_mu_
};

}  // namespace trialgate::metrics

#endif  // TRIALGATE_GATEWAY_METRICS_GATEWAY_METRICS_H_
