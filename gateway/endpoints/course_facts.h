#ifndef TRIALGATE_GATEWAY_ENDPOINTS_COURSE_FACTS_H_
#define TRIALGATE_GATEWAY_ENDPOINTS_COURSE_FACTS_H_

// Facts about one subject's course that several endpoints share: durations, which assessments
// count, the first confirmed response, population membership. Pure; thread-safe.

#include <optional>
#include <string>

#include "absl/time/civil_time.h"
#include "gateway/endpoints/subject_course.h"
#include "mappers/endpoint_definitions.h"

namespace trialgate::endpoints {

// The calendar date of a FHIR date or dateTime as sent ("2024-03-01", "2024-03-01T09:00:00+01:00"),
// or of a timeline date: the date as written, in the sender's zone. None for a partial date
// ("2024-03") or an empty one.
std::optional<absl::CivilDay> CalendarDay(const std::string& text);

// end - start (+ 1 under add_one_day), in days.
double DurationDays(absl::CivilDay start, absl::CivilDay end,
                    const mappers::EndpointConventions& conventions);

// The assessment's origin is one the study reads (conventions.assessmentOrigins).
bool Counts(const ResponseAssessment& assessment, const mappers::EndpointConventions& conventions);

// An assessment that gave a category: anything but NE or empty. The "adequate assessment" of
// the censoring rules.
bool IsAdequate(const ResponseAssessment& assessment);

// At least partial response: sCR, CR, VGPR, PR.
bool IsResponder(const std::string& category);

// The last day the subject is observed for efficacy: the data cutoff or an earlier withdrawal.
absl::CivilDay ObservationStop(const SubjectCourse& course, absl::CivilDay data_cutoff);

// The date of the first confirmed >= PR that counts: on or before ObservationStop, before a
// confirmed PD and before new anti-myeloma therapy ([ONC-IMWG]: assessments after new therapy
// cannot confirm). None for a non-responder.
std::optional<absl::CivilDay> FirstConfirmedResponse(
    const SubjectCourse& course, const mappers::EndpointConventions& conventions,
    absl::CivilDay data_cutoff);

// True when an adequate counted assessment lies in (consent, data_cutoff].
bool HasPostBaselineAssessment(const SubjectCourse& course,
                               const mappers::EndpointConventions& conventions,
                               absl::CivilDay data_cutoff);

// Whether the subject belongs to `population` at the data cutoff. REQUIRES: consent <= cutoff.
bool InPopulation(mappers::Population population, const SubjectCourse& course,
                  const mappers::EndpointConventions& conventions, absl::CivilDay data_cutoff);

}  // namespace trialgate::endpoints

#endif  // TRIALGATE_GATEWAY_ENDPOINTS_COURSE_FACTS_H_
