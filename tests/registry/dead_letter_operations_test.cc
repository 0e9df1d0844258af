// What an operator does about forwarding: `trialgate destinations`, `trialgate deadletters
// list|replay|discard` (the real binary) and the Delivery service, against a gateway forwarding
// to a receiver that refuses one poison event.
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "tests/support/gateway_harness.h"
#include "tests/registry/chaos_registry.h"
#include "trialgate/v1/delivery.grpc.pb.h"

namespace trialgate::testing {
namespace {

using ::testing::HasSubstr;

std::string Enrolment() {
  return R"({"resourceType": "ResearchSubject", "id": "rs-op-1", "meta": {"versionId": "1"},
      "identifier": [{"system": "urn:trialgate:krd-asct2:subject", "value": "KRD-OP-0001"}],
      "status": "on-study", "period": {"start": "2026-01-05"},
      "study": {"reference": "ResearchStudy/krd-asct2"},
      "individual": {"reference": "Patient/pt-op-1"}})";
}

std::string Observation(int k) {
  return absl::StrFormat(
      R"({"resourceType": "Observation", "id": "obs-op-%d", "meta": {"versionId": "1"},
          "status": "final", "code": {"coding": [{"system": "http://loinc.org", "code": "751-8"}]},
          "subject": {"reference": "Patient/pt-op-1"},
          "effectiveDateTime": "2026-01-%02dT07:30:00+01:00",
          "valueQuantity": {"value": 2.%d, "unit": "10*3/uL",
                            "system": "http://unitsofmeasure.org", "code": "10*3/uL"}})",
      k, k, k);
}

rapidjson::Document Json(const std::string& line) {
  rapidjson::Document document;
  document.Parse(line.c_str());
  EXPECT_FALSE(document.HasParseError()) << line;
  return document;
}

class DeadLetterOperationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto chaos = ChaosRegistry::Start(dir_.path() / "kept.jsonl");
    ASSERT_TRUE(chaos.ok()) << chaos.status();
    chaos_ = *std::move(chaos);
    chaos_->Kill();  // until the poison's id is known
    config::Config config;
    config.record_deviations = false;
    config::DestinationConfig destination;
    destination.name = "registry";
    destination.address = chaos_->address();
    destination.insecure = true;
    destination.retry_initial_ms = 10;
    destination.retry_max_ms = 50;
    config.destinations.push_back(destination);
    gateway_ = StartInProcess(dir_.path() / "data", config);
    client_ = std::make_unique<GatewayClient>(gateway_->address());
    delivery_ = v1::Delivery::NewStub(client_->channel());
    target_ = " --target " + gateway_->address();

    client_->SubmitOk(Enrolment());
    for (int k = 1; k <= 3; ++k) {
      const v1::SubmitResponse response = client_->SubmitOk(Observation(k));
      ASSERT_EQ(response.entries(0).event_ids_size(), 1);
      if (k == 2) poison_ = response.entries(0).event_ids(0);
    }
    Misbehaviour refuse_poison;
    refuse_poison.poison_event_id = poison_;
    chaos_->set_misbehaviour(refuse_poison);
    ASSERT_TRUE(chaos_->Restart().ok());
    // Delivered, except the poison: a dead letter.
    ASSERT_TRUE(Eventually([&] {
      const rapidjson::Document line = Json(DestinationLine());
      return Pending() == 0 && line.IsObject() && line.HasMember("deadLetters") &&
             std::string(line["deadLetters"].GetString()) == "1";
    }));
  }

  // The destination's JSON line from `trialgate destinations`.
  std::string DestinationLine() {
    const CliRun run = RunCli("destinations" + target_);
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_EQ(run.lines.size(), 1u);
    return run.lines.empty() ? "" : run.lines[0];
  }

  uint64_t Pending() {
    const rapidjson::Document line = Json(DestinationLine());
    return line.IsObject() && line.HasMember("pendingEvents")
               ? std::stoull(line["pendingEvents"].GetString())
               : ~0ull;
  }

  bool Kept(const std::string& event_id) {
    auto kept = chaos_->KeptEvents();
    if (!kept.ok()) return false;
    for (const v1::Event& event : *kept) {
      if (event.event_id() == event_id) return true;
    }
    return false;
  }

  TempDir dir_;
  std::unique_ptr<ChaosRegistry> chaos_;
  std::unique_ptr<server::GatewayServer> gateway_;
  std::unique_ptr<GatewayClient> client_;
  std::unique_ptr<v1::Delivery::Stub> delivery_;
  std::string target_;
  std::string poison_;
};

