#ifndef TRIALGATE_GATEWAY_SCHEDULE_PHASE_PLAN_H_
#define TRIALGATE_GATEWAY_SCHEDULE_PHASE_PLAN_H_

// Where each phase of the protocol starts and ends for one subject, from the events that start
// them: a cycles phase starts with its first regimen dose (each cycle's day 1 with the first dose
// on or after the previous cycle's last day); a transplant with its first conditioning dose (or
// the transplant), day 0 at the transplant; a harvest phase fills the time between the phase
// before it and the next; follow-up starts when treatment ends (completed or at progression);
// off study after follow-up or at an off-study enrolment status.

#include <optional>
#include <vector>

#include "gateway/schedule/calendar.h"
#include "gateway/schedule/schedule.h"
#include "gateway/schedule/subject_history.h"
#include "trialgate/v1/events.pb.h"

namespace trialgate::schedule {

struct CycleFrame {
  int number = 0;
  Date day1;
  std::optional<Date> due;  // the previous cycle's day 1 + cycle length
  Date last;                // day1 + length - 1, or the phase's last day if earlier
};

struct PhaseSpan {
  std::optional<Date> start;
  std::optional<Date> end;          // last day; nullopt while open
  std::optional<Date> planned_end;  // while open: when it would end on schedule
  bool discontinued = false;        // ended by progression or an off-study status
  std::vector<CycleFrame> cycles;   // kCycles
  bool more_cycles_due = false;     // kCycles: open, with cycles still to come
  const Dated* start_event = nullptr;  // kTransplant: the conditioning dose or transplant
  const Dated* day0 = nullptr;         // kTransplant
  const Dated* response = nullptr;     // kGate: the first response that met it
};

struct PhasePlan {
  std::vector<PhaseSpan> spans;  // parallel to Schedule::phases()
  // The phase `date` belongs to (an index into spans), or -1 before the first dose. Gates are
  // moments, never returned.
  int PhaseAt(const Schedule& schedule, Date date) const;
  // The position of `date`: its phase's id ("pre_treatment" before the first dose); in a cycles
  // phase the cycle and its day (cycle 0 between cycles), elsewhere the day of the phase.
  v1::Position PositionAt(const Schedule& schedule, Date date) const;
};

PhasePlan PlanPhases(const Schedule& schedule, const SubjectHistory& history);

}  // namespace trialgate::schedule

#endif  // TRIALGATE_GATEWAY_SCHEDULE_PHASE_PLAN_H_
