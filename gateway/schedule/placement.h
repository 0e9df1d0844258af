#ifndef TRIALGATE_GATEWAY_SCHEDULE_PLACEMENT_H_
#define TRIALGATE_GATEWAY_SCHEDULE_PLACEMENT_H_

// What the parts of the timeline engine share: the inputs of one computation, and how a dose
// that fills no scheduled slot is judged.

#include "gateway/schedule/calendar.h"
#include "gateway/schedule/findings.h"
#include "gateway/schedule/schedule.h"
#include "gateway/schedule/subject_history.h"
#include "trialgate/v1/study.pb.h"

namespace trialgate::schedule {

struct EngineContext {
  const Schedule& schedule;
  const SubjectHistory& history;
  Date today;
  FindingList* findings;
};

// The id phases use in positions before the first dose.
inline constexpr char kPreTreatment[] = "pre_treatment";

// A timeline entry for a given or withheld dose: agent, day, date, amounts as sent, event id.
v1::TimelineDose DoseEntry(const Dated& dose, int day);

// Judges a dose of an agent outside its scheduled slots, in phase `phase_index` (-1 before the
// first dose): nothing when that phase gives the agent (or a phase allowed to overlap it, or any
// phase); WRONG_PHASE when a later phase gives it; AGENT_NOT_IN_REGIMEN otherwise. Marks *out
// "given" or "unscheduled".
void JudgeDoseOutsideSlots(const EngineContext& context, int phase_index, const Dated& dose,
                           const v1::Position& position, v1::TimelineDose* out);

}  // namespace trialgate::schedule

#endif  // TRIALGATE_GATEWAY_SCHEDULE_PLACEMENT_H_
