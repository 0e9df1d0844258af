#ifndef TRIALGATE_GATEWAY_ENDPOINTS_TEAE_H_
#define TRIALGATE_GATEWAY_ENDPOINTS_TEAE_H_

// Treatment-emergent adverse events by phase, after admiral's derive_var_trtemfl: in the safety
// set, an AE is treatment-emergent when its onset is on or after the first dose and on or before
// the last dose + the end window (no upper bound while on treatment), or when its onset is
// missing (conservative). Its phase is the last phase started on or before the onset.
// Pure; thread-safe.

#include <optional>
#include <span>
#include <string>

#include "absl/time/civil_time.h"
#include "gateway/endpoints/endpoint_report.h"
#include "gateway/endpoints/subject_course.h"
#include "mappers/endpoint_definitions.h"

namespace trialgate::endpoints {

// Why `ae` of a treated subject is not treatment-emergent, or nullopt when it is.
// REQUIRES: course.first_dose.
std::optional<std::string> NotTreatmentEmergent(const mappers::AdverseEventDefinition& definition,
                                                const SubjectCourse& course,
                                                const AdverseEventRecord& ae,
                                                absl::CivilDay data_cutoff);

// The id of the phase an onset falls in (the last phase whose start, anchor + offset, is on or
// before it). REQUIRES: course.first_dose and onset >= first dose.
std::string PhaseOf(const mappers::AdverseEventDefinition& definition, const SubjectCourse& course,
                    absl::CivilDay onset);

// The TEAE tables: "any", one per phase in order, then "onset_missing".
TeaeResult ComputeTeae(const mappers::AdverseEventDefinition& definition,
                       const mappers::EndpointConventions& conventions,
                       std::span<const SubjectCourse> courses, absl::CivilDay data_cutoff);

}  // namespace trialgate::endpoints

#endif  // TRIALGATE_GATEWAY_ENDPOINTS_TEAE_H_
