#ifndef TRIALGATE_GATEWAY_STUDY_REPORT_STUDY_REPORTS_H_
#define TRIALGATE_GATEWAY_STUDY_REPORT_STUDY_REPORTS_H_

// The study report as the running gateway serves it (Study.GetEndpoints, the dashboard): made by
// BuildStudyReport, one computation at a time (it uses every core), and kept while it is still
// true — the log has not grown, the day has not changed and it is under a minute old — so that
// the dashboard's pages and a reload do not compute it again. Each subject's part of the last
// computation is kept too (SubjectParts, for one cutoff and scope): when the log has grown, the
// next report at that cutoff and scope computes only the subjects with new events (tens of
// megabytes for 10,000 subjects). Thread-safe.

#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "gateway/schedule/subject_timelines.h"
#include "gateway/study_report/study_report.h"
#include "gateway/store/event_store.h"
#include "mappers/study.h"
#include "trialgate/v1/study.pb.h"

namespace trialgate::study_report {

class StudyReports {
 public:
  // All three must outlive this object.
  StudyReports(const schedule::SubjectTimelines* timelines, const mappers::Study* study,
               const store::EventStore* store)
      : timelines_(timelines), study_(study), store_(store) {}

  // The report at `cutoff` (none: today, UTC) of `site`'s subjects (none: every site).
  // Errors as BuildStudyReport.
  absl::StatusOr<std::shared_ptr<const v1::EndpointsReport>> Get(
      std::optional<absl::CivilDay> cutoff, const std::optional<std::string>& site);

 private:
  struct Kept {
    absl::CivilDay cutoff;
    std::optional<std::string> site;
    absl::CivilDay made_on;
    absl::Time made_at;
    uint64_t last_sequence = 0;
    std::shared_ptr<const v1::EndpointsReport> report;
  };

  const schedule::SubjectTimelines* timelines_;
  const mappers::Study* study_;
  const store::EventStore* store_;
  std::mutex mu_;  // one computation at a time; guards kept_ and parts_
  std::deque<Kept> kept_;
  SubjectParts parts_;
};

}  // namespace trialgate::study_report

#endif  // TRIALGATE_GATEWAY_STUDY_REPORT_STUDY_REPORTS_H_
