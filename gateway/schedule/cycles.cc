#include "gateway/schedule/cycles.h"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "gateway/schedule/dose_check.h"
#include "gateway/schedule/finding_codes.h"

namespace trialgate::schedule {
namespace {

// One scheduled dose of one agent on one cycle day.
struct Slot {
  const RegimenItem* item = nullptr;
  int day = 0;
  Date date;
  const Dated* given = nullptr;
  const Dated* withheld = nullptr;
};

std::string SlotAnchor(const Phase& phase, int cycle, int day, const std::string& agent) {
  return absl::StrCat(phase.id, "/c", cycle, "/d", day, "/", agent);
}

std::string DaysText(const std::vector<int>& days) {
  std::string text;
  for (size_t i = 0; i < days.size();) {
    size_t j = i;
    while (j + 1 < days.size() && days[j + 1] == days[j] + 1) ++j;
    if (!text.empty()) text += ", ";
    text += j > i + 1 ? absl::StrCat(days[i], "-", days[j])
                      : j == i + 1 ? absl::StrCat(days[i], ", ", days[j]) : absl::StrCat(days[i]);
    i = j + 1;
  }
  return text;
}

// The unfilled slot of `agent` a dose on `day` fills: that day's, else the nearest within the
// window (earlier first).
Slot* MatchSlot(std::vector<Slot>& slots, const std::string& agent, int day, int window,
                bool withheld) {
  Slot* best = nullptr;
  for (Slot& slot : slots) {  // the cheap tests first: a cycle has a few dozen slots
    if (slot.given != nullptr || (withheld && slot.withheld != nullptr)) continue;
    const int distance = std::abs(slot.day - day);
    if (distance > window || slot.item->agent != agent) continue;
    if (best == nullptr || distance < std::abs(best->day - day)) best = &slot;
  }
  return best;
}

class CycleFiller {
 public:
  CycleFiller(const EngineContext& context, const Phase& phase, v1::TimelinePhase* out)
      : context_(context), phase_(phase), out_(out) {
    for (const RegimenItem& item : phase.regimen) {
      levels_[item.agent] = StartingLevel(*context.schedule.FindAgent(item.agent), item);
    }
  }

