#include "gateway/schedule/placement.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "gateway/schedule/finding_codes.h"

namespace trialgate::schedule {
namespace {

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// True when the protocol expects `agent` in phase `index` outside any slot.
bool Allowed(const Schedule& schedule, int index, const std::string& agent) {
  if (schedule.AllowedInAnyPhase(agent)) return true;
  if (index < 0) return false;
  const std::vector<Phase>& phases = schedule.phases();
  if (phases[index].kind != PhaseKind::kCycles && phases[index].UsesAgent(agent)) return true;
  for (const Phase& other : phases) {
    if (Contains(other.also_during, phases[index].id) && other.UsesAgent(agent)) return true;
  }
  return false;
}

}  // namespace

v1::TimelineDose DoseEntry(const Dated& dose, int day) {
  v1::TimelineDose entry;
  const v1::DoseAdministered& given = dose.event->dose_administered();
  entry.set_agent(given.agent());
  entry.set_day(day);
  entry.set_date(FormatDate(dose.date));
  entry.set_event_id(dose.event->event_id());
  if (given.has_dose() && given.dose().unit() == kMg) entry.set_given_mg(given.dose().value());
  if (given.has_dose_per_m2()) entry.set_given_per_m2(given.dose_per_m2().value());
  return entry;
}

void JudgeDoseOutsideSlots(const EngineContext& context, int phase_index, const Dated& dose,
                           const v1::Position& position, v1::TimelineDose* out) {
  const Schedule& schedule = context.schedule;
  const std::string& agent = dose.event->dose_administered().agent();
  if (Allowed(schedule, phase_index, agent)) {
    out->set_status("given");
    return;
  }
  out->set_status("unscheduled");
  const std::vector<Phase>& phases = schedule.phases();
  const std::string here =
      phase_index < 0 ? "before the first protocol dose"
                      : absl::StrCat("during ", phases[phase_index].name);
  const Phase* later = nullptr;
  for (size_t j = phase_index + 1; j < phases.size(); ++j) {
    if (phases[j].UsesAgent(agent)) {
      later = &phases[j];
      break;
    }
  }
  const std::string anchor = SourceResourceKey(*dose.event);
  if (later != nullptr) {
    context.findings->Add(
        MakeFinding(kWrongPhase, v1::Finding::MAJOR,
                    absl::StrCat(agent, " was given on ", FormatDate(dose.date), " ", here,
                                 "; it belongs to ", later->name,
                                 ", which has not started: the protocol gives it only there."),
                    absl::StrCat("schedule.json phases[", later->id, "]")),
        anchor, dose.event->event_id(), dose.date, position, out);
    return;
  }
  context.findings->Add(
      MakeFinding(kAgentNotInRegimen, v1::Finding::MAJOR,
                  absl::StrCat(agent, " was given on ", FormatDate(dose.date), " ", here,
                               ", whose protocol does not include it."),
                  phase_index < 0 ? "schedule.json phases"
                                  : absl::StrCat("schedule.json phases[", phases[phase_index].id,
                                                 "]")),
      anchor, dose.event->event_id(), dose.date, position, out);
}

}  // namespace trialgate::schedule
