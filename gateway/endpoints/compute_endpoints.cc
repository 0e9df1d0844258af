#include "gateway/endpoints/compute_endpoints.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/status_macros.h"
#include "gateway/endpoints/response_rates.h"
#include "gateway/endpoints/site_summary.h"
#include "gateway/endpoints/teae.h"
#include "gateway/endpoints/time_to_event.h"

namespace trialgate::endpoints {

absl::StatusOr<EndpointReport> ComputeEndpoints(const mappers::EndpointDefinitions& definitions,
                                                std::span<const SubjectCourse> courses,
                                                absl::CivilDay data_cutoff) {
  if (!definitions.present) {
    return absl::InvalidArgumentError("the study has no endpoint definitions (endpoints.json)");
  }
  EndpointReport report;
  report.data_cutoff = data_cutoff;
  report.subjects = static_cast<int>(courses.size());
  std::set<std::string> ids;
  std::vector<SubjectCourse> included;
  for (size_t i = 0; i < courses.size(); ++i) {
    const SubjectCourse& course = courses[i];
    if (course.subject_id.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("course ", i, " has no subject id"));
    }
    if (!ids.insert(course.subject_id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("subject ", course.subject_id, " has two courses"));
    }
    if (course.first_dose && *course.first_dose < course.consent) {
      return absl::InvalidArgumentError(
          absl::StrCat("subject ", course.subject_id, ": first dose before consent"));
    }
    if (course.consent > data_cutoff) {
      ++report.consented_after_cutoff;
      continue;
    }
    included.push_back(course);
  }
  for (const mappers::TimeToEventDefinition& definition : definitions.time_to_event) {
    ASSIGN_OR_RETURN(
        TimeToEventResult result,
        ComputeTimeToEvent(definition, definitions.conventions, included, data_cutoff));
    report.time_to_event.push_back(std::move(result));
  }
  for (const mappers::RateDefinition& definition : definitions.rates) {
    ASSIGN_OR_RETURN(std::vector<RateResult> rates,
                     ComputeRate(definition, definitions.conventions, included, data_cutoff));
    for (RateResult& rate : rates) report.rates.push_back(std::move(rate));
  }
  report.adverse_events =
      ComputeTeae(definitions.adverse_events, definitions.conventions, included, data_cutoff);
  report.sites = ComputeSiteSummary(included, data_cutoff);
  return report;
}

}  // namespace trialgate::endpoints