  void Fill(int index, const CycleFrame& frame, const std::vector<const Dated*>& given,
            const std::vector<const Dated*>& withheld) {
    v1::TimelineCycle* cycle = out_->add_cycles();
    cycle->set_number(frame.number);
    cycle->set_day1_date(FormatDate(frame.day1));
    cycle->set_last_date(FormatDate(frame.last));
    const int window = context_.schedule.dose_window_days();
    std::vector<Slot> slots;
    for (const RegimenItem& item : phase_.regimen) {
      for (int day : item.days) {
        const Date date = frame.day1 + (day - 1);
        if (date <= frame.last) slots.push_back(Slot{&item, day, date});
      }
    }
    std::vector<v1::TimelineDose> doses;
    doses.reserve(slots.size());  // as many as the cycle schedules, as a rule
    for (const Dated* dose : given) {
      if (dose->date < frame.day1 || dose->date > frame.last) continue;
      const int day = static_cast<int>(dose->date - frame.day1) + 1;
      const std::string& agent = dose->event->dose_administered().agent();
      const v1::Position position = MakePosition(phase_.id, frame.number, day);
      if (phase_.FindRegimen(agent) == nullptr) {
        v1::TimelineDose& entry = doses.emplace_back(DoseEntry(*dose, day));
        JudgeDoseOutsideSlots(context_, index, *dose, position, &entry);
        continue;
      }
      Slot* slot = MatchSlot(slots, agent, day, window, false);
      v1::TimelineDose& entry = doses.emplace_back(DoseEntry(*dose, day));
      entry.set_status(slot ? "given" : "unscheduled");
      if (slot) slot->given = dose;
      if (!slot) {
        const RegimenItem& item = *phase_.FindRegimen(agent);
        const bool twice = std::any_of(slots.begin(), slots.end(), [&](const Slot& s) {
          return s.item == &item && s.day == day;
        });
        context_.findings->Add(
            MakeFinding(kDayNotScheduled, v1::Finding::MAJOR,
                        absl::StrCat(agent, " was given on ",
                                     CycleDayText(frame.number, day, dose->date),
                                     twice ? ", a second time that day" : "", "; in ",
                                     phase_.name, " it is scheduled on days ",
                                     DaysText(item.days), "."),
                        absl::StrCat("schedule.json phases[", phase_.id, "].regimen[", agent,
                                     "].days")),
            SourceResourceKey(*dose->event), dose->event->event_id(), dose->date, position,
            &entry);
      }
      CheckRegimenDose(frame, day, *dose, position, &entry);
    }
    for (const Dated* dose : withheld) {
      if (dose->date < frame.day1 || dose->date > frame.last) continue;
      const int day = static_cast<int>(dose->date - frame.day1) + 1;
      if (Slot* slot = MatchSlot(slots, dose->event->dose_administered().agent(), day, window,
                                 true)) {
        slot->withheld = dose;
      }
    }
    for (Slot& slot : slots) {
      if (slot.given == nullptr) doses.push_back(SlotEntry(frame, slot));
    }
    std::sort(doses.begin(), doses.end(), [](const auto& a, const auto& b) {
      return std::forward_as_tuple(a.day(), a.agent(), a.event_id()) <
             std::forward_as_tuple(b.day(), b.agent(), b.event_id());
    });
    for (v1::TimelineDose& dose : doses) *cycle->add_doses() = std::move(dose);

    if (frame.due) {
      cycle->set_due_date(FormatDate(*frame.due));
      const int delay = static_cast<int>(frame.day1 - *frame.due);
      cycle->set_delay_days(delay);
      if (delay > context_.schedule.cycle_delay_window_days()) {
        const Dated* first = nullptr;
        for (const Dated* dose : given) {
          if (dose->date == frame.day1) {
            first = dose;
            break;
          }
        }
        context_.findings->Add(
            MakeFinding(kCycleDelayed, v1::Finding::WARNING,
                        absl::StrCat(phase_.name, " cycle ", frame.number, " started on ",
                                     FormatDate(frame.day1), ", ", delay, " days after it was due (",
                                     FormatDate(*frame.due), "); the window is ",
                                     context_.schedule.cycle_delay_window_days(), " days."),
                        "schedule.json defaults.cycleDelayWindowDays"),
            absl::StrCat(phase_.id, "/c", frame.number), first ? first->event->event_id() : "",
            frame.day1, MakePosition(phase_.id, frame.number, 1));
      }
    }
  }

  // The next cycle is due and has not started by the end of its window.
  void CheckOverdueCycle(const CycleFrame& last) {
    const Date due = last.day1 + phase_.cycle_length_days;
    const int window = context_.schedule.cycle_delay_window_days();
    if (context_.today <= due + window) return;
    const int number = last.number + 1;
    context_.findings->Add(
        MakeFinding(kCycleDelayed, v1::Finding::WARNING,
                    absl::StrCat(phase_.name, " cycle ", number, " was due on ", FormatDate(due),
                                 " and has not started by ", FormatDate(context_.today),
                                 "; the window is ", window, " days."),
                    "schedule.json defaults.cycleDelayWindowDays"),
        absl::StrCat(phase_.id, "/c", number), "", due, MakePosition(phase_.id, number, 1));
  }

