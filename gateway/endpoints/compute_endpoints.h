#ifndef TRIALGATE_GATEWAY_ENDPOINTS_COMPUTE_ENDPOINTS_H_
#define TRIALGATE_GATEWAY_ENDPOINTS_COMPUTE_ENDPOINTS_H_

// The study's endpoints (endpoints.json, mappers::EndpointDefinitions) computed from per-subject
// courses at a data cutoff: time-to-event endpoints with their KM fits, rates with exact
// intervals, the TEAE tables and the per-site counts. docs/endpoints.md. Pure, no I/O;
// thread-safe.

#include <span>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "gateway/endpoints/endpoint_report.h"
#include "gateway/endpoints/subject_course.h"
#include "mappers/endpoint_definitions.h"

namespace trialgate::endpoints {

// Subjects consented after `data_cutoff` are left out of everything (and counted); findings
// dated after it are ignored. INVALID_ARGUMENT when `definitions` is not present, a subject id
// is empty or repeated, or a subject's first dose is before consent (a course built wrongly,
// not a clinical finding).
absl::StatusOr<EndpointReport> ComputeEndpoints(const mappers::EndpointDefinitions& definitions,
                                                std::span<const SubjectCourse> courses,
                                                absl::CivilDay data_cutoff);

}  // namespace trialgate::endpoints

#endif  // TRIALGATE_GATEWAY_ENDPOINTS_COMPUTE_ENDPOINTS_H_
