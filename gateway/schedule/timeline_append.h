#ifndef TRIALGATE_GATEWAY_SCHEDULE_TIMELINE_APPEND_H_
#define TRIALGATE_GATEWAY_SCHEDULE_TIMELINE_APPEND_H_

// Adds new lab results to a computed timeline by recomputing only what they can change, so that
// a lab costs about the same whatever the length of the subject's history (docs/timeline.md
// "Recomputing after a new lab").
//
// What a lab dated on or after everything the timeline holds can change, and what is redone:
// its place among the events; the CTCAE grades of its day (a calcium is corrected with its
// day's albumin); the IMWG assessment of its day, when it is a response marker (assessments
// before its day stay as they were: each is judged as known then), and RESPONSE_DISCORDANT of
// the responses reported from its day on; AE_NOT_REPORTED of the grades from its day on;
// DOSE_GIVEN_DESPITE_HOLD of the doses from its day on; the follow-up visits it may attend.
// Everything else is computed from doses, reports and responses, which a lab does not change,
// except in the cases that return false below.

#include <vector>

#include "absl/time/time.h"
#include "gateway/schedule/calendar.h"
#include "gateway/schedule/clinical_rules.h"
#include "gateway/schedule/schedule.h"
#include "gateway/schedule/timeline_state.h"
#include "trialgate/v1/events.pb.h"

namespace trialgate::schedule {

// Adds `fresh` (the subject's events stored after those `state` was computed from) to `state`,
// judged at `now`, and returns true: state->timeline is then what BuildTimeline gives for all
// the events (computed_at aside, set to `now`), and state->changed_from the first day that may
// differ from before (none when nothing was added). Derived records among `fresh` change nothing.
//
// Returns false when the events need the whole computation; `state` may then be half-updated and
// must be dropped. That is: a state computed without its event list; another day than the state's;
// an event other than a lab result; a new version of a resource already seen; a lab dated before
// the latest event; a lab the schedule reads itself (height, weight, a harvest's success analyte);
// a lab that changes the grade-3+ toxicities of a day with a dose (they explain dose reductions); a
// response marker dated on cycle 1 day 1 (a baseline), or one that changes the confirmed derived
// responses the response gate reads (when no response is reported) other than by adding more once
// every gate is met.
bool AppendLabs(const Schedule& schedule, const ClinicalRules* clinical,
                const SiteCalendar& calendar, std::vector<v1::Event> fresh, absl::Time now,
                TimelineState* state);

}  // namespace trialgate::schedule

#endif  // TRIALGATE_GATEWAY_SCHEDULE_TIMELINE_APPEND_H_
