#ifndef TRIALGATE_GATEWAY_SCHEDULE_SUBJECT_TIMELINES_H_
#define TRIALGATE_GATEWAY_SCHEDULE_SUBJECT_TIMELINES_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/common/clock.h"
#include "gateway/schedule/calendar.h"
#include "gateway/schedule/clinical_rules.h"
#include "gateway/schedule/schedule.h"
#include "gateway/store/event_store.h"
#include "trialgate/v1/study.pb.h"

namespace trialgate::schedule {

// Computes a subject's timeline from the event store, on the calendar of the subject's site.
// Thread-safe: each call reads through a reader of its own.
class SubjectTimelines {
 public:
  // `store` and `clock` must outlive this object. `zones`: site id -> time zone (sites not listed
  // use each event's own offset). `clock`: the time missed doses are judged at.
  // `clinical`, when not null, adds what the timeline derives from labs (clinical_rules.h).
  SubjectTimelines(store::EventStore* store, std::shared_ptr<const Schedule> schedule,
                   std::map<std::string, absl::TimeZone> zones, const Clock& clock,
                   std::shared_ptr<const ClinicalRules> clinical = nullptr);

  // NOT_FOUND when the store holds no event of the subject; UNAVAILABLE when it cannot be read.
  absl::StatusOr<v1::Timeline> Compute(const std::string& subject_id) const;
  // The two halves of Compute: every stored event of the subject (none: NOT_FOUND), and the
  // timeline of those events at `now`.
  absl::StatusOr<std::vector<v1::Event>> Read(const std::string& subject_id) const;
  v1::Timeline Build(const std::string& subject_id, std::vector<v1::Event> events,
                     absl::Time now) const;
  // Every subject with events, for sweeps.
  absl::StatusOr<std::vector<std::string>> Subjects() const;

  const Schedule& schedule() const { return *schedule_; }
  absl::Time Now() const { return clock_.Now(); }

 private:
  store::EventStore* store_;
  std::shared_ptr<const Schedule> schedule_;
  std::shared_ptr<const ClinicalRules> clinical_;
  std::map<std::string, absl::TimeZone> zones_;
  const Clock& clock_;
};

}  // namespace trialgate::schedule

#endif  // TRIALGATE_GATEWAY_SCHEDULE_SUBJECT_TIMELINES_H_
