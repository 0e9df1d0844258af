// End to end through the real server on loopback: submit FHIR, pull canonical events.
#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"

namespace trialgate::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

class SubmitAndPullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The feed's mechanics: only the submitted events, no deviation records appended
    // asynchronously by the schedule engine (tests/integration/timeline_test.cc covers those).
    config::Config config;
    config.record_deviations = false;
    server_ = StartInProcess(dir_.path(), config);
    ASSERT_NE(server_, nullptr);
    client_ = std::make_unique<GatewayClient>(server_->address());
  }

  // Enrols pt-1001 as KRD-001-0001 at hospital-a.
  void EnrolPt1001() {
    v1::SubmitResponse response = client_->SubmitOk(TestData("research-subject-pt-1001.json"));
    ASSERT_EQ(response.entries_size(), 1);
    ASSERT_EQ(response.entries(0).outcome(), v1::EntryOutcome::ACCEPTED)
        << response.entries(0).operation_outcome();
  }

  TempDir dir_;
  std::unique_ptr<server::GatewayServer> server_;
  std::unique_ptr<GatewayClient> client_;
};

TEST_F(SubmitAndPullTest, TransactionEnrolsAndMapsEveryEntryThenPullReturnsThemInOrder) {
  v1::SubmitResponse response = client_->SubmitOk(TestData("transaction-enrol-and-data.json"));
  ASSERT_EQ(response.entries_size(), 4);
  std::vector<std::string> ids;
  for (const auto& entry : response.entries()) {
    EXPECT_EQ(entry.outcome(), v1::EntryOutcome::ACCEPTED) << entry.operation_outcome();
    ASSERT_EQ(entry.event_ids_size(), 1);
    ids.push_back(entry.event_ids(0));
  }

  std::vector<v1::Event> events = client_->Pull();
  ASSERT_EQ(events.size(), 4u);
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].event_id(), ids[i]);
    EXPECT_EQ(events[i].subject_id(), "KRD-001-0002");
    EXPECT_EQ(events[i].study_id(), "KRD-ASCT2");
    EXPECT_EQ(events[i].site_id(), "hospital-a");
    EXPECT_EQ(events[i].source().system(), "hospital-a");
    if (i > 0) {
      EXPECT_GT(events[i].sequence(), events[i - 1].sequence());
    }
  }
  EXPECT_TRUE(events[0].has_enrollment_changed());
  EXPECT_EQ(events[0].enrollment_changed().enrolled_on(), "2026-02-02");
  ASSERT_TRUE(events[1].has_dose_administered());
  EXPECT_EQ(events[1].dose_administered().agent(), "carfilzomib");
  EXPECT_DOUBLE_EQ(events[1].dose_administered().dose().value(), 50);
  EXPECT_EQ(events[1].dose_administered().dose().unit(), "mg");
  ASSERT_TRUE(events[2].has_lab_result());
  EXPECT_DOUBLE_EQ(events[2].lab_result().value(), 2.4);
  ASSERT_TRUE(events[3].has_adverse_event_reported());
  EXPECT_EQ(events[3].adverse_event_reported().grade(), 3);
  EXPECT_EQ(events[3].adverse_event_reported().meddra_code(), "10029366");
}

// FHIR decimals keep their precision: 1.50 reaches the warehouse as "1.50", not 1.5.
TEST_F(SubmitAndPullTest, DecimalsReachTheEventsWithTheirExactText) {
  EnrolPt1001();
  v1::SubmitResponse response = client_->SubmitOk(R"({"resourceType": "Observation",
    "id": "anc-decimal", "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "751-8"}]},
    "subject": {"reference": "Patient/pt-1001"}, "effectiveDateTime": "2026-01-05",
    "valueQuantity": {"value": 1.50, "unit": "10*9/L", "system": "http://unitsofmeasure.org",
                      "code": "10*9/L"},
    "referenceRange": [{
      "low": {"value": 1.80, "system": "http://unitsofmeasure.org", "code": "10*9/L"},
      "high": {"value": 7.7e0, "system": "http://unitsofmeasure.org", "code": "10*9/L"}}]})");
  ASSERT_EQ(response.entries_size(), 1);
  ASSERT_EQ(response.entries(0).outcome(), v1::EntryOutcome::ACCEPTED)
      << response.entries(0).operation_outcome();

  std::vector<v1::Event> events = client_->Pull();
  ASSERT_EQ(events.size(), 2u);
  const v1::LabResult& lab = events[1].lab_result();
  EXPECT_EQ(lab.value_decimal(), "1.50");
  EXPECT_DOUBLE_EQ(lab.value(), 1.5);
  EXPECT_EQ(lab.value_as_sent().value_decimal(), "1.50");
  EXPECT_EQ(lab.reference_range().low_decimal(), "1.80");
  EXPECT_EQ(lab.reference_range().high_decimal(), "7.7e0");
}

