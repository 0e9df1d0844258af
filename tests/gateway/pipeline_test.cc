// The pipeline with a fake store: what it hands to the store, and what it tells the sender
// when the store fails.
#include "gateway/pipeline/pipeline.h"

#include "fhir-profiles/embedded.h"
#include "gateway/pipeline/source_identity.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "tests/gateway/fake_event_store.h"
#include "tests/integration/gateway_harness.h"
#include "tests/manual_clock.h"

namespace trialgate::pipeline {
namespace {

using ::testing::HasSubstr;
using ::trialgate::testing::FakeEventStore;
using ::trialgate::testing::ManualClock;

class PipelineTest : public ::testing::Test {
 protected:
  PipelineTest()
      : pipeline_(*mappers::Study::FromFiles(profiles::EmbeddedStudyFiles("krd-asct2")), {},
                  identity::Pseudonymizer(std::string(32, 'k')), &registry_, &store_) {}

  SubmissionResult Submit(const std::string& body) {
    SubmissionResult out;
    pipeline_.Submit("hospital-a", body, [&](SubmissionResult result) { out = std::move(result); });
    return out;
  }

  FakeEventStore store_;
  identity::EnrollmentRegistry registry_;
  Pipeline pipeline_;
};

TEST_F(PipelineTest, HandsOneSourceWriteWithPseudonymisedEnrolmentToTheStore) {
  SubmissionResult result = Submit(testing::TestData("research-subject-pt-1001.json"));
  ASSERT_TRUE(result.status.ok());
  ASSERT_EQ(store_.commits.size(), 1u);
  ASSERT_EQ(store_.commits[0].size(), 1u);
  const store::SourceWrite& write = store_.commits[0][0];
  ASSERT_EQ(write.enrollments.size(), 1u);
  EXPECT_EQ(write.enrollments[0].subject_id, "KRD-001-0001");
  EXPECT_EQ(write.enrollments[0].patient_key_hmac.size(), 64u);
  EXPECT_THAT(write.enrollments[0].patient_key_hmac, ::testing::Not(HasSubstr("pt-1001")));
  ASSERT_EQ(write.events.size(), 1u);
  EXPECT_EQ(write.events[0].subject_id(), "KRD-001-0001");
  EXPECT_EQ(write.events[0].source().content_sha256().size(), 64u);
  EXPECT_TRUE(write.events[0].has_recorded_at());
}

TEST_F(PipelineTest, AStoreFailureIsReportedAndNothingIsAcknowledged) {
  store_.commit_status = absl::UnavailableError("disk I/O error");
  SubmissionResult result = Submit(testing::TestData("research-subject-pt-1001.json"));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(result.entries.empty());
  ASSERT_EQ(result.issues.size(), 1u);
  EXPECT_THAT(result.issues[0].diagnostics, HasSubstr("nothing was stored"));
}

TEST_F(PipelineTest, NothingReachesTheStoreWhenEveryEntryIsRejected) {
  SubmissionResult result = Submit(testing::TestData("observation-anc-pt-1001.json"));
  ASSERT_TRUE(result.status.ok());
  ASSERT_EQ(result.entries.size(), 1u);
  EXPECT_EQ(result.entries[0].outcome, EntryResult::Outcome::kRejected);
  EXPECT_TRUE(store_.commits.empty());
}

TEST_F(PipelineTest, APatientIsAnsweredButNeverHandedToTheStore) {
  SubmissionResult result =
      Submit(R"({"resourceType":"Patient","id":"pt-7","birthDate":"1960-01-01"})");
  ASSERT_TRUE(result.status.ok());
  ASSERT_EQ(result.entries.size(), 1u);
  EXPECT_EQ(result.entries[0].outcome, EntryResult::Outcome::kAccepted);
  EXPECT_TRUE(result.entries[0].event_ids.empty());
  ASSERT_EQ(result.entries[0].issues.size(), 1u);
  EXPECT_EQ(result.entries[0].issues[0].severity, Issue::Severity::kInformation);
  EXPECT_TRUE(store_.commits.empty());

  // In a transaction, the entries that refer to it are written; it is not.
  result = Submit(testing::TestData("transaction-patient-enrol-and-data.json"));
  ASSERT_TRUE(result.status.ok());
  ASSERT_EQ(store_.commits.size(), 1u);
  EXPECT_EQ(store_.commits[0].size(), 3u);  // ResearchSubject, Observation, MedicationAdministration
  ASSERT_EQ(result.entries.size(), 4u);
  EXPECT_EQ(result.entries[0].resource_type, "Patient");
  EXPECT_TRUE(result.entries[0].event_ids.empty());
}

TEST_F(PipelineTest, EventsCarryKeyedPseudonymsNotTheHospitalsIds) {
  ASSERT_TRUE(Submit(testing::TestData("research-subject-pt-1001.json")).status.ok());
  ASSERT_TRUE(Submit(testing::TestData("observation-anc-pt-1001.json")).status.ok());
  ASSERT_EQ(store_.commits.size(), 2u);
  const store::SourceWrite& write = store_.commits[1][0];
  ASSERT_EQ(write.events.size(), 1u);
  const v1::Event& event = write.events[0];
  const identity::Pseudonymizer key(std::string(32, 'k'));
  EXPECT_EQ(event.source().logical_id(),
            key.PseudonymizeResourceId("hospital-a", "Observation", "obs-anc-1001-c1d1"));
  EXPECT_EQ(event.event_id(), PseudonymousEventId(key, write.source_key, 0));
  // The idempotency key stays inside: it holds the hospital's id and does not depend on the key.
  EXPECT_THAT(write.source_key, HasSubstr("obs-anc-1001"));
  EXPECT_THAT(event.SerializeAsString(), ::testing::Not(HasSubstr("obs-anc-1001")));
  EXPECT_THAT(event.SerializeAsString(), ::testing::Not(HasSubstr("pt-1001")));
}

// After a key rotation: the patient enrolled under the old key is still found, and cannot be
// enrolled again as another subject.
TEST(PipelineRotationTest, PatientsEnrolledUnderThePreviousKeyAreStillFound) {
  const std::string old_key(32, 'o'), new_key(32, 'n');
  auto study = *mappers::Study::FromFiles(profiles::EmbeddedStudyFiles("krd-asct2"));
  FakeEventStore store;
  identity::EnrollmentRegistry registry;
  SubmissionResult result;
  auto keep = [&](SubmissionResult r) { result = std::move(r); };
  {
    Pipeline before(study, {}, identity::Pseudonymizer(old_key), &registry, &store);
    before.Submit("hospital-a", testing::TestData("research-subject-pt-1001.json"), keep);
    ASSERT_EQ(result.entries[0].outcome, EntryResult::Outcome::kAccepted);
  }
  Pipeline without_previous(study, {}, identity::Pseudonymizer(new_key), &registry, &store);
  without_previous.Submit("hospital-a", testing::TestData("observation-anc-pt-1001.json"), keep);
  EXPECT_EQ(result.entries[0].outcome, EntryResult::Outcome::kRejected);

  Pipeline after(study, {}, identity::Pseudonymizer(new_key, old_key), &registry, &store);
  after.Submit("hospital-a", testing::TestData("observation-anc-pt-1001.json"), keep);
  ASSERT_EQ(result.entries[0].outcome, EntryResult::Outcome::kAccepted);
  EXPECT_EQ(store.commits.back()[0].events[0].subject_id(), "KRD-001-0001");
  std::string other_subject = testing::TestData("research-subject-pt-1001.json");
  other_subject.replace(other_subject.find("KRD-001-0001"), 12, "KRD-001-0999");
  after.Submit("hospital-a", other_subject, keep);
  ASSERT_EQ(result.entries[0].outcome, EntryResult::Outcome::kRejected);
  EXPECT_THAT(result.entries[0].issues.back().diagnostics, HasSubstr("already enrolled"));
}

TEST(PipelineSitesTest, ConfiguredSitesGroupSystemsAndRefuseUnknownOnes) {
  FakeEventStore store;
  identity::EnrollmentRegistry registry;
  PipelineOptions options;
  options.site_by_system = {{"epic", "site-01"}, {"lis", "site-01"}};
  Pipeline pipeline(*mappers::Study::FromFiles(profiles::EmbeddedStudyFiles("krd-asct2")),
                    options, identity::Pseudonymizer(std::string(32, 'k')), &registry, &store);
  SubmissionResult result;
  auto keep = [&](SubmissionResult r) { result = std::move(r); };
  pipeline.Submit("epic", testing::TestData("research-subject-pt-1001.json"), keep);
  ASSERT_TRUE(result.status.ok());
  // The lab system of the same site sees the enrolment made through the EHR.
  pipeline.Submit("lis", testing::TestData("observation-anc-pt-1001.json"), keep);
  ASSERT_TRUE(result.status.ok());
  EXPECT_EQ(result.entries[0].outcome, EntryResult::Outcome::kAccepted);
  EXPECT_EQ(store.commits.back()[0].events[0].site_id(), "site-01");
  pipeline.Submit("unknown", testing::TestData("observation-anc-pt-1001.json"), keep);
  EXPECT_EQ(result.status.code(), absl::StatusCode::kPermissionDenied);
}

TEST(PipelineClockTest, EventsAreRecordedAtTheClocksTime) {
  FakeEventStore store;
  identity::EnrollmentRegistry registry;
  ManualClock clock(absl::FromUnixMillis(1'800'000'000'123));
  PipelineOptions options;
  options.clock = &clock;
  Pipeline pipeline(*mappers::Study::FromFiles(profiles::EmbeddedStudyFiles("krd-asct2")),
                    options, identity::Pseudonymizer(std::string(32, 'k')), &registry, &store);
  SubmissionResult result;
  pipeline.Submit("hospital-a", testing::TestData("research-subject-pt-1001.json"),
                  [&](SubmissionResult r) { result = std::move(r); });
  ASSERT_TRUE(result.status.ok());
  ASSERT_EQ(store.commits.size(), 1u);
  EXPECT_EQ(google::protobuf::util::TimeUtil::TimestampToMilliseconds(
                store.commits[0][0].events[0].recorded_at()),
            1'800'000'000'123);
}

}  // namespace
}  // namespace trialgate::pipeline
