#ifndef TRIALGATE_GATEWAY_SCHEDULE_TIMELINE_STATE_H_
#define TRIALGATE_GATEWAY_SCHEDULE_TIMELINE_STATE_H_

// One computation of a subject's timeline with what it was computed from, kept so that lab
// results arriving later can be added by recomputing only what they can change
// (timeline_append.h) rather than the whole timeline.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "gateway/schedule/calendar.h"
#include "gateway/schedule/clinical_rules.h"
#include "gateway/schedule/clinical_timeline.h"
#include "gateway/schedule/phase_plan.h"
#include "gateway/schedule/schedule.h"
#include "gateway/schedule/subject_history.h"
#include "trialgate/v1/events.pb.h"
#include "trialgate/v1/study.pb.h"

namespace trialgate::schedule {

struct TimelineState {
  Date today;                                   // the day missed doses were judged at
  SubjectHistory history;                       // the views point into history.events
  std::optional<ClinicalDerivations> derived;   // with clinical rules; points into history
  PhasePlan plan;                               // points into history
  // SourceResourceKey of every event computed from, all versions and derived records included:
  // an event of a resource already seen may replace what it was computed from. Made by the
  // first AppendLabs (from history.stored): a computation never appended to (the study report's)
  // does not pay for it.
  std::optional<absl::flat_hash_set<std::string>> resources;
  // The result. Shared with readers: whoever changes it replaces it first while it is shared.
  std::shared_ptr<v1::Timeline> timeline;
  // Whether timeline.events lists the events (BuildTimelineState's `list_events`); a timeline
  // without the list is never appended to.
  bool events_listed = true;
  // Set by AppendLabs: the first day it changed (nothing before it did); none: nothing changed.
  std::optional<Date> changed_from;
};

// The timeline of BuildTimeline (timeline.h), and what it was computed from. Without
// `list_events`, timeline.events is left empty and all else is the same: a caller that reads the
// events from history.all (the study report, which builds and drops a timeline per subject)
// does not pay for a list of thousands of messages it would not read.
std::unique_ptr<TimelineState> BuildTimelineState(const Schedule& schedule,
                                                  const std::string& subject_id,
                                                  store::EventBatch events, absl::Time now,
                                                  const SiteCalendar& calendar,
                                                  const ClinicalRules* clinical,
                                                  bool list_events = true);

// The follow-up visits of a follow-up phase that started: each due date, and whether any event
// fell in its window. Shared by the full computation and the append path.
void FillFollowUp(const EngineContext& context, const Phase& phase, const PhaseSpan& span,
                  v1::TimelinePhase* out);

}  // namespace trialgate::schedule

#endif  // TRIALGATE_GATEWAY_SCHEDULE_TIMELINE_STATE_H_
