#include "gateway/identity/subject_resolver.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/common/status_macros.h"

namespace trialgate::identity {

std::optional<std::string> PendingEnrollments::Find(const std::string& patient_key_hmac) const {
  auto it = subject_by_patient_.find(patient_key_hmac);
  if (it == subject_by_patient_.end()) return std::nullopt;
  return it->second;
}

void PendingEnrollments::Add(const std::vector<store::EnrollmentRecord>& records) {
  for (const store::EnrollmentRecord& record : records) {
    records_.push_back(record);
    subject_by_patient_[record.patient_key_hmac] = record.subject_id;
  }
}

void PendingEnrollments::Clear() {
  records_.clear();
  subject_by_patient_.clear();
}

SubjectResolver::SubjectResolver(const Pseudonymizer& pseudonymizer, EnrollmentRegistry* registry,
                                 const mappers::Study& study)
    : pseudonymizer_(pseudonymizer), registry_(registry), study_(study) {}

absl::StatusOr<ResolvedSubject> SubjectResolver::Resolve(
    const std::string& site_id, const mappers::PatientRef& patient,
    const std::optional<mappers::Enrollment>& enrollment, const BundleIndex* bundle,
    const PendingEnrollments& pending) const {
  ASSIGN_OR_RETURN(const std::vector<std::string> keys, PatientKeys(patient, bundle));
  const Digests digests = DigestsOf(site_id, keys);
  if (enrollment.has_value()) return Enrol(site_id, digests, *enrollment, pending);
  return Find(site_id, digests, keys.front(), pending);
}

void SubjectResolver::Register(const std::vector<store::EnrollmentRecord>& records) const {
  for (const store::EnrollmentRecord& record : records) registry_->Register(record);
}

SubjectResolver::Digests SubjectResolver::DigestsOf(const std::string& site_id,
                                                    const std::vector<std::string>& keys) const {
  Digests digests;
  for (const std::string& key : keys) {
    digests.current.push_back(pseudonymizer_.Pseudonymize(site_id, key));
    if (auto previous = pseudonymizer_.PseudonymizeWithPreviousKey(site_id, key)) {
      digests.previous.push_back(*std::move(previous));
    }
  }
  return digests;
}

absl::StatusOr<ResolvedSubject> SubjectResolver::Enrol(const std::string& site_id,
                                                       const Digests& digests,
                                                       const mappers::Enrollment& enrollment,
                                                       const PendingEnrollments& pending) const {
  ResolvedSubject resolved{enrollment.subject_id, {}};
  // Under the previous key only checked: a patient enrolled before a rotation is not enrolled
  // again as another subject. New enrolments are recorded under the current key.
  for (const std::string& previous : digests.previous) {
    RETURN_IF_ERROR(registry_->CheckConsistent(
        {site_id, previous, enrollment.subject_id, enrollment.status, enrollment.enrolled_on}));
  }
  for (const std::string& hmac : digests.current) {
    store::EnrollmentRecord record{site_id, hmac, enrollment.subject_id, enrollment.status,
                                   enrollment.enrolled_on};
    RETURN_IF_ERROR(registry_->CheckConsistent(record));
    if (std::optional<std::string> earlier = pending.Find(hmac);
        earlier.has_value() && *earlier != enrollment.subject_id) {
      return absl::FailedPreconditionError(
          absl::StrCat("this Bundle already enrols this patient as study subject ", *earlier));
    }
    resolved.enrollments.push_back(std::move(record));
  }
  return resolved;
}

absl::StatusOr<ResolvedSubject> SubjectResolver::Find(const std::string& site_id,
                                                      const Digests& digests,
                                                      const std::string& patient_key,
                                                      const PendingEnrollments& pending) const {
  for (const std::string& hmac : digests.current) {
    std::optional<std::string> found = pending.Find(hmac);
    if (!found) {
      ASSIGN_OR_RETURN(found, registry_->Find(site_id, hmac));
    }
    if (found) return ResolvedSubject{*std::move(found), {}};
  }
  for (const std::string& previous : digests.previous) {
    ASSIGN_OR_RETURN(std::optional<std::string> found, registry_->Find(site_id, previous));
    if (found) return ResolvedSubject{*std::move(found), {}};
  }
  return absl::NotFoundError(absl::StrCat(
      "the patient '", patient_key, "' is not enrolled in study ", study_.study_id(),
      " at site '", site_id, "': submit the patient's ResearchSubject (identifier system ",
      study_.subject_id_system(), ") first"));
}

}  // namespace trialgate::identity
