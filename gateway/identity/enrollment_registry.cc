#include "gateway/identity/enrollment_registry.h"

#include "absl/strings/str_cat.h"

namespace trialgate::identity {

void EnrollmentRegistry::Load(const std::vector<store::EnrollmentRecord>& records) {
  for (const auto& record : records) Register(record);
}

std::optional<std::string> EnrollmentRegistry::Find(const std::string& site_id,
                                                    const std::string& patient_key_hmac) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = subject_by_patient_.find({site_id, patient_key_hmac});
  if (it == subject_by_patient_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> EnrollmentRegistry::SiteOf(const std::string& subject_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = site_by_subject_.find(subject_id);
  if (it == site_by_subject_.end()) return std::nullopt;
  return it->second;
}

absl::Status EnrollmentRegistry::CheckConsistent(const store::EnrollmentRecord& record) const {
  std::lock_guard<std::mutex> lock(mu_);
  return CheckConsistentLocked(record);
}

absl::Status EnrollmentRegistry::CheckConsistentLocked(
    const store::EnrollmentRecord& record) const {
  const PatientKey patient{record.site_id, record.patient_key_hmac};
  if (auto it = subject_by_patient_.find(patient);
      it != subject_by_patient_.end() && it->second != record.subject_id) {
    return absl::FailedPreconditionError(
        absl::StrCat("this patient is already enrolled at site ", record.site_id,
                     " as study subject ", it->second, ", not ", record.subject_id));
  }
  if (auto it = site_by_subject_.find(record.subject_id);
      it != site_by_subject_.end() && it->second != record.site_id) {
    // The other site is not named: the sender is told no more of another hospital's data
    // than that the subject id is taken.
    return absl::FailedPreconditionError(absl::StrCat(
        "study subject ", record.subject_id, " is already enrolled at another site"));
  }
  return absl::OkStatus();
}

void EnrollmentRegistry::Register(const store::EnrollmentRecord& record) {
  std::lock_guard<std::mutex> lock(mu_);
  const PatientKey patient{record.site_id, record.patient_key_hmac};
  subject_by_patient_[patient] = record.subject_id;
  site_by_subject_[record.subject_id] = record.site_id;
}

}  // namespace trialgate::identity
