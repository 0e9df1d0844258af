#ifndef TRIALGATE_GATEWAY_ENDPOINTS_TIME_TO_EVENT_H_
#define TRIALGATE_GATEWAY_ENDPOINTS_TIME_TO_EVENT_H_

// Time-to-event endpoints (PFS, OS, time to response, duration of response): each subject's
// time and status under the definition's events and ordered censoring rules, then the
// Kaplan–Meier fit of trialgate_statistics. Pure; thread-safe.

#include <optional>
#include <span>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "gateway/endpoints/endpoint_report.h"
#include "gateway/endpoints/subject_course.h"
#include "mappers/endpoint_definitions.h"

namespace trialgate::endpoints {

// One subject's time under `definition`, or nullopt with *not_evaluable set to why when the
// subject cannot enter the analysis (no origin, or an event dated before the origin).
// REQUIRES: the subject is in the definition's population.
//
// Events count when on or after the origin, on or before ObservationStop (cutoff or
// withdrawal), on or before new therapy when the new_anti_myeloma_therapy rule is listed (an
// event on the day therapy starts counts: PD is what usually starts it), and on or before the
// first competing event. Without an event the first censoring rule that applies names the
// reason and its censorAt the date. With the missedAssessments rule, an event more than
// count x intervalDays after the last adequate assessment before it is censored there instead
// (reason "event_after_missed_assessments").
std::optional<SubjectTime> DeriveSubjectTime(const mappers::TimeToEventDefinition& definition,
                                             const mappers::EndpointConventions& conventions,
                                             const SubjectCourse& course,
                                             absl::CivilDay data_cutoff,
                                             std::string* not_evaluable);

// The endpoint over `courses` (those consented by the cutoff): population, per-subject times,
// counts by event kind and censoring reason, the KM fit with the definition's CI transform, the
// median, landmark rates and numbers at risk (months converted with days_per_month).
absl::StatusOr<TimeToEventResult> ComputeTimeToEvent(
    const mappers::TimeToEventDefinition& definition,
    const mappers::EndpointConventions& conventions, std::span<const SubjectCourse> courses,
    absl::CivilDay data_cutoff);

}  // namespace trialgate::endpoints

#endif  // TRIALGATE_GATEWAY_ENDPOINTS_TIME_TO_EVENT_H_
