// The pipeline with a fake store: what it hands to the store, and what it tells the sender
// when the store fails.
#include "gateway/pipeline/pipeline.h"

#include "absl/strings/str_cat.h"
#include "fhir-profiles/embedded.h"
#include "gateway/identity/source_identity.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "gateway/security/caller.h"
#include "tests/support/accepting_validator.h"
#include "tests/support/fake_event_store.h"
#include "tests/support/manual_clock.h"
#include "tests/support/gateway_harness.h"

namespace trialgate::pipeline {
namespace {

using ::testing::HasSubstr;
using ::trialgate::testing::AcceptingValidator;
using ::trialgate::testing::FakeEventStore;
using ::trialgate::testing::ManualClock;

// What a plaintext development listener's caller sends from `system`.
void Submit(const Pipeline& pipeline, const std::string& system, const std::string& body,
            Pipeline::Done done) {
  pipeline.Ingest(security::DevelopmentCaller("test"), {Channel::kGrpc, system, body},
                  std::move(done));
}

class PipelineTest : public ::testing::Test {
 protected:
  PipelineTest()
      : pipeline_(*mappers::Study::FromFiles(profiles::EmbeddedStudyFiles("krd-asct2")), {},
                  validator_, identity::Pseudonymizer(std::string(32, 'k')), &registry_,
                  &store_) {}

  SubmissionResult Submit(const std::string& body) {
    SubmissionResult out;
    pipeline::Submit(pipeline_, "hospital-a", body,
                     [&](SubmissionResult result) { out = std::move(result); });
    return out;
  }

