#ifndef TRIALGATE_GATEWAY_STUDY_REPORT_STUDY_REPORT_H_
#define TRIALGATE_GATEWAY_STUDY_REPORT_STUDY_REPORT_H_

// The study's endpoints from the event log (docs/endpoints.md "The study report"): every
// subject's timeline at the data cutoff, its course, the endpoints over all courses, and each
// subject's summary for the plots. What Study.GetEndpoints, `trialgate report` and the dashboard
// show. Reads the store; thread-safe.

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gateway/schedule/subject_timelines.h"
#include "mappers/endpoint_definitions.h"
#include "trialgate/v1/study.pb.h"

namespace trialgate::study_report {

struct ReportRequest {
  absl::CivilDay data_cutoff;
  absl::Time now;                  // when the report is made; timelines are judged at the
                                   // earlier of it and the end of the cutoff day
  std::optional<std::string> site; // only this site's subjects; none: every site
  int threads = 0;                 // subjects computed in parallel; 0: one per core
};

// The report of every subject with events (of `request.site`). FAILED_PRECONDITION when the
// study has no endpoints.json; UNAVAILABLE when the store cannot be read. A subject whose
// course cannot be built (no current event) is left out and counted nowhere: it has no date.
absl::StatusOr<v1::EndpointsReport> BuildStudyReport(const schedule::SubjectTimelines& timelines,
                                                     const mappers::EndpointDefinitions& endpoints,
                                                     const std::string& study_id,
                                                     const ReportRequest& request);

// A cutoff as a caller writes it (Study.GetEndpoints, the dashboard's ?cutoff=): "YYYY-MM-DD" ->
// the day; empty -> none (today); INVALID_ARGUMENT naming the text otherwise.
absl::StatusOr<std::optional<absl::CivilDay>> ParseCutoff(const std::string& text);

}  // namespace trialgate::study_report

#endif  // TRIALGATE_GATEWAY_STUDY_REPORT_STUDY_REPORT_H_
