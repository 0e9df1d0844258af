// The gateway's named metrics: each counting method lands on its family and labels, the outbox
// gauges are read from the store's progress at scrape time, and the text is well-formed.
#include "gateway/metrics/gateway_metrics.h"

#include <chrono>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/manual_clock.h"
#include "tests/support/prometheus_text_parser.h"

namespace trialgate::metrics {
namespace {

using ::trialgate::testing::ParsePrometheusText;
using ::trialgate::testing::PrometheusScrape;

// An outbox that only reports progress.
class ProgressOutbox final : public store::Outbox {
 public:
  std::vector<store::DestinationProgress> progress;
  bool fail = false;

  absl::StatusOr<std::vector<store::DestinationProgress>> Progress(
      const std::vector<std::string>&) override {
    if (fail) return absl::UnavailableError("store failed");
    return progress;
  }
  absl::StatusOr<std::unique_ptr<store::OutboxReader>> OpenOutboxReader() override {
    return absl::UnimplementedError("");
  }
  absl::Status Settle(store::DeliverySettlement) override { return absl::UnimplementedError(""); }
  absl::StatusOr<std::vector<store::DeadLetterRecord>> ListDeadLetters(
      const store::DeadLetterQuery&) override {
    return absl::UnimplementedError("");
  }
  absl::StatusOr<size_t> ReplayDeadLetters(const store::DeadLetterSelection&) override {
    return absl::UnimplementedError("");
  }
  absl::StatusOr<size_t> DiscardDeadLetters(const store::DeadLetterSelection&) override {
    return absl::UnimplementedError("");
  }
};

PrometheusScrape Scrape(const GatewayMetrics& metrics) {
  const std::string text = metrics.Text();
  absl::StatusOr<PrometheusScrape> scrape = ParsePrometheusText(text);
  EXPECT_TRUE(scrape.ok()) << scrape.status() << "\n" << text;
  return scrape.ok() ? *std::move(scrape) : PrometheusScrape();
}

TEST(GatewayMetricsTest, AFreshGatewayShowsEveryFamilyAndTheStagesAtZero) {
  GatewayMetrics metrics;
  const PrometheusScrape scrape = Scrape(metrics);
  for (const char* family :
       {"trialgate_submissions_total", "trialgate_entries_total", "trialgate_stage_seconds",
        "trialgate_store_commit_group_size", "trialgate_store_fsync_seconds",
        "trialgate_deviations_recorded_total", "trialgate_outbox_pending_events",
        "trialgate_outbox_oldest_pending_age_seconds", "trialgate_dead_letters"}) {
    EXPECT_EQ(scrape.families.count(family), 1u) << family;
    EXPECT_FALSE(scrape.families.at(family).help.empty()) << family;
  }
  EXPECT_EQ(scrape.Value("trialgate_stage_seconds_count", {{"stage", "commit"}}), 0);
  EXPECT_EQ(scrape.Value("trialgate_store_fsync_seconds_count"), 0);
}

TEST(GatewayMetricsTest, CountsEachKindOnItsLabels) {
  GatewayMetrics metrics;
  metrics.CountSubmission("grpc", SubmissionOutcome::kStored);
  metrics.CountSubmission("mllp", SubmissionOutcome::kRefused);
  metrics.CountSubmission("mllp", SubmissionOutcome::kFailed);
  metrics.CountEntry("grpc", EntryOutcome::kAccepted, "Observation", "site-a");
  metrics.CountEntry("grpc", EntryOutcome::kAccepted, "Observation", "site-a");
  metrics.CountEntry("http", EntryOutcome::kDuplicate, "AdverseEvent", "site-b");
  metrics.ObserveStage(Stage::kDecode, std::chrono::microseconds(3));
  metrics.ObserveStage(Stage::kCommit, std::chrono::milliseconds(2));
  metrics.GroupCommitted(5, std::chrono::microseconds(700));
  metrics.CountDeviation("DAY_NOT_SCHEDULED", "DETECTED");

  const PrometheusScrape scrape = Scrape(metrics);
  EXPECT_EQ(scrape.Value("trialgate_submissions_total", {{"channel", "grpc"}, {"outcome", "stored"}}),
            1);
  EXPECT_EQ(scrape.Sum("trialgate_submissions_total", {{"channel", "mllp"}}), 2);
  EXPECT_EQ(scrape.Value("trialgate_entries_total", {{"channel", "grpc"},
                                                     {"outcome", "accepted"},
                                                     {"resource_type", "Observation"},
                                                     {"site", "site-a"}}),
            2);
  EXPECT_EQ(scrape.Sum("trialgate_entries_total", {{"outcome", "duplicate"}}), 1);
  EXPECT_EQ(scrape.Value("trialgate_stage_seconds_bucket", {{"stage", "decode"}, {"le", "1e-05"}}),
            1);
  EXPECT_EQ(scrape.Value("trialgate_stage_seconds_bucket", {{"stage", "commit"}, {"le", "0.001"}}),
            0);
  EXPECT_EQ(scrape.Value("trialgate_stage_seconds_count", {{"stage", "commit"}}), 1);
  EXPECT_EQ(scrape.Value("trialgate_store_commit_group_size_sum"), 5);
  EXPECT_EQ(scrape.Value("trialgate_store_fsync_seconds_bucket", {{"le", "0.001"}}), 1);
  EXPECT_EQ(scrape.Value("trialgate_deviations_recorded_total",
                         {{"code", "DAY_NOT_SCHEDULED"}, {"status", "DETECTED"}}),
            1);
}

TEST(GatewayMetricsTest, ReadsTheOutboxAtScrapeTime) {
  testing::ManualClock clock(absl::FromUnixSeconds(1'800'000'000));
  GatewayMetrics metrics(clock);
  ProgressOutbox outbox;
  metrics.SetOutbox(&outbox, {"registry-a"});
  EXPECT_TRUE(Scrape(metrics).Value("trialgate_outbox_pending_events",
                                    {{"destination", "registry-a"}}) == std::nullopt);

  store::DestinationProgress progress;
  progress.destination = "registry-a";
  progress.pending_events = 7;
  progress.dead_letters = 2;
  progress.oldest_pending_unix_ms = 1'800'000'000'000 - 90'500;
  outbox.progress = {progress};
  PrometheusScrape scrape = Scrape(metrics);
  EXPECT_EQ(scrape.Value("trialgate_outbox_pending_events", {{"destination", "registry-a"}}), 7);
  EXPECT_EQ(scrape.Value("trialgate_dead_letters", {{"destination", "registry-a"}}), 2);
  EXPECT_EQ(scrape.Value("trialgate_outbox_oldest_pending_age_seconds",
                         {{"destination", "registry-a"}}),
            90.5);

  outbox.fail = true;  // a failed store: the gauges go quiet, the rest is still served
  scrape = Scrape(metrics);
  EXPECT_EQ(scrape.Value("trialgate_outbox_pending_events", {{"destination", "registry-a"}}),
            std::nullopt);
  metrics.SetOutbox(nullptr, {});
  outbox.fail = false;
  EXPECT_EQ(Scrape(metrics).Value("trialgate_dead_letters", {{"destination", "registry-a"}}),
            std::nullopt);
}

}  // namespace
}  // namespace trialgate::metrics