  AcceptingValidator validator_;
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

// A Patient of an enrolled subject with a date of death: one SubjectDied of that subject, the
// day only; the write's keys hold pseudonyms, never the Patient's id (often the patient number).
TEST_F(PipelineTest, AnEnrolledPatientsDeathIsStoredAsTheDayAndNothingElse) {
  ASSERT_TRUE(Submit(testing::TestData("research-subject-pt-1001.json")).status.ok());
  const std::string patient =
      R"({"resourceType":"Patient","id":"pt-1001","identifier":[{"system":"urn:oid:1.2.3","value":"MRN-4711"}],)"
      R"("name":[{"family":"Beispiel"}],"birthDate":"1951-07-08","deceasedDateTime":"2026-05-14T07:10:00+02:00"})";
  SubmissionResult result = Submit(patient);
  ASSERT_TRUE(result.status.ok());
  ASSERT_EQ(result.entries.size(), 1u);
  EXPECT_EQ(result.entries[0].outcome, EntryResult::Outcome::kAccepted);
  ASSERT_EQ(result.entries[0].event_ids.size(), 1u);
  ASSERT_EQ(store_.commits.size(), 2u);
  const store::SourceWrite& write = store_.commits[1][0];
  ASSERT_EQ(write.events.size(), 1u);
  const v1::Event& event = write.events[0];
  EXPECT_EQ(event.subject_id(), "KRD-001-0001");
  EXPECT_EQ(event.subject_died().date(), "2026-05-14");
  EXPECT_EQ(event.occurred_at_fhir(), "2026-05-14");
  for (const std::string& bytes :
       {event.SerializeAsString(), write.source_key, write.resource_key}) {
    for (const char* personal : {"pt-1001", "MRN-4711", "Beispiel", "1951-07-08", "07:10"}) {
      EXPECT_THAT(bytes, ::testing::Not(HasSubstr(personal)));
    }
  }
  rapidjson::Document parsed;
  parsed.Parse(patient.c_str());
  EXPECT_THAT(write.source_key, ::testing::Not(HasSubstr(identity::ContentSha256(parsed))));

  // Sent again: the same event id (the store answers it as a duplicate).
  SubmissionResult again = Submit(patient);
  ASSERT_EQ(store_.commits.size(), 3u);
  EXPECT_EQ(store_.commits[2][0].source_key, write.source_key);
  EXPECT_EQ(again.entries[0].event_ids, result.entries[0].event_ids);
}

TEST_F(PipelineTest, APatientIsResolvedByAnyOfItsIdentifiers) {
  ASSERT_TRUE(Submit(R"({"resourceType":"ResearchSubject","identifier":[{"system":"urn:trialgate:krd-asct2:subject","value":"KRD-001-0002"}],)"
                     R"("status":"on-study","period":{"start":"2026-01-05"},"study":{"reference":"ResearchStudy/krd-asct2"},)"
                     R"("individual":{"identifier":{"system":"urn:oid:9.9","value":"NHS-2"}}})")
                  .status.ok());
  SubmissionResult result = Submit(
      R"({"resourceType":"Patient","id":"other-id","identifier":[{"system":"urn:oid:1.2.3","value":"MRN-2"},)"
      R"({"system":"urn:oid:9.9","value":"NHS-2"}],"deceasedDateTime":"2026-06-01"})");
  ASSERT_EQ(result.entries.size(), 1u);
  ASSERT_EQ(result.entries[0].event_ids.size(), 1u);
  ASSERT_EQ(store_.commits.size(), 2u);
  EXPECT_EQ(store_.commits[1][0].events[0].subject_id(), "KRD-001-0002");
}

TEST_F(PipelineTest, TheDeathOfAPatientNotEnrolledIsAnsweredAndNotStored) {
  SubmissionResult result =
      Submit(R"({"resourceType":"Patient","id":"pt-77","deceasedDateTime":"2026-05-14"})");
  ASSERT_TRUE(result.status.ok());
  ASSERT_EQ(result.entries.size(), 1u);
  EXPECT_EQ(result.entries[0].outcome, EntryResult::Outcome::kAccepted);
  EXPECT_TRUE(result.entries[0].event_ids.empty());
  EXPECT_THAT(result.entries[0].issues.back().diagnostics, HasSubstr("not stored"));
  EXPECT_TRUE(store_.commits.empty());
}

TEST_F(PipelineTest, AConsentOrEncounterOfAPatientNotEnrolledIsRejected) {
  SubmissionResult result = Submit(
      R"({"resourceType":"Encounter","status":"finished","class":{"code":"AMB"},)"
      R"("subject":{"reference":"Patient/pt-77"},"period":{"start":"2026-04-01"}})");
  ASSERT_EQ(result.entries.size(), 1u);
  EXPECT_EQ(result.entries[0].outcome, EntryResult::Outcome::kRejected);
  EXPECT_THAT(result.entries[0].issues.back().diagnostics, HasSubstr("not enrolled"));
  EXPECT_TRUE(store_.commits.empty());
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
  EXPECT_EQ(event.event_id(), identity::PseudonymousEventId(key, write.source_key, 0));
  // The idempotency key stays inside: it holds the hospital's id and does not depend on the key.
  EXPECT_THAT(write.source_key, HasSubstr("obs-anc-1001"));
  EXPECT_THAT(event.SerializeAsString(), ::testing::Not(HasSubstr("obs-anc-1001")));
  EXPECT_THAT(event.SerializeAsString(), ::testing::Not(HasSubstr("pt-1001")));
}

TEST_F(PipelineTest, ATransactionEnrolsAndSendsDataInOneCommit) {
  SubmissionResult result = Submit(testing::TestData("transaction-enrol-and-data.json"));
  ASSERT_TRUE(result.status.ok());
  ASSERT_EQ(store_.commits.size(), 1u);
  ASSERT_EQ(store_.commits[0].size(), result.entries.size());
  for (const store::SourceWrite& write : store_.commits[0]) {
    for (const v1::Event& event : write.events) EXPECT_EQ(event.subject_id(), "KRD-001-0002");
  }
  EXPECT_EQ(store_.commits[0][0].enrollments.size(), 2u);  // the reference and the MRN
  // Visible to the next submission before the commit's callback ran.
  EXPECT_TRUE(registry_.SiteOf("KRD-001-0002").has_value());
}

// `body` (a Bundle) with its first entry moved to the end and its type set to `type`.
std::string FirstEntryLast(const std::string& body, const char* type) {
  rapidjson::Document bundle;
  bundle.Parse(body.c_str());
  rapidjson::Value& entries = bundle["entry"];
  rapidjson::Value first(entries[0], bundle.GetAllocator());
  entries.Erase(entries.Begin());
  entries.PushBack(first, bundle.GetAllocator());
  bundle["type"].SetString(type, bundle.GetAllocator());
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> writer(out);
  bundle.Accept(writer);
  return out.GetString();
}

// A transaction is one unit whatever its entries' order: the ResearchSubject placed last still
// enrols the patient its earlier entries are about. The answer lists the entries as sent; the
// enrolment is written first.
TEST_F(PipelineTest, ATransactionsEnrolmentCountsForTheEntriesBeforeIt) {
  SubmissionResult result = Submit(
      FirstEntryLast(testing::TestData("transaction-enrol-and-data.json"), "transaction"));
  ASSERT_TRUE(result.status.ok());
  ASSERT_EQ(result.entries.size(), 4u);
  for (size_t i = 0; i < result.entries.size(); ++i) {
    const EntryResult& entry = result.entries[i];
    EXPECT_EQ(entry.entry, static_cast<int>(i));
    EXPECT_EQ(entry.outcome, EntryResult::Outcome::kAccepted) << i;
    EXPECT_FALSE(entry.event_ids.empty()) << i;
  }
  EXPECT_EQ(result.entries[3].resource_type, "ResearchSubject");
  EXPECT_EQ(result.entries[0].resource_type, "MedicationAdministration");
  ASSERT_EQ(store_.commits.size(), 1u);
  ASSERT_EQ(store_.commits[0].size(), 4u);
  EXPECT_EQ(store_.commits[0][0].enrollments.size(), 2u);  // the ResearchSubject's, first
  for (const store::SourceWrite& write : store_.commits[0]) {
    for (const v1::Event& event : write.events) EXPECT_EQ(event.subject_id(), "KRD-001-0002");
  }
  // Each entry's answer names the events of its own write.
  EXPECT_EQ(result.entries[3].event_ids.front(), store_.commits[0][0].events.front().event_id());
  EXPECT_EQ(result.entries[0].event_ids.front(), store_.commits[0][1].events.front().event_id());
}

// A batch's entries are independent (FHIR R4): taken in their order, the data before the
// ResearchSubject are about nobody enrolled yet.
TEST_F(PipelineTest, ABatchsEntriesAreTakenInTheirOrder) {
  SubmissionResult result =
      Submit(FirstEntryLast(testing::TestData("transaction-enrol-and-data.json"), "batch"));
  ASSERT_TRUE(result.status.ok());
  ASSERT_EQ(result.entries.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(result.entries[i].outcome, EntryResult::Outcome::kRejected) << i;
  }
  EXPECT_EQ(result.entries[3].outcome, EntryResult::Outcome::kAccepted);
}

TEST_F(PipelineTest, ATransactionThatFailsInItsLastEntryStoresNothingAndNamesTheEntry) {
  std::string body = testing::TestData("transaction-enrol-and-data.json");
  body.replace(body.rfind("Patient/pt-1002"), 15, "Patient/pt-9999");  // nobody enrolled
  SubmissionResult result = Submit(body);
  ASSERT_TRUE(result.status.ok());
  EXPECT_TRUE(store_.commits.empty());
  EXPECT_FALSE(registry_.SiteOf("KRD-001-0002").has_value());
  const int last = static_cast<int>(result.entries.size()) - 1;
  for (const EntryResult& entry : result.entries) {
    EXPECT_EQ(entry.outcome, EntryResult::Outcome::kRejected);
    EXPECT_TRUE(entry.event_ids.empty());
    if (entry.entry == last) continue;
    EXPECT_THAT(entry.issues.back().diagnostics,
                HasSubstr(absl::StrCat("entry ", last, " was rejected")));
  }
  EXPECT_EQ(result.entries[last].issues.back().code, "not-found");
  EXPECT_THAT(result.entries[last].issues.back().expression,
              ::testing::StartsWith(absl::StrCat("Bundle.entry[", last, "].resource")));
}

TEST_F(PipelineTest, ABatchStoresItsGoodEntriesAndRejectsTheOthersEachAtItsPlace) {
  ASSERT_TRUE(Submit(testing::TestData("research-subject-pt-1001.json")).status.ok());
  SubmissionResult result = Submit(testing::TestData("batch-mixed.json"));
  ASSERT_TRUE(result.status.ok());
  size_t accepted = 0;
  for (const EntryResult& entry : result.entries) {
    if (entry.outcome == EntryResult::Outcome::kAccepted) ++accepted;
    for (const Issue& issue : entry.issues) {
      EXPECT_THAT(issue.expression,
                  ::testing::StartsWith(absl::StrCat("Bundle.entry[", entry.entry, "]")));
    }
  }
  EXPECT_GT(accepted, 0u);
  EXPECT_LT(accepted, result.entries.size());
  ASSERT_EQ(store_.commits.size(), 2u);
  EXPECT_EQ(store_.commits[1].size(), accepted);
}

TEST_F(PipelineTest, AnEntryWithoutAResourceIsRejectedAtItsPlace) {
  SubmissionResult result = Submit(
      R"({"resourceType":"Bundle","type":"batch","entry":[{"fullUrl":"urn:uuid:x"}]})");
  ASSERT_TRUE(result.status.ok());
  ASSERT_EQ(result.entries.size(), 1u);
  EXPECT_EQ(result.entries[0].outcome, EntryResult::Outcome::kRejected);
  EXPECT_EQ(result.entries[0].issues[0].expression, "Bundle.entry[0].resource");
  EXPECT_EQ(result.entries[0].issues[0].code, "required");
}

TEST_F(PipelineTest, ABodyRefusedWholeReachesNeitherStoreNorRegistry) {
  SubmissionResult result = Submit(R"({"resourceType":"Bundle","type":"searchset"})");
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(result.issues.size(), 1u);
  EXPECT_EQ(result.issues[0].code, "not-supported");
  EXPECT_TRUE(result.entries.empty());
  EXPECT_TRUE(store_.commits.empty());
}

// Records which subjects it was told about.
class RecordingListener final : public store::SubjectChangeListener {
 public:
  void SubjectChanged(const std::string& subject_id) override { changed.push_back(subject_id); }
  std::vector<std::string> changed;
};

TEST(PipelineListenerTest, IsToldOncePerChangedSubjectAfterTheCommitAndNotForDuplicates) {
  AcceptingValidator validator;
  FakeEventStore store;
  identity::EnrollmentRegistry registry;
  RecordingListener listener;
  const Pipeline pipeline(*mappers::Study::FromFiles(profiles::EmbeddedStudyFiles("krd-asct2")),
                          {}, validator, identity::Pseudonymizer(std::string(32, 'k')), &registry,
                          &store, &listener);
  SubmissionResult result;
  auto keep = [&](SubmissionResult r) { result = std::move(r); };
  Submit(pipeline, "hospital-a", testing::TestData("transaction-enrol-and-data.json"), keep);
  ASSERT_TRUE(result.status.ok());
  EXPECT_THAT(listener.changed, ::testing::ElementsAre("KRD-001-0002"));
  store.duplicates = true;
  Submit(pipeline, "hospital-a", testing::TestData("transaction-enrol-and-data.json"), keep);
  EXPECT_EQ(result.entries[0].outcome, EntryResult::Outcome::kDuplicate);
  EXPECT_EQ(listener.changed.size(), 1u);
  store.duplicates = false;
  store.commit_status = absl::UnavailableError("disk full");
  Submit(pipeline, "hospital-a", testing::TestData("observation-anc-pt-1001.json"), keep);
  EXPECT_EQ(listener.changed.size(), 1u);
}

// After a key rotation: the patient enrolled under the old key is still found, and cannot be
// enrolled again as another subject.
TEST(PipelineRotationTest, PatientsEnrolledUnderThePreviousKeyAreStillFound) {
  const std::string old_key(32, 'o'), new_key(32, 'n');
  auto study = *mappers::Study::FromFiles(profiles::EmbeddedStudyFiles("krd-asct2"));
  AcceptingValidator validator;
  FakeEventStore store;
  identity::EnrollmentRegistry registry;
  SubmissionResult result;
  auto keep = [&](SubmissionResult r) { result = std::move(r); };
  {
    Pipeline before(study, {}, validator, identity::Pseudonymizer(old_key), &registry, &store);
    Submit(before, "hospital-a", testing::TestData("research-subject-pt-1001.json"), keep);
    ASSERT_EQ(result.entries[0].outcome, EntryResult::Outcome::kAccepted);
  }
  Pipeline without_previous(study, {}, validator, identity::Pseudonymizer(new_key), &registry,
                            &store);
  Submit(without_previous, "hospital-a", testing::TestData("observation-anc-pt-1001.json"), keep);
  EXPECT_EQ(result.entries[0].outcome, EntryResult::Outcome::kRejected);

  Pipeline after(study, {}, validator, identity::Pseudonymizer(new_key, old_key), &registry,
                 &store);
  Submit(after, "hospital-a", testing::TestData("observation-anc-pt-1001.json"), keep);
  ASSERT_EQ(result.entries[0].outcome, EntryResult::Outcome::kAccepted);
  EXPECT_EQ(store.commits.back()[0].events[0].subject_id(), "KRD-001-0001");
  std::string other_subject = testing::TestData("research-subject-pt-1001.json");
  other_subject.replace(other_subject.find("KRD-001-0001"), 12, "KRD-001-0999");
  Submit(after, "hospital-a", other_subject, keep);
  ASSERT_EQ(result.entries[0].outcome, EntryResult::Outcome::kRejected);
  EXPECT_THAT(result.entries[0].issues.back().diagnostics, HasSubstr("already enrolled"));
}

TEST(PipelineSitesTest, ConfiguredSitesGroupSystemsAndRefuseUnknownOnes) {
  AcceptingValidator validator;
  FakeEventStore store;
  identity::EnrollmentRegistry registry;
  PipelineOptions options;
  options.site_by_system = {{"epic", "site-01"}, {"lis", "site-01"}};
  Pipeline pipeline(*mappers::Study::FromFiles(profiles::EmbeddedStudyFiles("krd-asct2")),
                    options, validator, identity::Pseudonymizer(std::string(32, 'k')), &registry,
                    &store);
  SubmissionResult result;
  auto keep = [&](SubmissionResult r) { result = std::move(r); };
  Submit(pipeline, "epic", testing::TestData("research-subject-pt-1001.json"), keep);
  ASSERT_TRUE(result.status.ok());
  // The lab system of the same site sees the enrolment made through the EHR.
  Submit(pipeline, "lis", testing::TestData("observation-anc-pt-1001.json"), keep);
  ASSERT_TRUE(result.status.ok());
  EXPECT_EQ(result.entries[0].outcome, EntryResult::Outcome::kAccepted);
  EXPECT_EQ(store.commits.back()[0].events[0].site_id(), "site-01");
  Submit(pipeline, "unknown", testing::TestData("observation-anc-pt-1001.json"), keep);
  EXPECT_EQ(result.status.code(), absl::StatusCode::kPermissionDenied);
}

TEST(PipelineClockTest, EventsAreRecordedAtTheClocksTime) {
  AcceptingValidator validator;
  FakeEventStore store;
  identity::EnrollmentRegistry registry;
  ManualClock clock(absl::FromUnixMillis(1'800'000'000'123));
  PipelineOptions options;
  options.clock = &clock;
  const Pipeline pipeline(*mappers::Study::FromFiles(profiles::EmbeddedStudyFiles("krd-asct2")),
                          options, validator, identity::Pseudonymizer(std::string(32, 'k')),
                          &registry, &store);
  SubmissionResult result;
  Submit(pipeline, "hospital-a", testing::TestData("research-subject-pt-1001.json"),
         [&](SubmissionResult r) { result = std::move(r); });
  ASSERT_TRUE(result.status.ok());
  ASSERT_EQ(store.commits.size(), 1u);
  EXPECT_EQ(google::protobuf::util::TimeUtil::TimestampToMilliseconds(
                store.commits[0][0].events[0].recorded_at()),
            1'800'000'000'123);
}

}  // namespace
}  // namespace trialgate::pipeline
