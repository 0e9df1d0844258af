#ifndef TRIALGATE_GATEWAY_IDENTITY_SUBJECT_RESOLVER_H_
#define TRIALGATE_GATEWAY_IDENTITY_SUBJECT_RESOLVER_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/identity/enrollment_registry.h"
#include "gateway/identity/patient_keys.h"
#include "gateway/identity/pseudonymizer.h"
#include "gateway/store/event_store.h"
#include "mappers/mapper.h"
#include "mappers/study.h"

namespace trialgate::identity {

// The enrolments one submission has made so far, in entry order, so that a later entry of the
// same Bundle can be about a patient an earlier entry enrolled. Not thread-safe: one per
// submission.
class PendingEnrollments {
 public:
  // The subject id an earlier entry gave the patient with this key digest, if any.
  std::optional<std::string> Find(const std::string& patient_key_hmac) const;
  void Add(const std::vector<store::EnrollmentRecord>& records);
  const std::vector<store::EnrollmentRecord>& records() const { return records_; }
  void Clear();

 private:
  std::vector<store::EnrollmentRecord> records_;
  std::map<std::string, std::string> subject_by_patient_;  // patient key HMAC -> subject id
};

// Whom a mapped resource is about.
struct ResolvedSubject {
  std::string subject_id;
  // The enrolments a ResearchSubject makes (one per key of its patient); empty for other types.
  std::vector<store::EnrollmentRecord> enrollments;
};

// Finds the study subject a resource is about. The patient the resource names (a reference, a
// Bundle-local reference through the Bundle's fullUrls, an identifier) becomes its keys, each
// pseudonymised with the site's keyed HMAC: under the current key, and after a key rotation
// also under the previous one, so that patients enrolled before the rotation are still found. A
// ResearchSubject enrols its patient instead, once checked against every enrolment known (the
// registry's and the submission's own). Thread-safe; the pseudonymizer, registry and study must
// outlive it.
class SubjectResolver {
 public:
  SubjectResolver(const Pseudonymizer& pseudonymizer, EnrollmentRegistry* registry,
                  const mappers::Study& study);

  // The subject `patient` (of a resource mapped at `site_id`) is, or, with `enrollment`, the
  // subject it enrols. `bundle` resolves Bundle-local references (null outside a Bundle);
  // `pending` holds the enrolments of the submission's earlier entries. The message of a
  // non-OK status says what to send:
  //   NOT_FOUND           a Bundle-local reference to no entry, or a patient not enrolled here;
  //   INVALID_ARGUMENT    a reference to something other than a Patient, or no patient at all;
  //   FAILED_PRECONDITION an enrolment that contradicts one already known;
  //   UNAVAILABLE         the enrolments of other replicas could not be read (try again).
  absl::StatusOr<ResolvedSubject> Resolve(const std::string& site_id,
                                          const mappers::PatientRef& patient,
                                          const std::optional<mappers::Enrollment>& enrollment,
                                          const BundleIndex* bundle,
                                          const PendingEnrollments& pending) const;

  // Makes a submission's enrolments visible to every later submission. Called before the
  // submission is committed, so the next one on a stream can rely on them; commits complete in
  // order, so no event becomes durable before the enrolment it relies on.
  void Register(const std::vector<store::EnrollmentRecord>& records) const;

 private:
  // The patient's key digests under the current key and, after a rotation, the previous one.
  struct Digests {
    std::vector<std::string> current;
    std::vector<std::string> previous;
  };
  Digests DigestsOf(const std::string& site_id, const std::vector<std::string>& keys) const;
  absl::StatusOr<ResolvedSubject> Enrol(const std::string& site_id, const Digests& digests,
                                        const mappers::Enrollment& enrollment,
                                        const PendingEnrollments& pending) const;
  absl::StatusOr<ResolvedSubject> Find(const std::string& site_id, const Digests& digests,
                                       const std::string& patient_key,
                                       const PendingEnrollments& pending) const;

  const Pseudonymizer& pseudonymizer_;
  EnrollmentRegistry* registry_;
  const mappers::Study& study_;
};

}  // namespace trialgate::identity

#endif  // TRIALGATE_GATEWAY_IDENTITY_SUBJECT_RESOLVER_H_
