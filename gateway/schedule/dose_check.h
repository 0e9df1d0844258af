#ifndef TRIALGATE_GATEWAY_SCHEDULE_DOSE_CHECK_H_
#define TRIALGATE_GATEWAY_SCHEDULE_DOSE_CHECK_H_

// Compares one given dose of a regimen agent with the protocol: the expected dose at the
// subject's current dose level (mg, or mg/m2 times the capped BSA), within the tolerance; a
// dose matching a lower level is a reduction (and becomes the current level), one matching a
// higher level up to the phase's starting dose a re-escalation.

#include <string>
#include <vector>

#include "gateway/schedule/schedule.h"
#include "gateway/schedule/subject_history.h"
#include "trialgate/v1/study.pb.h"

namespace trialgate::schedule {

// The subject's dose level of one agent within one phase: indexes into AgentRules::dose_levels.
struct DoseLevel {
  int start = 0;    // the regimen's dose
  int current = 0;
};

// The level of the regimen item's dose in the agent's levels.
DoseLevel StartingLevel(const AgentRules& rules, const RegimenItem& item);

// "cycle 2 day 8 (2026-03-09)", for sentences.
std::string CycleDayText(int cycle, int day, Date date);

struct DoseToCheck {
  const Phase* phase = nullptr;
  const RegimenItem* item = nullptr;
  const DoseOverride* override_entry = nullptr;  // for this cycle and day, if any
  const Dated* dose = nullptr;
  int cycle = 0;  // where the dose is, for sentences: "cycle 2 day 8 (2026-03-09)"
  int day = 0;
};

// Fills the expected and given amounts of *out and returns the findings (none when the dose is
// as expected). Updates *level on a reduction or re-escalation.
std::vector<v1::Finding> CheckDose(const Schedule& schedule, const SubjectHistory& history,
                                   const DoseToCheck& check, DoseLevel* level,
                                   v1::TimelineDose* out);

}  // namespace trialgate::schedule

#endif  // TRIALGATE_GATEWAY_SCHEDULE_DOSE_CHECK_H_