TEST_F(DeadLetterOperationsTest, DestinationsShowProgressAndTheDeadLetterIsListed) {
  const rapidjson::Document destination = Json(DestinationLine());
  EXPECT_STREQ(destination["name"].GetString(), "registry");
  EXPECT_EQ(destination["address"].GetString(), chaos_->address());
  EXPECT_STREQ(destination["cursor"].GetString(), "4");  // enrolment and three observations
  EXPECT_STREQ(destination["pendingEvents"].GetString(), "0");
  EXPECT_STREQ(destination["deliveredEvents"].GetString(), "3");
  EXPECT_STREQ(destination["deadLetters"].GetString(), "1");
  EXPECT_STREQ(destination["state"].GetString(), "idle");

  const CliRun list = RunCli("deadletters list" + target_);
  ASSERT_EQ(list.exit_code, 0);
  ASSERT_EQ(list.lines.size(), 1u);
  const rapidjson::Document dead = Json(list.lines[0]);
  EXPECT_EQ(dead["eventId"].GetString(), poison_);
  EXPECT_STREQ(dead["sequence"].GetString(), "3");
  EXPECT_STREQ(dead["subjectId"].GetString(), "KRD-OP-0001");
  EXPECT_STREQ(dead["eventKind"].GetString(), "lab_result");
  EXPECT_EQ(dead["code"].GetInt(), 3);  // INVALID_ARGUMENT
  EXPECT_THAT(dead["reason"].GetString(), HasSubstr("rejected by the receiver"));
  EXPECT_FALSE(dead.HasMember("discardedTime"));
  EXPECT_TRUE(RunCli("deadletters list --subject KRD-OP-9999" + target_).lines.empty());
}

TEST_F(DeadLetterOperationsTest, ReplayDeliversTheDeadLetterOnceTheReceiverTakesIt) {
  EXPECT_FALSE(Kept(poison_));
  chaos_->set_misbehaviour({});  // the receiver was fixed
  const CliRun replay = RunCli("deadletters replay --destination registry --sequence 3" + target_);
  ASSERT_EQ(replay.exit_code, 0);
  ASSERT_EQ(replay.lines.size(), 1u);
  EXPECT_EQ(replay.lines[0], R"({"count":1})");
  ASSERT_TRUE(Eventually([&] { return Kept(poison_); }));
  EXPECT_TRUE(RunCli("deadletters list" + target_).lines.empty());
  ASSERT_TRUE(Eventually([&] { return Pending() == 0; }));
  const rapidjson::Document destination = Json(DestinationLine());
  EXPECT_STREQ(destination["deadLetters"].GetString(), "0");
  EXPECT_STREQ(destination["deliveredEvents"].GetString(), "4");
}

TEST_F(DeadLetterOperationsTest, ReplayedIntoTheSameRefusalItIsADeadLetterAgain) {
  const CliRun replay = RunCli("deadletters replay --destination registry --all" + target_);
  EXPECT_EQ(replay.lines, std::vector<std::string>{R"({"count":1})"});
  ASSERT_TRUE(Eventually([&] {
    const CliRun list = RunCli("deadletters list" + target_);
    return list.lines.size() == 1 && Pending() == 0;
  }));
  EXPECT_FALSE(Kept(poison_));
}

TEST_F(DeadLetterOperationsTest, DiscardKeepsItOnRecordAndItIsNeverReplayed) {
  const CliRun discard = RunCli("deadletters discard --destination registry --all" + target_);
  EXPECT_EQ(discard.lines, std::vector<std::string>{R"({"count":1})"});
  EXPECT_TRUE(RunCli("deadletters list" + target_).lines.empty());
  const CliRun all = RunCli("deadletters list --include-discarded" + target_);
  ASSERT_EQ(all.lines.size(), 1u);
  EXPECT_TRUE(Json(all.lines[0]).HasMember("discardedTime"));
  EXPECT_EQ(RunCli("deadletters replay --destination registry --all" + target_).lines,
            std::vector<std::string>{R"({"count":0})"});
}

TEST_F(DeadLetterOperationsTest, UnclearRequestsAreRefusedWithAReason) {
  const auto replay = [&](const v1::DeadLetterSelection& selection) {
    grpc::ClientContext context;
    v1::DeadLetterActionResponse response;
    return delivery_->ReplayDeadLetters(&context, selection, &response);
  };
  v1::DeadLetterSelection no_destination;
  no_destination.set_all(true);
  EXPECT_EQ(replay(no_destination).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::DeadLetterSelection nothing_selected;
  nothing_selected.set_destination("registry");
  EXPECT_EQ(replay(nothing_selected).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::DeadLetterSelection both = nothing_selected;
  both.set_all(true);
  both.add_sequences(3);
  EXPECT_EQ(replay(both).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::DeadLetterSelection unknown;
  unknown.set_destination("nowhere");
  unknown.set_all(true);
  const grpc::Status status = replay(unknown);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("'nowhere' is not configured"));
  // The command line says what is missing before calling.
  EXPECT_EQ(RunCli("deadletters replay --destination registry" + target_).exit_code, 2);
}

}  // namespace
}  // namespace trialgate::testing