TEST_F(SubmitAndPullTest, EventsCarryNoHospitalIdentifier) {
  client_->SubmitOk(TestData("transaction-enrol-and-data.json"));
  for (const v1::Event& event : client_->Pull()) {
    const std::string bytes = event.SerializeAsString();
    EXPECT_THAT(bytes, Not(HasSubstr("pt-1002")));
    EXPECT_THAT(bytes, Not(HasSubstr("MRN-7723401")));
    EXPECT_THAT(bytes, Not(HasSubstr("1.2.3.4.5.6.7")));
  }
  // Nor does the database, its write-ahead log included.
  int files_read = 0;
  for (const auto& file : std::filesystem::directory_iterator(dir_.path())) {
    if (!file.path().filename().string().starts_with("trialgate.db")) continue;
    std::ifstream in(file.path(), std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    ++files_read;
    EXPECT_THAT(content.str(), Not(HasSubstr("MRN-7723401"))) << file.path();
    EXPECT_THAT(content.str(), Not(HasSubstr("pt-1002"))) << file.path();
  }
  EXPECT_GE(files_read, 2);  // the database and its WAL
}

TEST_F(SubmitAndPullTest, ResubmissionIsADuplicateWithTheSameEventIdsAndNoNewEvents) {
  v1::SubmitResponse first = client_->SubmitOk(TestData("transaction-enrol-and-data.json"));
  v1::SubmitResponse again = client_->SubmitOk(TestData("transaction-enrol-and-data.json"));
  ASSERT_EQ(again.entries_size(), first.entries_size());
  for (int i = 0; i < again.entries_size(); ++i) {
    EXPECT_EQ(again.entries(i).outcome(), v1::EntryOutcome::DUPLICATE);
    EXPECT_EQ(again.entries(i).event_ids(0), first.entries(i).event_ids(0));
  }
  EXPECT_EQ(client_->Pull().size(), 4u);
}

TEST_F(SubmitAndPullTest, SameIdWithChangedContentAndNoVersionIsANewVersion) {
  EnrolPt1001();
  std::string body = TestData("observation-anc-pt-1001.json");
  client_->SubmitOk(body);
  body.replace(body.find("\"value\": 1.9"), 12, "\"value\": 2.1");
  v1::SubmitResponse changed = client_->SubmitOk(body);
  EXPECT_EQ(changed.entries(0).outcome(), v1::EntryOutcome::ACCEPTED);
  EXPECT_EQ(client_->Pull().size(), 3u);
}

TEST_F(SubmitAndPullTest, BatchIsJudgedPerEntry) {
  EnrolPt1001();
  v1::SubmitResponse response = client_->SubmitOk(TestData("batch-mixed.json"));
  ASSERT_EQ(response.entries_size(), 3);
  EXPECT_EQ(response.entries(0).outcome(), v1::EntryOutcome::ACCEPTED);
  // It has no narrative, which R4 advises (dom-6): a warning that travels with the entry.
  EXPECT_THAT(response.entries(0).operation_outcome(), HasSubstr("dom-6"));
  EXPECT_EQ(response.entries(1).outcome(), v1::EntryOutcome::REJECTED);
  EXPECT_THAT(response.entries(1).operation_outcome(), HasSubstr("not enrolled"));
  EXPECT_THAT(response.entries(1).operation_outcome(), HasSubstr("Bundle.entry[1].resource.subject"));
  // A non-study drug is a fact to keep, with a warning.
  EXPECT_EQ(response.entries(2).outcome(), v1::EntryOutcome::ACCEPTED);
  rapidjson::Document outcome = ParseOutcome(response.entries(2).operation_outcome());
  EXPECT_EQ(FirstIssue(outcome, "error"), nullptr);
  EXPECT_THAT(response.entries(2).operation_outcome(), HasSubstr("kept as a non-study drug"));

  std::vector<v1::Event> events = client_->Pull();
  ASSERT_EQ(events.size(), 3u);  // enrolment, platelets, ondansetron
  ASSERT_TRUE(events[2].has_dose_administered());
  EXPECT_FALSE(events[2].dose_administered().study_drug());
}

TEST_F(SubmitAndPullTest, TransactionIsAllOrNothing) {
  v1::SubmitResponse response =
      client_->SubmitOk(TestData("transaction-with-dangling-reference.json"));
  ASSERT_EQ(response.entries_size(), 4);
  for (const auto& entry : response.entries()) {
    EXPECT_EQ(entry.outcome(), v1::EntryOutcome::REJECTED);
    EXPECT_EQ(entry.event_ids_size(), 0);
  }
  EXPECT_THAT(response.entries(2).operation_outcome(), HasSubstr("does not resolve"));
  EXPECT_THAT(response.entries(0).operation_outcome(), HasSubstr("entry 2 was rejected"));
  EXPECT_TRUE(client_->Pull().empty());
  // The enrolment of the failed transaction did not take effect either.
  std::string anc = TestData("observation-anc-pt-1001.json");
  anc.replace(anc.find("Patient/pt-1001"), 15, "Patient/pt-1003");
  EXPECT_EQ(client_->SubmitOk(anc).entries(0).outcome(), v1::EntryOutcome::REJECTED);
}

TEST_F(SubmitAndPullTest, UnenrolledPatientIsRejectedAndNothingStored) {
  v1::SubmitResponse response = client_->SubmitOk(TestData("observation-anc-pt-1001.json"));
  ASSERT_EQ(response.entries_size(), 1);
  EXPECT_EQ(response.entries(0).outcome(), v1::EntryOutcome::REJECTED);
  rapidjson::Document outcome = ParseOutcome(response.entries(0).operation_outcome());
  const rapidjson::Value* error = FirstIssue(outcome, "error");
  ASSERT_NE(error, nullptr) << response.entries(0).operation_outcome();
  EXPECT_STREQ((*error)["code"].GetString(), "not-found");
  EXPECT_STREQ((*error)["expression"][0].GetString(), "Observation.subject");
  EXPECT_TRUE(client_->Pull().empty());
}

TEST_F(SubmitAndPullTest, EnrolmentIsPerSendingSystem) {
  EnrolPt1001();
  v1::SubmitResponse other =
      client_->SubmitOk(TestData("observation-anc-pt-1001.json"), "hospital-b");
  EXPECT_EQ(other.entries(0).outcome(), v1::EntryOutcome::REJECTED);
}

TEST_F(SubmitAndPullTest, PullAfterACursorReturnsExactlyTheLaterEvents) {
  client_->SubmitOk(TestData("transaction-enrol-and-data.json"));
  std::vector<v1::Event> all = client_->Pull();
  ASSERT_EQ(all.size(), 4u);
  std::vector<v1::Event> later = client_->Pull(all[1].sequence());
  ASSERT_EQ(later.size(), 2u);
  EXPECT_EQ(later[0].event_id(), all[2].event_id());
  EXPECT_EQ(later[1].event_id(), all[3].event_id());
  EXPECT_EQ(client_->Pull(0, 3).size(), 3u);
  EXPECT_TRUE(client_->Pull(all[3].sequence()).empty());
}

TEST_F(SubmitAndPullTest, FollowDeliversEventsAsTheyCommit) {
  EnrolPt1001();
  const uint64_t cursor = client_->Pull().back().sequence();
  grpc::ClientContext context;
  v1::PullRequest request;
  request.set_after(cursor);
  request.set_follow(true);
  auto reader = client_->feed().Pull(&context, request);

  std::thread submitter([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    client_->SubmitOk(TestData("observation-anc-pt-1001.json"));
  });
  v1::Event event;
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_TRUE(event.has_lab_result());
  EXPECT_GT(event.sequence(), cursor);
  submitter.join();
  context.TryCancel();
  while (reader->Read(&event)) {
  }
  reader->Finish();
}

TEST_F(SubmitAndPullTest, StreamAnswersEachSubmissionInOrderAndSurvivesBadBodies) {
  grpc::ClientContext context;
  auto stream = client_->gateway().SubmitStream(&context);
  const std::vector<std::string> bodies = {
      TestData("research-subject-pt-1001.json"),
      TestData("observation-anc-pt-1001.json"),  // relies on the enrolment just before it
      "{not json",
      TestData("batch-mixed.json"),
  };
  for (size_t i = 0; i < bodies.size(); ++i) {
    v1::SubmitRequest request;
    request.set_source_system("hospital-a");
    request.set_body(bodies[i]);
    request.set_request_id("r" + std::to_string(i));
    ASSERT_TRUE(stream->Write(request));
  }
  stream->WritesDone();
  std::vector<v1::SubmitResponse> responses;
  v1::SubmitResponse response;
  while (stream->Read(&response)) responses.push_back(response);
  ASSERT_TRUE(stream->Finish().ok());
  ASSERT_EQ(responses.size(), 4u);
  for (size_t i = 0; i < responses.size(); ++i) {
    EXPECT_EQ(responses[i].request_id(), "r" + std::to_string(i));
  }
  EXPECT_EQ(responses[0].entries(0).outcome(), v1::EntryOutcome::ACCEPTED);
  EXPECT_EQ(responses[1].entries(0).outcome(), v1::EntryOutcome::ACCEPTED)
      << responses[1].entries(0).operation_outcome();
  EXPECT_EQ(responses[2].entries_size(), 0);
  EXPECT_EQ(responses[2].body_rejection().grpc_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(responses[2].body_rejection().operation_outcome(), HasSubstr("malformed JSON"));
  EXPECT_EQ(responses[3].entries_size(), 3);
}

TEST_F(SubmitAndPullTest, ManyConcurrentSubmittersAllLandExactlyOnce) {
  EnrolPt1001();
  constexpr int kThreads = 8, kPerThread = 40;
  std::vector<std::thread> threads;
  std::atomic<int> accepted{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      GatewayClient client(server_->address());
      for (int i = 0; i < kPerThread; ++i) {
        std::string body = TestData("observation-anc-pt-1001.json");
        body.replace(body.find("obs-anc-1001-c1d1"), 17,
                     "obs-" + std::to_string(t) + "-" + std::to_string(i));
        v1::SubmitResponse response = client.SubmitOk(body);
        if (response.entries_size() == 1 &&
            response.entries(0).outcome() == v1::EntryOutcome::ACCEPTED) {
          ++accepted;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(accepted, kThreads * kPerThread);
  std::vector<v1::Event> events = client_->Pull();
  EXPECT_EQ(events.size(), 1u + kThreads * kPerThread);
  for (size_t i = 1; i < events.size(); ++i) {
    EXPECT_GT(events[i].sequence(), events[i - 1].sequence());
  }
}

TEST_F(SubmitAndPullTest, ValidateJudgesWithoutStoring) {
  v1::ValidateRequest request;
  request.set_body(TestData("transaction-enrol-and-data.json"));
  v1::ValidateResponse response;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(client_->gateway().Validate(&context, request, &response).ok());
  }
  // Valid: its resources have no narrative, which R4 only advises (dom-6, a warning).
  EXPECT_TRUE(response.valid());
  rapidjson::Document warnings = ParseOutcome(response.operation_outcome());
  EXPECT_EQ(FirstIssue(warnings, "error"), nullptr) << response.operation_outcome();
  EXPECT_THAT(response.operation_outcome(), HasSubstr("dom-6"));

  // With nothing to say, the outcome says so.
  std::string with_narrative = TestData("research-subject-pt-1001.json");
  with_narrative.insert(with_narrative.find("\"id\""),
                        R"("text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">KRD-001-0001</div>"}, )");
  request.set_body(with_narrative);
  {
    grpc::ClientContext context;
    ASSERT_TRUE(client_->gateway().Validate(&context, request, &response).ok());
  }
  EXPECT_TRUE(response.valid());
  EXPECT_THAT(response.operation_outcome(), HasSubstr("informational"));

  // A Patient is not taken by Submit, but $validate judges it: here its gender is not a code of
  // the required value set.
  request.set_body(R"({"resourceType":"Patient","gender":"unknown-ish"})");
  {
    grpc::ClientContext context;
    ASSERT_TRUE(client_->gateway().Validate(&context, request, &response).ok());
  }
  EXPECT_FALSE(response.valid());
  rapidjson::Document outcome = ParseOutcome(response.operation_outcome());
  EXPECT_STREQ(outcome["issue"][0]["expression"][0].GetString(), "Patient.gender");

  request.set_body("{broken");
  {
    grpc::ClientContext context;
    ASSERT_TRUE(client_->gateway().Validate(&context, request, &response).ok());
  }
  EXPECT_FALSE(response.valid());
  EXPECT_THAT(response.operation_outcome(), HasSubstr("malformed JSON"));
  EXPECT_TRUE(client_->Pull().empty());  // nothing was stored
}

// The ANC Observation of pt-1001 claiming the study's lab profile.
std::string ClaimingLabProfile(std::string observation) {
  observation.replace(observation.find("\"status\""), 0,
                      R"("meta": {"profile": ["urn:trialgate:krd-asct2:profile:lab-result"]}, )");
  return observation;
}

TEST_F(SubmitAndPullTest, SubmitHoldsAResourceToTheStudyProfileItClaims) {
  EnrolPt1001();
  // ANC (LOINC 751-8) is a study analyte in UCUM: conforms.
  v1::SubmitResponse conforming =
      client_->SubmitOk(ClaimingLabProfile(TestData("observation-anc-pt-1001.json")));
  EXPECT_EQ(conforming.entries(0).outcome(), v1::EntryOutcome::ACCEPTED)
      << conforming.entries(0).operation_outcome();

  std::string body = ClaimingLabProfile(TestData("observation-anc-pt-1001.json"));
  body.replace(body.find("\"value\": 1.9, "), 14, "");  // a quantity without its number
  body.replace(body.find("obs-anc-1001-c1d1"), 17, "obs-anc-1001-c1d2");
  v1::SubmitResponse rejected = client_->SubmitOk(body);
  ASSERT_EQ(rejected.entries(0).outcome(), v1::EntryOutcome::REJECTED);
  rapidjson::Document outcome = ParseOutcome(rejected.entries(0).operation_outcome());
  EXPECT_STREQ(outcome["issue"][0]["expression"][0].GetString(),
               "Observation.value.ofType(Quantity).value");
  EXPECT_THAT(rejected.entries(0).operation_outcome(),
              HasSubstr("profile urn:trialgate:krd-asct2:profile:lab-result"));
  EXPECT_EQ(client_->Pull().size(), 2u);  // the enrolment and the conforming result only
}

TEST(StudyProfileConfigTest, RequireStudyProfilesHoldsEveryResourceOfAProfiledType) {
  TempDir dir;
  config::Config config;
  config.require_study_profiles = true;
  auto server = StartInProcess(dir.path(), config);
  ASSERT_NE(server, nullptr);
  GatewayClient client(server->address());
  client.SubmitOk(TestData("research-subject-pt-1001.json"));
  // A lab result that claims nothing, without effective time: valid R4, not a KRD lab result.
  std::string body = TestData("observation-anc-pt-1001.json");
  body.replace(body.find(R"("effectiveDateTime": "2026-01-05T07:30:00+01:00",)"), 49, "");
  v1::SubmitResponse response = client.SubmitOk(body);
  ASSERT_EQ(response.entries(0).outcome(), v1::EntryOutcome::REJECTED);
  EXPECT_THAT(response.entries(0).operation_outcome(), HasSubstr("Observation.effective"));
}

TEST_F(SubmitAndPullTest, ValidateAgainstARequestedProfile) {
  v1::ValidateRequest request;
  request.set_body(TestData("observation-anc-pt-1001.json"));
  v1::ValidateResponse response;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(client_->gateway().Validate(&context, request, &response).ok());
  }
  EXPECT_TRUE(response.valid()) << response.operation_outcome();

  request.set_profile("urn:trialgate:krd-asct2:profile:adverse-event");  // another type: no effect
  {
    grpc::ClientContext context;
    ASSERT_TRUE(client_->gateway().Validate(&context, request, &response).ok());
  }
  EXPECT_TRUE(response.valid()) << response.operation_outcome();

  std::string cholesterol = TestData("observation-anc-pt-1001.json");
  cholesterol.replace(cholesterol.find("751-8"), 5, "2093-3");
  request.set_body(cholesterol);
  request.set_profile("urn:trialgate:krd-asct2:profile:lab-result");
  {
    grpc::ClientContext context;
    ASSERT_TRUE(client_->gateway().Validate(&context, request, &response).ok());
  }
  EXPECT_FALSE(response.valid());
  EXPECT_THAT(response.operation_outcome(), HasSubstr("urn:trialgate:krd-asct2:valueset:lab-tests"));

  request.set_profile("urn:example:no-such-profile");
  {
    grpc::ClientContext context;
    ASSERT_TRUE(client_->gateway().Validate(&context, request, &response).ok());
  }
  EXPECT_FALSE(response.valid());
  EXPECT_THAT(response.operation_outcome(), HasSubstr("not known"));
  EXPECT_TRUE(client_->Pull().empty());
}

TEST(RestartTest, PullResumesFromASavedCursorAfterRestartAndIdempotencySurvives) {
  TempDir dir;
  uint64_t cursor = 0;
  std::vector<std::string> all_ids;
  config::Config config;
  config.record_deviations = false;  // only the submitted events in the feed
  {
    auto server = StartInProcess(dir.path(), config);
    ASSERT_NE(server, nullptr);
    GatewayClient client(server->address());
    client.SubmitOk(TestData("transaction-enrol-and-data.json"));
    std::vector<v1::Event> events = client.Pull();
    ASSERT_EQ(events.size(), 4u);
    for (const auto& event : events) all_ids.push_back(event.event_id());
    cursor = events[1].sequence();  // the warehouse processed two
    server->Shutdown();
  }
  auto server = StartInProcess(dir.path(), config);
  ASSERT_NE(server, nullptr);
  GatewayClient client(server->address());
  std::vector<v1::Event> rest = client.Pull(cursor);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].event_id(), all_ids[2]);
  EXPECT_EQ(rest[1].event_id(), all_ids[3]);

  v1::SubmitResponse again = client.SubmitOk(TestData("transaction-enrol-and-data.json"));
  for (const auto& entry : again.entries()) {
    EXPECT_EQ(entry.outcome(), v1::EntryOutcome::DUPLICATE);
  }
  // The enrolment survived too: new data about the patient is accepted.
  std::string anc = TestData("observation-anc-pt-1001.json");
  anc.replace(anc.find("Patient/pt-1001"), 15, "Patient/pt-1002");
  v1::SubmitResponse fresh = client.SubmitOk(anc);
  EXPECT_EQ(fresh.entries(0).outcome(), v1::EntryOutcome::ACCEPTED)
      << fresh.entries(0).operation_outcome();
  std::vector<v1::Event> after = client.Pull(all_ids.empty() ? 0 : rest[1].sequence());
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].subject_id(), "KRD-001-0002");
}

}  // namespace
}  // namespace trialgate::testing