 private:
  void CheckRegimenDose(const CycleFrame& frame, int day, const Dated& dose,
                        const v1::Position& position, v1::TimelineDose* entry) {
    const std::string& agent = dose.event->dose_administered().agent();
    DoseToCheck check;
    check.phase = &phase_;
    check.item = phase_.FindRegimen(agent);
    check.override_entry = phase_.FindOverride(agent, frame.number, day);
    check.dose = &dose;
    check.cycle = frame.number;
    check.day = day;
    for (const v1::Finding& finding :
         CheckDose(context_.schedule, context_.history, check, &levels_[agent], entry)) {
      context_.findings->Add(finding, SourceResourceKey(*dose.event), dose.event->event_id(),
                             dose.date, position, entry);
    }
  }

  // A slot no dose filled: not given (reported or not), or not yet due.
  v1::TimelineDose SlotEntry(const CycleFrame& frame, const Slot& slot) {
    v1::TimelineDose entry;
    const std::string& agent = slot.item->agent;
    entry.set_agent(agent);
    entry.set_day(slot.day);
    entry.set_date(FormatDate(slot.date));
    const AgentRules& rules = *context_.schedule.FindAgent(agent);
    const DoseOverride* override_entry = phase_.FindOverride(agent, frame.number, slot.day);
    entry.set_expected(override_entry ? override_entry->dose
                                      : rules.dose_levels[levels_[agent].current]);
    entry.set_expected_unit(rules.unit);
    const v1::Position position = MakePosition(phase_.id, frame.number, slot.day);
    const std::string anchor = SlotAnchor(phase_, frame.number, slot.day, agent);
    const std::string rule = absl::StrCat("schedule.json phases[", phase_.id, "].regimen[",
                                          agent, "].days");
    if (slot.withheld != nullptr) {
      entry.set_status("not-done");
      entry.set_event_id(slot.withheld->event->event_id());
      const std::string& reason = slot.withheld->event->dose_administered().status_reason();
      context_.findings->Add(
          MakeFinding(kDoseMissed, v1::Finding::WARNING,
                      absl::StrCat(agent, " due on ",
                                   CycleDayText(frame.number, slot.day, slot.date),
                                   " was reported as not given",
                                   reason.empty() ? " (no reason sent)" : absl::StrCat(": ", reason),
                                   "."),
                      rule),
          anchor, slot.withheld->event->event_id(), slot.date, position, &entry);
      return entry;
    }
    if (context_.today <= slot.date + context_.schedule.dose_window_days()) {
      entry.set_status("pending");
      return entry;
    }
    entry.set_status("missed");
    context_.findings->Add(
        MakeFinding(kDoseMissed, v1::Finding::MAJOR,
                    absl::StrCat(agent, " due on ",
                                 CycleDayText(frame.number, slot.day, slot.date),
                                 " has not been reported as given."),
                    rule),
        anchor, "", slot.date, position, &entry);
    return entry;
  }

  const EngineContext& context_;
  const Phase& phase_;
  v1::TimelinePhase* out_;
  std::map<std::string, DoseLevel> levels_;
};

}  // namespace

void FillCyclesPhase(const EngineContext& context, int index, const PhaseSpan& span,
                     const std::vector<const Dated*>& given,
                     const std::vector<const Dated*>& withheld, v1::TimelinePhase* out) {
  const Phase& phase = context.schedule.phases()[index];
  CycleFiller filler(context, phase, out);
  for (const CycleFrame& frame : span.cycles) filler.Fill(index, frame, given, withheld);
  if (span.more_cycles_due && !span.cycles.empty()) filler.CheckOverdueCycle(span.cycles.back());
  // Doses between cycles (before a late cycle began) fill no slot.
  for (const Dated* dose : given) {
    const bool in_cycle = std::any_of(span.cycles.begin(), span.cycles.end(), [&](const auto& f) {
      return dose->date >= f.day1 && dose->date <= f.last;
    });
    if (in_cycle) continue;
    v1::TimelineDose* entry = out->add_doses();
    *entry = DoseEntry(*dose, 0);
    JudgeDoseOutsideSlots(context, index, *dose, MakePosition(phase.id, 0, 0), entry);
  }
}

}  // namespace trialgate::schedule
