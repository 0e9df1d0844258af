#ifndef TRIALGATE_GATEWAY_ENDPOINTS_COURSE_FROM_TIMELINE_H_
#define TRIALGATE_GATEWAY_ENDPOINTS_COURSE_FROM_TIMELINE_H_

// The step between the event log and the endpoint engine (issue 16): one subject's
// SubjectCourse from what the gateway knows of the subject — its protocol timeline (phases,
// doses, responses reported and derived, findings, new therapy) and its current events (the
// ResearchSubject and AdverseEvent details the timeline does not carry). Each field's source and
// each stand-in is in docs/endpoints.md "From the event log". Pure; thread-safe.

#include <span>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "gateway/endpoints/subject_course.h"
#include "trialgate/v1/events.pb.h"
#include "trialgate/v1/study.pb.h"

namespace trialgate::endpoints {

// One of the subject's current events and its date in the site's calendar, as the timeline
// lists it.
struct DatedEvent {
  const v1::Event* event;  // null when the caller's events lack it
  absl::CivilDay date;
};

// Builds the course of the subject of `timeline` (schedule::BuildTimeline with the clinical
// rules, so that responses are derived) from the timeline and `events`, the subject's events as
// stored (any versions: only those the timeline lists as current are read). `data_cutoff`
// bounds last_known_alive; everything else is the timeline's and ComputeEndpoints ignores what
// is dated after the cutoff. Compute the timeline at the cutoff (its `now`) so that "still on
// treatment" and "cycle 6 over" are judged then.
// FAILED_PRECONDITION when the timeline lists no event (no date to stand in for consent);
// INVALID_ARGUMENT when a date on it is not YYYY-MM-DD (not a timeline the engine made).
absl::StatusOr<SubjectCourse> CourseFromTimeline(const v1::Timeline& timeline,
                                                 std::span<const v1::Event> events,
                                                 absl::CivilDay data_cutoff);
// The same from the events the timeline was computed from, given directly (TimelineState's
// history.all, of which the timeline's event list is made; none null): for a timeline built
// without that list (BuildTimelineState's list_events), as the study report builds them.
absl::StatusOr<SubjectCourse> CourseFromTimeline(const v1::Timeline& timeline,
                                                 std::span<const DatedEvent> current,
                                                 absl::CivilDay data_cutoff);

}  // namespace trialgate::endpoints

#endif  // TRIALGATE_GATEWAY_ENDPOINTS_COURSE_FROM_TIMELINE_H_
