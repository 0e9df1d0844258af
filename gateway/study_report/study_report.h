#ifndef TRIALGATE_GATEWAY_STUDY_REPORT_STUDY_REPORT_H_
#define TRIALGATE_GATEWAY_STUDY_REPORT_STUDY_REPORT_H_

// The study's endpoints from the event log (docs/endpoints.md "The study report"): every
// subject's timeline at the data cutoff, its course, the endpoints over all courses, and each
// subject's summary for the plots. What Study.GetEndpoints, `trialgate report` and the dashboard
// show. Reads the store; thread-safe.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gateway/endpoints/subject_course.h"
#include "gateway/endpoints/subject_summary.h"
#include "gateway/schedule/calendar.h"
#include "gateway/schedule/subject_timelines.h"
#include "gateway/schedule/timeline_state.h"
#include "mappers/endpoint_definitions.h"
#include "trialgate/v1/study.pb.h"

namespace trialgate::study_report {

struct ReportRequest {
  absl::CivilDay data_cutoff;
  absl::Time now;                  // when the report is made; timelines are judged at the
                                   // earlier of it and the end of the cutoff day
  std::optional<std::string> site; // only this site's subjects; none: every site
  int threads = 0;                 // subjects computed in parallel; 0: one per core
  // The log's last sequence, read before the report is asked for (EventStore::LastSequence):
  // what kept SubjectParts are valid as of. 0: none read (parts are not reused).
  uint64_t last_sequence = 0;
};

// What one subject contributes to a report; the timeline itself is not kept (a year of a
// subject's timeline is hundreds of kilobytes, and a study has thousands of subjects).
struct SubjectPart {
  bool included = false;           // of the report's scope, with a course
  schedule::SiteCalendar calendar; // the subject's site's
  absl::CivilDay judged_on;        // the site's day the timeline was judged on
  endpoints::SubjectCourse course;
  v1::SubjectSummary summary;
  endpoints::DeviationTally deviations;
};

// Every subject's part of the last report at one cutoff and scope, kept by the caller between
// reports (StudyReports): the next report at the same cutoff and scope computes again only the
// subjects with events stored since and those whose site has a new day; the others are taken as
// they are. A subject's part depends on nothing else: its events, the day its timeline is
// judged on, the cutoff and the study's rules.
struct SubjectParts {
  absl::CivilDay data_cutoff;
  std::optional<std::string> site;
  uint64_t last_sequence = 0;  // the parts hold every event up to it
  std::map<std::string, SubjectPart> by_subject;
  size_t computed = 0;         // of the last report, the subjects computed (not taken as kept)
};

// The report of every subject with events (of `request.site`). FAILED_PRECONDITION when the
// study has no endpoints.json; UNAVAILABLE when the store cannot be read. A subject whose
// course cannot be built (no current event) is left out and counted nowhere: it has no date.
// With `parts`, the kept parts of an earlier report are reused where still true and `parts`
// is left holding this report's (it is started afresh for another cutoff or scope, or when too
// many events were stored since).
absl::StatusOr<v1::EndpointsReport> BuildStudyReport(const schedule::SubjectTimelines& timelines,
                                                     const mappers::EndpointDefinitions& endpoints,
                                                     const std::string& study_id,
                                                     const ReportRequest& request,
                                                     SubjectParts* parts = nullptr);

// A subject's course from its timeline as the report builds it (SubjectTimelines::BuildState
// without the event list): the course reads the events from the history they are listed from.
// The errors of endpoints::CourseFromTimeline.
absl::StatusOr<endpoints::SubjectCourse> CourseOfState(const schedule::TimelineState& state,
                                                       absl::CivilDay data_cutoff);

// A cutoff as a caller writes it (Study.GetEndpoints, the dashboard's ?cutoff=): "YYYY-MM-DD" ->
// the day; empty -> none (today); INVALID_ARGUMENT naming the text otherwise.
absl::StatusOr<std::optional<absl::CivilDay>> ParseCutoff(const std::string& text);

}  // namespace trialgate::study_report

#endif  // TRIALGATE_GATEWAY_STUDY_REPORT_STUDY_REPORT_H_
