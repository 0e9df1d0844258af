#ifndef TRIALGATE_GATEWAY_ENDPOINTS_RESPONSE_RATES_H_
#define TRIALGATE_GATEWAY_ENDPOINTS_RESPONSE_RATES_H_

// Rate endpoints (ORR, CR after KRd cycle 6, CR after ASCT, harvest success): x/n in each of
// the definition's populations with the exact Clopper–Pearson 95% interval of
// trialgate_statistics. A subject of the population whose outcome cannot be assessed stays in
// the denominator as a non-success and is counted under why. Pure; thread-safe.

#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "gateway/endpoints/endpoint_report.h"
#include "gateway/endpoints/subject_course.h"
#include "mappers/endpoint_definitions.h"

namespace trialgate::endpoints {

// One RateResult per population of `definition`, the first marked primary.
absl::StatusOr<std::vector<RateResult>> ComputeRate(const mappers::RateDefinition& definition,
                                                    const mappers::EndpointConventions& conventions,
                                                    std::span<const SubjectCourse> courses,
                                                    absl::CivilDay data_cutoff);

}  // namespace trialgate::endpoints

#endif  // TRIALGATE_GATEWAY_ENDPOINTS_RESPONSE_RATES_H_
