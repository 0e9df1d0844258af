#include "gateway/study_report/study_report.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/iso_date.h"
#include "gateway/endpoints/compute_endpoints.h"
#include "gateway/endpoints/course_from_timeline.h"
#include "gateway/endpoints/report_proto.h"
#include "gateway/endpoints/subject_summary.h"

namespace trialgate::study_report {
namespace {

// More events stored since the kept parts than this, and the report starts afresh: finding
// their subjects would cost more than it saves.
constexpr size_t kMostNewEventsToFollow = 200000;

// The moment timelines are judged at: the end of the cutoff day (UTC), or now if sooner.
absl::Time JudgedAt(const ReportRequest& request) {
  const absl::Time end_of_cutoff =
      absl::FromCivil(request.data_cutoff + 1, absl::UTCTimeZone()) - absl::Seconds(1);
  return std::min(request.now, end_of_cutoff);
}

// The subject's part, or none when it has no event (which the append-only log cannot lose:
// only a subject listed and not yet readable).
absl::StatusOr<std::optional<SubjectPart>> Compute(const schedule::SubjectTimelines& timelines,
                                                   const std::string& subject_id,
                                                   const ReportRequest& request) {
  absl::StatusOr<store::EventBatch> events = timelines.ReadWithoutKeeping(subject_id);
  if (absl::IsNotFound(events.status()) || (events.ok() && events->empty())) return std::nullopt;
  if (!events.ok()) return events.status();
  std::optional<SubjectPart> result(std::in_place);
  SubjectPart& part = *result;
  part.calendar = timelines.CalendarOf(events->front());
  part.judged_on = part.calendar.DateOf(JudgedAt(request));
  // The first event's site is the subject's for good: the log only grows after it.
  if (request.site && events->front().site_id() != *request.site) return result;
  const std::unique_ptr<schedule::TimelineState> state = timelines.BuildState(
      subject_id, *std::move(events), JudgedAt(request), /*list_events=*/false);
  const v1::Timeline& timeline = *state->timeline;
  absl::StatusOr<endpoints::SubjectCourse> course = CourseOfState(*state, request.data_cutoff);
  if (absl::IsFailedPrecondition(course.status())) return result;  // no current event
  if (!course.ok()) {
    return absl::InternalError(
        absl::StrCat("subject ", subject_id, ": ", course.status().message()));
  }
  part.included = true;
  part.summary = endpoints::SummarizeSubject(timeline, *course, request.data_cutoff);
  part.deviations.Add(timeline, request.data_cutoff);
  part.course = *std::move(course);
  return result;
}

// Whether `kept` may stand for the subject in a report of `request`: it has no event stored
// since the parts were made, and its site's day of judgement is the same.
bool StillTrue(const SubjectPart& kept, const ReportRequest& request,
               const std::optional<std::set<std::string>>& changed, const std::string& subject) {
  return changed && !changed->contains(subject) &&
         kept.calendar.DateOf(JudgedAt(request)) == kept.judged_on;
}

// The subjects with events stored since `parts` were made, when `parts` are of this report's
// cutoff and scope and few enough events were; none otherwise (every subject is computed).
absl::StatusOr<std::optional<std::set<std::string>>> ChangedSince(
    const schedule::SubjectTimelines& timelines, const SubjectParts* parts,
    const ReportRequest& request) {
  if (parts == nullptr || request.last_sequence == 0 || parts->last_sequence == 0 ||
      parts->data_cutoff != request.data_cutoff || parts->site != request.site ||
      parts->last_sequence > request.last_sequence) {
    return std::nullopt;
  }
  return timelines.SubjectsWithEventsAfter(parts->last_sequence, kMostNewEventsToFollow);
}

}  // namespace

absl::StatusOr<endpoints::SubjectCourse> CourseOfState(const schedule::TimelineState& state,
                                                       absl::CivilDay data_cutoff) {
  std::vector<endpoints::DatedEvent> current;
  current.reserve(state.history.all.size());
  for (const schedule::Dated& dated : state.history.all) {
    current.push_back({dated.event, dated.date});
  }
  return endpoints::CourseFromTimeline(*state.timeline, current, data_cutoff);
}

absl::StatusOr<std::optional<absl::CivilDay>> ParseCutoff(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::optional<absl::CivilDay> day;
  if (text.size() == 10) day = ParseIsoDate(text);
  if (!day) {
    return absl::InvalidArgumentError(
        absl::StrCat("cutoff \"", text, "\" is not a date (YYYY-MM-DD)"));
  }
  return day;
}

absl::StatusOr<v1::EndpointsReport> BuildStudyReport(const schedule::SubjectTimelines& timelines,
                                                     const mappers::EndpointDefinitions& endpoints,
                                                     const std::string& study_id,
                                                     const ReportRequest& request,
                                                     SubjectParts* kept) {
  if (!endpoints.present) {
    return absl::FailedPreconditionError(
        "the study has no endpoints.json: there are no endpoints to compute");
  }
  absl::StatusOr<std::optional<std::set<std::string>>> changed =
      ChangedSince(timelines, kept, request);
  if (!changed.ok()) return changed.status();
  absl::StatusOr<std::vector<std::string>> subjects = timelines.Subjects();
  if (!subjects.ok()) return subjects.status();

  // Subjects are independent: computed on `threads` threads, each taking the next subject; a
  // kept part still true is taken as it is.
  std::vector<std::optional<SubjectPart>> parts(subjects->size());
  std::vector<const SubjectPart*> reused(subjects->size(), nullptr);
  if (*changed) {
    for (size_t i = 0; i < subjects->size(); ++i) {
      auto it = kept->by_subject.find((*subjects)[i]);
      if (it != kept->by_subject.end() && StillTrue(it->second, request, *changed, it->first)) {
        reused[i] = &it->second;
      }
    }
  }
  std::atomic<size_t> next{0};
  std::mutex error_mu;
  absl::Status error;
  auto work = [&] {
    for (size_t i = next++; i < parts.size(); i = next++) {
      if (reused[i] != nullptr) continue;
      absl::StatusOr<std::optional<SubjectPart>> part =
          Compute(timelines, (*subjects)[i], request);
      if (part.ok()) {
        parts[i] = *std::move(part);
        continue;
      }
      std::lock_guard<std::mutex> lock(error_mu);
      if (error.ok()) error = part.status();
      next = parts.size();  // stop: the report would be incomplete
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
  size_t computed = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    computed += parts[i].has_value();
    const SubjectPart* part = reused[i] != nullptr ? reused[i] : parts[i] ? &*parts[i] : nullptr;
    if (part == nullptr || !part->included) continue;
    courses.push_back(part->course);
    summaries.push_back(part->summary);
    deviations.Merge(part->deviations);
  }
  if (kept != nullptr) {
    if (!*changed) {
      kept->by_subject.clear();
      kept->data_cutoff = request.data_cutoff;
      kept->site = request.site;
    }
    for (size_t i = 0; i < parts.size(); ++i) {
      if (parts[i]) kept->by_subject.insert_or_assign((*subjects)[i], *std::move(parts[i]));
    }
    kept->last_sequence = request.last_sequence;
    kept->computed = computed;
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
