// Store-and-forward under faults (issue 5): the real gateway binary forwards to a receiver that
// misbehaves at random (UNAVAILABLE, RESOURCE_EXHAUSTED, answers after the deadline, dropped
// connections, a poison event, killed and restarted) while thousands of events flow, and the
// gateway itself is killed (SIGKILL) mid-delivery and started again. At the end every event was
// delivered, exactly once after dedupe, in order per subject; the poison event is the one and
// only dead letter.
#include <signal.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/support/fhir_resources.h"
#include "tests/support/gateway_harness.h"
#include "tests/registry/chaos_registry.h"
#include "trialgate/v1/delivery.grpc.pb.h"

namespace trialgate::testing {
namespace {

constexpr int kSubjects = 20;
constexpr int kObservationsPerSubject = 150;  // 3000 events besides the enrolments
constexpr int kPerBundle = 50;

std::string Enrolment(int subject) {
  return absl::StrFormat(
      R"({"resourceType": "ResearchSubject", "id": "rs-ft-%d", "meta": {"versionId": "1"},
          "identifier": [{"system": "urn:trialgate:krd-asct2:subject", "value": "KRD-FT-%04d"}],
          "status": "on-study", "period": {"start": "2026-01-05"},
          "study": {"reference": "ResearchStudy/krd-asct2"},
          "individual": {"reference": "Patient/pt-ft-%d"}})",
      subject, subject, subject);
}

// An absolute neutrophil count of `subject`, the k-th of its series.
std::string Observation(int subject, int k) {
  return absl::StrFormat(
      R"({"resourceType": "Observation", "id": "obs-ft-%d-%d", "meta": {"versionId": "1"},
          "status": "final",
          "code": {"coding": [{"system": "http://loinc.org", "code": "751-8"}]},
          "subject": {"reference": "Patient/pt-ft-%d"},
          "effectiveDateTime": "2026-%02d-%02dT07:30:00+01:00",
          "valueQuantity": {"value": %d.%d, "unit": "10*3/uL",
                            "system": "http://unitsofmeasure.org", "code": "10*3/uL"}})",
      subject, k, subject, 1 + k / 28 % 12, 1 + k % 28, 1 + k % 5, k % 10);
}

class ForwardingFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sink_file_ = dir_.path() / "registry.jsonl";
    auto chaos = ChaosRegistry::Start(sink_file_, {}, /*seed=*/20261124);
    ASSERT_TRUE(chaos.ok()) << chaos.status();
    chaos_ = *std::move(chaos);
    config_file_ = dir_.path() / "config.json";
    std::ofstream(config_file_) << absl::StrCat(
        R"({"recordDeviations": false, "destinations": [{"name": "chaos", "address": ")",
        chaos_->address(),
        R"(", "insecure": true, "batchSize": 10, "deadlineMilliseconds": 300,
            "retryInitialMilliseconds": 20, "retryMaxMilliseconds": 200}]})");
    StartGateway();
  }

  void StartGateway() {
    gateway_ = std::make_unique<GatewayProcess>(dir_.path() / "data",
                                                dir_.path() / "gateway.log", config_file_);
    ASSERT_FALSE(gateway_->address().empty());
    client_ = std::make_unique<GatewayClient>(gateway_->address());
    delivery_ = v1::Delivery::NewStub(client_->channel());
  }

  // Submits `resources` in batch Bundles; every entry must be accepted.
  void SubmitAll(const std::vector<std::string>& resources) {
    for (size_t i = 0; i < resources.size(); i += kPerBundle) {
      std::vector<std::string> part(resources.begin() + i,
                                    resources.begin() + std::min(resources.size(), i + kPerBundle));
      const v1::SubmitResponse response = client_->SubmitOk(fhir::Batch(part));
      for (const v1::EntryOutcome& entry : response.entries()) {
        ASSERT_EQ(entry.outcome(), v1::EntryOutcome::ACCEPTED) << entry.operation_outcome();
      }
    }
  }

  std::vector<std::string> ObservationsOf(int round, int rounds) {
    std::vector<std::string> out;
    const int per_round = kObservationsPerSubject / rounds;
    for (int k = round * per_round; k < (round + 1) * per_round; ++k) {
      for (int subject = 1; subject <= kSubjects; ++subject) out.push_back(Observation(subject, k));
    }
    return out;
  }

  v1::DestinationStatus Destination() {
    v1::ListDestinationsResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    const grpc::Status status =
        delivery_->ListDestinations(&context, v1::ListDestinationsRequest(), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.destinations_size(), 1);
    return response.destinations_size() == 1 ? response.destinations(0) : v1::DestinationStatus();
  }

  std::vector<v1::DeadLetter> DeadLetters() {
    v1::ListDeadLettersResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    const grpc::Status status =
        delivery_->ListDeadLetters(&context, v1::ListDeadLettersRequest(), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.dead_letters().begin(), response.dead_letters().end()};
  }

  TempDir dir_;
  std::filesystem::path sink_file_;
  std::filesystem::path config_file_;
  std::unique_ptr<ChaosRegistry> chaos_;
  std::unique_ptr<GatewayProcess> gateway_;
  std::unique_ptr<GatewayClient> client_;
  std::unique_ptr<v1::Delivery::Stub> delivery_;
};

