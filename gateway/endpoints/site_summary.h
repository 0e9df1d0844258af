#ifndef TRIALGATE_GATEWAY_ENDPOINTS_SITE_SUMMARY_H_
#define TRIALGATE_GATEWAY_ENDPOINTS_SITE_SUMMARY_H_

// Per-site enrolment and protocol deviation counts, for monitoring. Pure; thread-safe.

#include <span>
#include <vector>

#include "absl/time/civil_time.h"
#include "gateway/endpoints/endpoint_report.h"
#include "gateway/endpoints/subject_course.h"

namespace trialgate::endpoints {

// One row per site with a subject consented by the cutoff, by site id: subjects enrolled,
// deviations recorded and subjects with at least one.
std::vector<SiteCount> ComputeSiteSummary(std::span<const SubjectCourse> courses,
                                          absl::CivilDay data_cutoff);

}  // namespace trialgate::endpoints

#endif  // TRIALGATE_GATEWAY_ENDPOINTS_SITE_SUMMARY_H_
