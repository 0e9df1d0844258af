#include "gateway/study_report/study_reports.h"

#include <utility>

#include "gateway/study_report/study_report.h"

namespace trialgate::study_report {
namespace {

constexpr size_t kKeptReports = 4;  // a few sites or cutoffs looked at in turn
constexpr absl::Duration kMaxAge = absl::Minutes(1);

}  // namespace

absl::StatusOr<std::shared_ptr<const v1::EndpointsReport>> StudyReports::Get(
    std::optional<absl::CivilDay> cutoff, const std::optional<std::string>& site) {
  const absl::Time now = timelines_->Now();
  const absl::CivilDay today = absl::ToCivilDay(now, absl::UTCTimeZone());
  const absl::CivilDay day = cutoff.value_or(today);
  std::lock_guard<std::mutex> lock(mu_);
  // Read before computing: an event committed during the computation makes the report stale.
  const uint64_t last_sequence = store_->LastSequence();
  for (const Kept& kept : kept_) {
    if (kept.cutoff == day && kept.site == site && kept.made_on == today &&
        kept.last_sequence == last_sequence && now - kept.made_at < kMaxAge) {
      return kept.report;
    }
  }
  ReportRequest request;
  request.data_cutoff = day;
  request.now = now;
  request.site = site;
  request.last_sequence = last_sequence;
  absl::StatusOr<v1::EndpointsReport> report =
      BuildStudyReport(*timelines_, study_->endpoints(), study_->study_id(), request, &parts_);
  if (!report.ok()) return report.status();
  auto shared = std::make_shared<const v1::EndpointsReport>(*std::move(report));
  kept_.push_front(Kept{day, site, today, now, last_sequence, shared});
  if (kept_.size() > kKeptReports) kept_.pop_back();
  return shared;
}

}  // namespace trialgate::study_report
