#include "gateway/study_report/study_report.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/endpoints/compute_endpoints.h"
#include "gateway/endpoints/course_from_timeline.h"
#include "gateway/endpoints/report_proto.h"
#include "gateway/endpoints/subject_summary.h"

namespace trialgate::study_report {
namespace {

// What one subject contributes; the timeline itself is not kept (a year of a subject's
// timeline is hundreds of kilobytes, and a study has thousands of subjects).
struct SubjectPart {
  bool included = false;
  endpoints::SubjectCourse course;
  v1::SubjectSummary summary;
  endpoints::DeviationTally deviations;
};

// The moment timelines are judged at: the end of the cutoff day (UTC), or now if sooner.
absl::Time JudgedAt(const ReportRequest& request) {
  const absl::Time end_of_cutoff =
      absl::FromCivil(request.data_cutoff + 1, absl::UTCTimeZone()) - absl::Seconds(1);
  return std::min(request.now, end_of_cutoff);
}

absl::Status Compute(const schedule::SubjectTimelines& timelines, const std::string& subject_id,
                     const ReportRequest& request, SubjectPart& part) {
  absl::StatusOr<std::vector<v1::Event>> events = timelines.ReadWithoutKeeping(subject_id);
  if (absl::IsNotFound(events.status())) return absl::OkStatus();  // gone since the listing
  if (!events.ok()) return events.status();
  if (request.site && (events->empty() || events->front().site_id() != *request.site)) {
    return absl::OkStatus();
  }
  const std::unique_ptr<schedule::TimelineState> state =
      timelines.BuildState(subject_id, *std::move(events), JudgedAt(request));
  const v1::Timeline& timeline = *state->timeline;
  absl::StatusOr<endpoints::SubjectCourse> course =
      endpoints::CourseFromTimeline(timeline, state->history.events, request.data_cutoff);
  if (absl::IsFailedPrecondition(course.status())) return absl::OkStatus();  // no current event
  if (!course.ok()) {
    return absl::InternalError(
        absl::StrCat("subject ", subject_id, ": ", course.status().message()));
  }
  part.included = true;
  part.summary = endpoints::SummarizeSubject(timeline, *course, request.data_cutoff);
  part.deviations.Add(timeline, request.data_cutoff);
  part.course = *std::move(course);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::optional<absl::CivilDay>> ParseCutoff(const std::string& text) {
  if (text.empty()) return std::nullopt;
  absl::CivilDay day;
  if (text.size() != 10 || !absl::ParseCivilTime(text, &day)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cutoff \"", text, "\" is not a date (YYYY-MM-DD)"));
  }
  return day;
}

absl::StatusOr<v1::EndpointsReport> BuildStudyReport(const schedule::SubjectTimelines& timelines,
                                                     const mappers::EndpointDefinitions& endpoints,
                                                     const std::string& study_id,
                                                     const ReportRequest& request) {
  if (!endpoints.present) {
    return absl::FailedPreconditionError(
        "the study has no endpoints.json: there are no endpoints to compute");
  }
  absl::StatusOr<std::vector<std::string>> subjects = timelines.Subjects();
  if (!subjects.ok()) return subjects.status();

  // Subjects are independent: computed on `threads` threads, each taking the next subject.
  std::vector<SubjectPart> parts(subjects->size());
  std::atomic<size_t> next{0};
  std::mutex error_mu;
  absl::Status error;
  auto work = [&] {
    for (size_t i = next++; i < parts.size(); i = next++) {
      absl::Status status = Compute(timelines, (*subjects)[i], request, parts[i]);
      if (!status.ok()) {
        std::lock_guard<std::mutex> lock(error_mu);
        if (error.ok()) error = status;
        next = parts.size();  // stop: the report would be incomplete
      }
    }
  };
  const int threads = std::clamp<int>(
      request.threads > 0 ? request.threads : static_cast<int>(std::thread::hardware_concurrency()),
      1, std::max<int>(1, static_cast<int>(parts.size())));
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& thread : pool) thread.join();
  if (!error.ok()) return error;

  std::vector<endpoints::SubjectCourse> courses;
  std::vector<v1::SubjectSummary> summaries;
  endpoints::DeviationTally deviations;
  for (SubjectPart& part : parts) {
    if (!part.included) continue;
    courses.push_back(std::move(part.course));
    summaries.push_back(std::move(part.summary));
    deviations.Merge(part.deviations);
  }
  absl::StatusOr<endpoints::EndpointReport> report =
      endpoints::ComputeEndpoints(endpoints, courses, request.data_cutoff);
  if (!report.ok()) return report.status();
  for (const endpoints::TimeToEventResult& result : report->time_to_event) {
    if (result.id == "pfs") endpoints::AddCensoring(result, summaries);
  }

  v1::EndpointsReport out = endpoints::ToProto(*report);
  out.set_study_id(study_id);
  out.set_computed_at(absl::FormatTime(absl::RFC3339_sec, request.now, absl::UTCTimeZone()));
  out.set_scope(request.site ? absl::StrCat("site ", *request.site) : "all sites");
  std::sort(summaries.begin(), summaries.end(),
            [](const v1::SubjectSummary& a, const v1::SubjectSummary& b) {
              return a.subject_id() < b.subject_id();
            });
  for (v1::SubjectSummary& summary : summaries) *out.add_subject_summaries() = std::move(summary);
  for (v1::DeviationCount& count : deviations.Counts()) *out.add_deviations() = std::move(count);
  return out;
}

}  // namespace trialgate::study_report
