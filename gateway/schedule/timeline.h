#ifndef TRIALGATE_GATEWAY_SCHEDULE_TIMELINE_H_
#define TRIALGATE_GATEWAY_SCHEDULE_TIMELINE_H_

// The schedule engine: a subject's protocol timeline (phases, cycles, doses given versus
// expected, findings) as a pure function of the study's schedule, the subject's events and the
// time of the computation.
//
// Why on demand from all events rather than placed once at ingest: a dose's findings depend on
// data that may arrive later (the height and weight for its BSA, the toxicity that explains a
// reduction, the corrected version of a resource, the dose that starts the next cycle). Computing
// from the full set, latest version of each resource, in one deterministic order, makes the result
// the same whatever order the resources arrived in.

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gateway/schedule/calendar.h"
#include "gateway/schedule/clinical_rules.h"
#include "gateway/schedule/schedule.h"
#include "trialgate/v1/events.pb.h"
#include "trialgate/v1/study.pb.h"

namespace trialgate::schedule {

// Builds the timeline of `subject_id` from every stored event of the subject (all versions; the
// engine keeps the latest of each resource), judged at `now` (a scheduled dose whose day has
// passed without a dose is missed). With `clinical`, also the grades and responses derived from
// the labs and the findings they raise (clinical_timeline.h). Pure and thread-safe.
v1::Timeline BuildTimeline(const Schedule& schedule, const std::string& subject_id,
                           const std::vector<v1::Event>& events, absl::Time now,
                           const SiteCalendar& calendar, const ClinicalRules* clinical = nullptr);

}  // namespace trialgate::schedule

#endif  // TRIALGATE_GATEWAY_SCHEDULE_TIMELINE_H_
