#ifndef TRIALGATE_GATEWAY_SCHEDULE_CYCLES_H_
#define TRIALGATE_GATEWAY_SCHEDULE_CYCLES_H_

// Fills a cycles phase of the timeline: each cycle's scheduled slots (agent x day), the doses
// given against them, and the findings: DAY_NOT_SCHEDULED, the dose checks (dose_check.h),
// DOSE_MISSED for a slot not given by the end of its window or reported not given, and
// CYCLE_DELAYED for a cycle started, or still not started, after its window.

#include <vector>

#include "gateway/schedule/phase_plan.h"
#include "gateway/schedule/placement.h"
#include "trialgate/v1/study.pb.h"

namespace trialgate::schedule {

// `given` and `withheld`: the study-agent doses placed in this phase, in date order.
void FillCyclesPhase(const EngineContext& context, int index, const PhaseSpan& span,
                     const std::vector<const Dated*>& given,
                     const std::vector<const Dated*>& withheld, v1::TimelinePhase* out);

}  // namespace trialgate::schedule

#endif  // TRIALGATE_GATEWAY_SCHEDULE_CYCLES_H_
