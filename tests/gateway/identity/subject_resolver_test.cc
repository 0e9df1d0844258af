// Subject resolution on its own: patient keys through the keyed HMAC, enrolment in the same
// submission, key rotation, and the answers for what cannot be resolved.
#include "gateway/identity/subject_resolver.h"

#include "fhir-profiles/embedded.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace trialgate::identity {
namespace {

using ::testing::HasSubstr;

mappers::PatientRef Reference(std::string reference) {
  mappers::PatientRef patient;
  patient.reference = std::move(reference);
  return patient;
}

mappers::Enrollment Enrols(std::string subject_id) {
  return mappers::Enrollment{std::move(subject_id), "on-study", "2026-02-02", {}};
}

class SubjectResolverTest : public ::testing::Test {
 protected:
  absl::StatusOr<ResolvedSubject> Resolve(const Pseudonymizer& key, const mappers::PatientRef& who,
                                          std::optional<mappers::Enrollment> enrollment = {},
                                          const BundleIndex* bundle = nullptr) {
    return SubjectResolver(key, &registry_, *study_).Resolve("site-a", who, enrollment, bundle,
                                                             pending_);
  }

  std::shared_ptr<const mappers::Study> study_ =
      *mappers::Study::FromFiles(profiles::EmbeddedStudyFiles("krd-asct2"));
  Pseudonymizer key_{std::string(32, 'k')};
  EnrollmentRegistry registry_;
  PendingEnrollments pending_;
};

TEST_F(SubjectResolverTest, AResearchSubjectEnrolsUnderEveryKeyOfItsPatientPseudonymised) {
  mappers::PatientRef who = Reference("Patient/pt-1");
  who.identifier_system = "urn:oid:1.2.3";
  who.identifier_value = "MRN-1";
  absl::StatusOr<ResolvedSubject> resolved = Resolve(key_, who, Enrols("KRD-001-0001"));
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(resolved->subject_id, "KRD-001-0001");
  ASSERT_EQ(resolved->enrollments.size(), 2u);
  EXPECT_EQ(resolved->enrollments[0].patient_key_hmac, key_.Pseudonymize("site-a", "Patient/pt-1"));
  EXPECT_EQ(resolved->enrollments[1].patient_key_hmac,
            key_.Pseudonymize("site-a", "identifier:urn:oid:1.2.3|MRN-1"));
  EXPECT_EQ(resolved->enrollments[0].site_id, "site-a");
}

TEST_F(SubjectResolverTest, ALaterEntryFindsAnEnrolmentOfTheSameSubmission) {
  pending_.Add(Resolve(key_, Reference("Patient/pt-1"), Enrols("KRD-001-0001"))->enrollments);
  absl::StatusOr<ResolvedSubject> data = Resolve(key_, Reference("Patient/pt-1"));
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->subject_id, "KRD-001-0001");
  EXPECT_TRUE(data->enrollments.empty());
  EXPECT_FALSE(registry_.Find("site-a", key_.Pseudonymize("site-a", "Patient/pt-1")).value());
}

TEST_F(SubjectResolverTest, ASubmissionCannotEnrolOnePatientAsTwoSubjects) {
  pending_.Add(Resolve(key_, Reference("Patient/pt-1"), Enrols("KRD-001-0001"))->enrollments);
  absl::StatusOr<ResolvedSubject> again =
      Resolve(key_, Reference("Patient/pt-1"), Enrols("KRD-001-0002"));
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(again.status().message(), HasSubstr("already enrols this patient as study subject "
                                                  "KRD-001-0001"));
}

TEST_F(SubjectResolverTest, RegisteredEnrolmentsAreFoundByLaterSubmissions) {
  SubjectResolver resolver(key_, &registry_, *study_);
  resolver.Register(Resolve(key_, Reference("Patient/pt-1"), Enrols("KRD-001-0001"))->enrollments);
  EXPECT_EQ(Resolve(key_, Reference("https://ehr/fhir/Patient/pt-1/_history/3"))->subject_id,
            "KRD-001-0001");
  EXPECT_EQ(Resolve(key_, Reference("Patient/pt-1"), Enrols("KRD-001-0009")).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(SubjectResolverTest, AnUnenrolledPatientIsNotFoundWithWhatToSend) {
  absl::StatusOr<ResolvedSubject> resolved = Resolve(key_, Reference("Patient/pt-9"));
  EXPECT_EQ(resolved.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(resolved.status().message(),
              HasSubstr("'Patient/pt-9' is not enrolled in study KRD-ASCT2 at site 'site-a'"));
  EXPECT_THAT(resolved.status().message(), HasSubstr("urn:trialgate:krd-asct2:subject"));
}

TEST_F(SubjectResolverTest, ReferencesThatNameNoPatientAreInvalidOrNotFound) {
  EXPECT_EQ(Resolve(key_, Reference("Practitioner/x")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Resolve(key_, mappers::PatientRef{}).status().code(),
            absl::StatusCode::kInvalidArgument);
  const BundleIndex empty;
  EXPECT_EQ(Resolve(key_, Reference("urn:uuid:nowhere"), {}, &empty).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(SubjectResolverTest, AfterAKeyRotationPatientsEnrolledBeforeAreFoundAndNotEnrolledTwice) {
  const Pseudonymizer old_key(std::string(32, 'o'));
  SubjectResolver(old_key, &registry_, *study_)
      .Register(Resolve(old_key, Reference("Patient/pt-1"), Enrols("KRD-001-0001"))->enrollments);
  const Pseudonymizer without_previous(std::string(32, 'n'));
  EXPECT_EQ(Resolve(without_previous, Reference("Patient/pt-1")).status().code(),
            absl::StatusCode::kNotFound);
  const Pseudonymizer rotated(std::string(32, 'n'), std::string(32, 'o'));
  EXPECT_EQ(Resolve(rotated, Reference("Patient/pt-1"))->subject_id, "KRD-001-0001");
  EXPECT_EQ(Resolve(rotated, Reference("Patient/pt-1"), Enrols("KRD-001-0099")).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // Re-sending the same enrolment is consistent, and is recorded under the current key.
  absl::StatusOr<ResolvedSubject> same =
      Resolve(rotated, Reference("Patient/pt-1"), Enrols("KRD-001-0001"));
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_EQ(same->enrollments[0].patient_key_hmac, rotated.Pseudonymize("site-a", "Patient/pt-1"));
}

}  // namespace
}  // namespace trialgate::identity