TEST_F(ForwardingFaultTest, EveryEventOnceAndInOrderPerSubjectThroughReceiverAndGatewayFailures) {
  // The poison event is stored while the receiver is down, so its id is known before it can
  // be delivered.
  chaos_->Kill();
  std::vector<std::string> enrolments;
  for (int subject = 1; subject <= kSubjects; ++subject) enrolments.push_back(Enrolment(subject));
  SubmitAll(enrolments);
  const v1::SubmitResponse poison = client_->SubmitOk(Observation(1, 9999));
  ASSERT_EQ(poison.entries_size(), 1);
  ASSERT_EQ(poison.entries(0).event_ids_size(), 1);
  Misbehaviour chaos;
  chaos.unavailable = 0.10;
  chaos.resource_exhausted = 0.05;
  chaos.stall = 0.08;
  chaos.drop_connection = 0.08;
  chaos.poison_event_id = poison.entries(0).event_ids(0);
  chaos_->set_misbehaviour(chaos);
  ASSERT_TRUE(chaos_->Restart().ok());

  // Round 1 flows to the misbehaving receiver.
  SubmitAll(ObservationsOf(0, 3));
  // Round 2 while the receiver is dead; then the gateway is killed with events waiting for it.
  chaos_->Kill();
  SubmitAll(ObservationsOf(1, 3));
  EXPECT_GT(Destination().pending_events(), 0u);
  const int status = gateway_->Stop(SIGKILL);
  EXPECT_TRUE(WIFSIGNALED(status));
  ASSERT_TRUE(chaos_->Restart().ok());
  StartGateway();
  // Round 3 flows again; the gateway is killed once more in the middle of it.
  const std::vector<std::string> round3 = ObservationsOf(2, 3);
  const std::vector<std::string> first_half(round3.begin(), round3.begin() + round3.size() / 2);
  const std::vector<std::string> second_half(round3.begin() + round3.size() / 2, round3.end());
  SubmitAll(first_half);
  gateway_->Stop(SIGKILL);
  StartGateway();
  SubmitAll(second_half);

  // Submitting is faster than delivering: most batches go now, to the receiver still misbehaving.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  v1::DestinationStatus destination = Destination();
  while (destination.pending_events() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    destination = Destination();
  }
  ASSERT_EQ(destination.pending_events(), 0u) << destination.last_error();

  // Every faulty path was taken.
  const ChaosStats stats = chaos_->stats();
  const std::string described = absl::StrCat(
      "calls ", stats.calls, ", ok ", stats.answered_ok, ", unavailable ", stats.unavailable,
      ", exhausted ", stats.resource_exhausted, ", stalled ", stats.stalled, ", dropped ",
      stats.dropped, ", poison ", stats.poison_rejections, ", received ", stats.events_received,
      ", kept ", stats.events_kept, ", duplicates ", stats.duplicates);
  SCOPED_TRACE(described);
  EXPECT_GT(stats.unavailable, 0u);
  EXPECT_GT(stats.resource_exhausted, 0u);
  EXPECT_GT(stats.stalled, 0u);
  EXPECT_GT(stats.dropped, 0u);
  EXPECT_GE(stats.poison_rejections, 1u);
  EXPECT_GT(stats.duplicates, 0u);  // at-least-once: some batches came twice

  // What the receiver kept: each event once, every stored event but the poison.
  const std::vector<v1::Event> feed = client_->Pull();
  ASSERT_EQ(feed.size(), static_cast<size_t>(kSubjects * (1 + kObservationsPerSubject) + 1));
  absl::StatusOr<std::vector<v1::Event>> kept = chaos_->KeptEvents();
  ASSERT_TRUE(kept.ok()) << kept.status();
  std::set<std::string> kept_ids;
  for (const v1::Event& event : *kept) {
    EXPECT_TRUE(kept_ids.insert(event.event_id()).second) << "kept twice: " << event.event_id();
  }
  std::set<std::string> expected_ids;
  for (const v1::Event& event : feed) {
    if (event.event_id() != chaos.poison_event_id) expected_ids.insert(event.event_id());
  }
  EXPECT_EQ(kept_ids, expected_ids);
  EXPECT_EQ(kept_ids.count(chaos.poison_event_id), 0u);

  // In the order of the log, per subject.
  std::map<std::string, uint64_t> last_sequence;
  for (const v1::Event& event : *kept) {
    uint64_t& last = last_sequence[event.subject_id()];
    EXPECT_GT(event.sequence(), last) << event.subject_id() << " out of order";
    last = event.sequence();
  }

  // The poison event, and only it, is a dead letter.
  const std::vector<v1::DeadLetter> dead = DeadLetters();
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].event_id(), chaos.poison_event_id);
  EXPECT_EQ(dead[0].destination(), "chaos");
  EXPECT_EQ(dead[0].subject_id(), "KRD-FT-0001");
  EXPECT_EQ(dead[0].code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(destination.cursor(), feed.back().sequence());
}

}  // namespace
}  // namespace trialgate::testing
