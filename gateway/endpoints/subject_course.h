#ifndef TRIALGATE_GATEWAY_ENDPOINTS_SUBJECT_COURSE_H_
#define TRIALGATE_GATEWAY_ENDPOINTS_SUBJECT_COURSE_H_

// One subject's course as the endpoints read it: the dates and findings every endpoint of
// endpoints.json is computed from. Built from the subject's timeline and current events by
// CourseFromTimeline (course_from_timeline.h); tests also build it by hand. Plain data.

#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"

namespace trialgate::endpoints {

enum class AssessmentOrigin { kReported, kDerived };

// An IMWG response assessment. A confirmed assessment is dated at the first of its two
// confirming assessments (reference part A.4; UNCONFIRMED verbatim), which the producer does.
struct ResponseAssessment {
  absl::CivilDay date;
  std::string category;  // sCR, CR, VGPR, PR, MR, SD, PD, or NE (not evaluable: not adequate)
  bool confirmed = false;
  AssessmentOrigin origin = AssessmentOrigin::kDerived;

  bool operator==(const ResponseAssessment&) const = default;
};

struct AdverseEventRecord {
  std::optional<absl::CivilDay> onset;  // missing: treated as emergent when the study says so
  std::string term;
  std::string meddra_code;  // the key of the by-term table; the term when empty
  int grade = 0;            // CTCAE 1..5; 0 when not graded
  bool serious = false;
  bool led_to_dose_change = false;

  bool operator==(const AdverseEventRecord&) const = default;
};

// Where `consent` came from. The study has no consent resource mapped yet, so a course built from
// the event log carries a stand-in (docs/endpoints.md "From the event log").
enum class ConsentSource {
  kRecorded,         // a consent recorded as such (FHIR Consent, scope research, active)
  kEnrolmentStart,   // stand-in: the first ResearchSubject's period.start (enrolled_on)
  kFirstEvent,       // stand-in: the date of the subject's first event
};

struct SubjectCourse {
  std::string subject_id;
  std::string site_id;
  absl::CivilDay consent;                       // the time origin
  ConsentSource consent_source = ConsentSource::kRecorded;
  std::optional<absl::CivilDay> first_dose;     // first study dose; none: not treated
  std::optional<absl::CivilDay> last_dose;      // last study dose; none while on treatment
  bool measurable_disease = true;               // for the response-evaluable population
  std::string measurable_disease_reason;        // why not measurable, when known
  std::vector<ResponseAssessment> assessments;  // any order
  std::optional<absl::CivilDay> progression;    // confirmed IMWG PD (first confirming assessment)
  std::optional<absl::CivilDay> death;
  std::optional<absl::CivilDay> last_known_alive;
  std::optional<absl::CivilDay> new_therapy;  // first non-protocol anti-myeloma therapy
  std::optional<absl::CivilDay> withdrawal;   // withdrawal / end of study
  std::optional<absl::CivilDay> asct_day0;    // 2nd ASCT stem cell infusion
  std::optional<absl::CivilDay> cycle6_end;   // last day of KRd cycle 6
  std::optional<absl::CivilDay> maintenance_start;
  bool mobilisation_attempted = false;
  std::optional<double> cd34_per_kg;  // cumulative CD34+ cells/kg over all aphereses
  std::vector<AdverseEventRecord> adverse_events;
  int deviations = 0;  // protocol deviations recorded for the subject

  bool operator==(const SubjectCourse&) const = default;
};

}  // namespace trialgate::endpoints

#endif  // TRIALGATE_GATEWAY_ENDPOINTS_SUBJECT_COURSE_H_
