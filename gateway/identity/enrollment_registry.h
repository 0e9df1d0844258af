#ifndef TRIALGATE_GATEWAY_IDENTITY_ENROLLMENT_REGISTRY_H_
#define TRIALGATE_GATEWAY_IDENTITY_ENROLLMENT_REGISTRY_H_

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gateway/store/event_store.h"

namespace trialgate::identity {

// Which study subject each pseudonymised patient of a site is. Held in memory, loaded from the
// store at start-up; an enrolment becomes visible as soon as its submission is handed to the
// store, so that later submissions on the same stream can refer to it. Following a store that
// other gateway replicas write too, it reads what they enrolled before it answers "not enrolled"
// and before it checks an enrolment. Thread-safe.
class EnrollmentRegistry {
 public:
  // Loads every enrolment of `store` and from then on reads the store's changes on a miss and
  // before each check. `store` must outlive the registry.
  absl::Status FollowStore(store::EventStore* store);

  // Adds or updates enrolments (e.g. those loaded from the store), without conflict checks.
  void Load(const std::vector<store::EnrollmentRecord>& records);

  // The subject id of a site's patient, if enrolled. UNAVAILABLE when the followed store could
  // not be read for a patient not known here: not "not enrolled", which the sender would take
  // for an answer.
  absl::StatusOr<std::optional<std::string>> Find(const std::string& site_id,
                                                  const std::string& patient_key_hmac) const;

  // The site a subject is enrolled at, if enrolled.
  std::optional<std::string> SiteOf(const std::string& subject_id) const;

  // Checks that `record` agrees with the enrolments known so far: a patient of a site has one
  // subject id, and a subject id belongs to one site (a site may know one patient under several
  // keys, e.g. a reference and an MRN). FAILED_PRECONDITION explains a conflict.
  absl::Status CheckConsistent(const store::EnrollmentRecord& record) const;

  // Makes `record` visible. REQUIRES: CheckConsistent(record) is OK.
  void Register(const store::EnrollmentRecord& record);

 private:
  using PatientKey = std::pair<std::string, std::string>;  // site id, patient HMAC
  absl::Status CheckConsistentLocked(const store::EnrollmentRecord& record) const;
  // Loads the followed store's enrolment changes since the last call; OK without a store.
  absl::Status CatchUp() const;
  std::optional<std::string> FindLocked(const PatientKey& patient) const;
  std::optional<std::string> SiteOfLocked(const std::string& subject_id) const;

  // The followed store and how far it was read; one catch-up at a time.
  mutable std::mutex catch_up_mu_;
  store::EventStore* store_ = nullptr;  // set once, before concurrent use
  mutable uint64_t mark_ = 0;           // guarded by catch_up_mu_

  mutable std::mutex mu_;
  // Guarded by mu_; mutable: a const look-up may load what other replicas enrolled.
  mutable std::map<PatientKey, std::string> subject_by_patient_;
  mutable std::map<std::string, std::string> site_by_subject_;
};

}  // namespace trialgate::identity

#endif  // TRIALGATE_GATEWAY_IDENTITY_ENROLLMENT_REGISTRY_H_
