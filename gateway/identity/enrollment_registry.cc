#include "gateway/identity/enrollment_registry.h"

#include "absl/strings/str_cat.h"

namespace trialgate::identity {

void EnrollmentRegistry::Load(const std::vector<store::EnrollmentRecord>& records) {
  for (const auto& record : records) Register(record);
}

absl::Status EnrollmentRegistry::FollowStore(store::EventStore* store) {
  store_ = store;
  return CatchUp();
}

absl::Status EnrollmentRegistry::CatchUp() const {
  if (store_ == nullptr) return absl::OkStatus();
  std::lock_guard<std::mutex> catch_up(catch_up_mu_);
  absl::StatusOr<store::EnrollmentChanges> changes = store_->LoadEnrollmentChanges(mark_);
  if (!changes.ok()) return changes.status();
  std::lock_guard<std::mutex> lock(mu_);
  for (const store::EnrollmentRecord& record : changes->records) {
    subject_by_patient_[{record.site_id, record.patient_key_hmac}] = record.subject_id;
    site_by_subject_[record.subject_id] = record.site_id;
  }
  mark_ = changes->mark;
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> EnrollmentRegistry::Find(
    const std::string& site_id, const std::string& patient_key_hmac) const {
  const PatientKey patient{site_id, patient_key_hmac};
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (std::optional<std::string> found = FindLocked(patient)) return found;
  }
  // Not known here: another replica may have enrolled the patient.
  if (store_ == nullptr) return std::nullopt;
  if (absl::Status caught_up = CatchUp(); !caught_up.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot read the enrolments of the other replicas: ", caught_up.message()));
  }
  std::lock_guard<std::mutex> lock(mu_);
  return FindLocked(patient);
}

std::optional<std::string> EnrollmentRegistry::SiteOf(const std::string& subject_id) const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (std::optional<std::string> site = SiteOfLocked(subject_id)) return site;
  }
  if (store_ == nullptr || !CatchUp().ok()) return std::nullopt;
  std::lock_guard<std::mutex> lock(mu_);
  return SiteOfLocked(subject_id);
}

std::optional<std::string> EnrollmentRegistry::FindLocked(const PatientKey& patient) const {
  auto it = subject_by_patient_.find(patient);
  if (it == subject_by_patient_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> EnrollmentRegistry::SiteOfLocked(const std::string& subject_id) const {
  auto it = site_by_subject_.find(subject_id);
  if (it == site_by_subject_.end()) return std::nullopt;
  return it->second;
}

absl::Status EnrollmentRegistry::CheckConsistent(const store::EnrollmentRecord& record) const {
  // What other replicas enrolled counts too. Two replicas checking at the same moment can still
  // both pass here: the shared store checks again under its log lock (postgres_event_store.cc).
  if (absl::Status caught_up = CatchUp(); !caught_up.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot read the enrolments of the other replicas: ", caught_up.message()));
  }
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
