#include "gateway/schedule/subject_timelines.h"

#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/status_macros.h"
#include "gateway/schedule/timeline.h"

namespace trialgate::schedule {

SubjectTimelines::SubjectTimelines(store::EventStore* store,
                                   std::shared_ptr<const Schedule> schedule,
                                   std::map<std::string, absl::TimeZone> zones,
                                   const Clock& clock,
                                   std::shared_ptr<const ClinicalRules> clinical)
    : store_(store),
      schedule_(std::move(schedule)),
      clinical_(std::move(clinical)),
      zones_(std::move(zones)),
      clock_(clock) {}

absl::StatusOr<v1::Timeline> SubjectTimelines::Compute(const std::string& subject_id) const {
  // Read the time first: a commit racing with the read is then judged on the next computation.
  const absl::Time now = clock_.Now();
  ASSIGN_OR_RETURN(std::vector<v1::Event> events, Read(subject_id));
  return Build(subject_id, std::move(events), now);
}

absl::StatusOr<std::vector<v1::Event>> SubjectTimelines::Read(const std::string& subject_id) const {
  ASSIGN_OR_RETURN(std::unique_ptr<store::EventReader> reader, store_->OpenReader());
  ASSIGN_OR_RETURN(std::vector<v1::Event> events, reader->ReadSubject(subject_id));
  if (events.empty()) {
    return absl::NotFoundError(absl::StrCat("no events of subject '", subject_id, "'"));
  }
  return events;
}

v1::Timeline SubjectTimelines::Build(const std::string& subject_id, std::vector<v1::Event> events,
                                     absl::Time now) const {
  std::optional<absl::TimeZone> zone;
  if (!events.empty()) {
    if (auto it = zones_.find(events.front().site_id()); it != zones_.end()) zone = it->second;
  }
  return BuildTimeline(*schedule_, subject_id, std::move(events), now, SiteCalendar(zone),
                       clinical_.get());
}

absl::StatusOr<std::vector<std::string>> SubjectTimelines::Subjects() const {
  ASSIGN_OR_RETURN(std::unique_ptr<store::EventReader> reader, store_->OpenReader());
  return reader->ListSubjects();
}

}  // namespace trialgate::schedule
