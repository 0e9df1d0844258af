#include "gateway/schedule/phase_plan.h"

#include <algorithm>

namespace trialgate::schedule {
namespace {

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool InLimit(Date date, std::optional<Date> limit) { return !limit || date <= *limit; }

std::optional<Date> Min(std::optional<Date> a, std::optional<Date> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

// The first conditioning dose or transplant dated in [from, limit].
const Dated* TransplantTrigger(const Phase& phase, const SubjectHistory& history, Date from,
                               std::optional<Date> limit) {
  const Dated* found = nullptr;
  for (const Dated& dose : history.given_doses) {
    if (dose.date >= from && InLimit(dose.date, limit) &&
        Contains(phase.conditioning_agents, dose.event->dose_administered().agent())) {
      found = &dose;
      break;
    }
  }
  for (const Dated& transplant : history.transplants) {
    if (transplant.date >= from && InLimit(transplant.date, limit)) {
      if (found == nullptr || transplant.date < found->date) found = &transplant;
      break;
    }
  }
  return found;
}

// Cycle frames from the regimen's given doses: a dose after the current cycle's last day starts
// the next cycle, while cycles remain and before `last_allowed`.
std::vector<CycleFrame> FindCycles(const Phase& phase, const SubjectHistory& history, Date start,
                                   std::optional<Date> last_allowed) {
  std::vector<CycleFrame> frames;
  const int length = phase.cycle_length_days;
  for (const Dated& dose : history.given_doses) {
    if (dose.date < start || phase.FindRegimen(dose.event->dose_administered().agent()) == nullptr) {
      continue;
    }
    if (!InLimit(dose.date, last_allowed)) break;
    if (!frames.empty() && dose.date <= frames.back().last) continue;
    if (phase.cycles > 0 && static_cast<int>(frames.size()) == phase.cycles) break;
    CycleFrame frame;
    frame.number = static_cast<int>(frames.size()) + 1;
    frame.day1 = dose.date;
    if (!frames.empty()) frame.due = frames.back().day1 + length;
    frame.last = dose.date + (length - 1);
    frames.push_back(frame);
  }
  return frames;
}

struct Limits {
  std::optional<Date> last_treatment_day;  // progression day, or the day before off study
};

void PlanCycles(const Phase& phase, size_t index, const Schedule& schedule,
                const SubjectHistory& history, std::optional<Date> anchor, Limits limits,
                PhaseSpan* span) {
  const Dated* first = nullptr;
  for (const Dated& dose : history.given_doses) {
    if ((!anchor || dose.date >= *anchor) && InLimit(dose.date, limits.last_treatment_day) &&
        phase.FindRegimen(dose.event->dose_administered().agent()) != nullptr) {
      first = &dose;
      break;
    }
  }
  if (first == nullptr) return;
  span->start = first->date;
  // A transplant phase next cuts this phase short when it starts early.
  std::optional<Date> cut;
  for (size_t j = index + 1; j < schedule.phases().size(); ++j) {
    const Phase& next = schedule.phases()[j];
    if (next.kind == PhaseKind::kCycles) break;
    if (next.kind != PhaseKind::kTransplant) continue;
    if (const Dated* trigger =
            TransplantTrigger(next, history, *span->start, limits.last_treatment_day)) {
      cut = trigger->date - 1;
    }
    break;
  }
  std::optional<Date> planned;
  if (phase.duration_months > 0) planned = AddMonths(*span->start, phase.duration_months) - 1;
  const std::optional<Date> last_allowed = Min(Min(cut, limits.last_treatment_day), planned);
  span->cycles = FindCycles(phase, history, *span->start, last_allowed);
  if (span->cycles.empty()) {  // the next phase started the same day: this one did not happen
    *span = PhaseSpan();
    return;
  }

  const int length = phase.cycle_length_days;
  const CycleFrame& last = span->cycles.back();
  std::optional<Date> natural_end = planned;
  if (phase.cycles > 0) {
    const int remaining = phase.cycles - static_cast<int>(span->cycles.size());
    if (remaining == 0) {
      natural_end = last.last;
    } else {
      span->planned_end = last.day1 + (length * (remaining + 1) - 1);
    }
  }
  span->end = natural_end;
  if (cut && (!span->end || *cut < *span->end)) span->end = std::max(*cut, *span->start - 1);
  if (limits.last_treatment_day && (!span->end || *limits.last_treatment_day < *span->end)) {
    span->end = limits.last_treatment_day;
    span->discontinued = true;
  }
  if (span->end) {
    span->cycles.back().last = std::min(last.last, *span->end);
    span->planned_end.reset();
  }
  const Date next_due = last.day1 + length;
  span->more_cycles_due =
      phase.cycles > 0 ? !span->end : (planned && next_due <= *planned && !span->discontinued);
}

// One pass over the phases, triggers limited to `limits`.
PhasePlan Plan(const Schedule& schedule, const SubjectHistory& history, Limits limits) {
  const std::vector<Phase>& phases = schedule.phases();
  PhasePlan plan;
  plan.spans.resize(phases.size());
  std::optional<Date> anchor;           // triggers of the next phase count from here
  std::optional<Date> last_triggered;   // start of the last phase started by a trigger
  std::optional<Date> first_dose;
  bool chain = true;                    // false once a phase did not start
  int previous = -1;                    // the last span that started
  for (size_t i = 0; i < phases.size(); ++i) {
    const Phase& phase = phases[i];
    PhaseSpan& span = plan.spans[i];
    if (phase.kind == PhaseKind::kGate) {
      const std::optional<int> needed = schedule.ResponseRank(phase.minimum_response);
      for (const Dated& response : history.GateResponses()) {
        std::optional<int> rank =
            schedule.ResponseRank(response.event->response_assessed().category());
        if (first_dose && response.date >= *first_dose && rank && *rank <= *needed) {
          span.response = &response;
          break;
        }
      }
      continue;
    }
    if (phase.kind == PhaseKind::kFollowUp || phase.kind == PhaseKind::kOffStudy || !chain) {
      continue;
    }
    switch (phase.kind) {
      case PhaseKind::kCycles:
        PlanCycles(phase, i, schedule, history, anchor, limits, &span);
        if (span.start) {
          if (!first_dose) first_dose = span.start;
          last_triggered = span.start;
          anchor = span.end ? std::optional<Date>(*span.end + 1) : std::nullopt;
          chain = span.end.has_value();
        }
        break;
      case PhaseKind::kTransplant:
        if (const Dated* trigger = last_triggered ? TransplantTrigger(phase, history, *last_triggered,
                                                                      limits.last_treatment_day)
                                                  : nullptr) {
          span.start = trigger->date;
          span.start_event = trigger;
          for (const Dated& transplant : history.transplants) {
            if (transplant.date >= *span.start && InLimit(transplant.date, limits.last_treatment_day)) {
              span.day0 = &transplant;
              break;
            }
          }
          last_triggered = span.start;
          anchor = span.day0 ? std::optional<Date>(span.day0->date + 1) : std::nullopt;
          chain = span.day0 != nullptr;
        }
        break;
      case PhaseKind::kHarvest:
        // Fills the time after the phase before it; the next phase's start ends it.
        if (previous >= 0 && plan.spans[previous].end) span.start = *plan.spans[previous].end + 1;
        break;
      default:
        break;
    }
    if (!span.start) {
      chain = chain && phase.kind == PhaseKind::kHarvest;
      continue;
    }
    previous = static_cast<int>(i);
  }
  if (!first_dose) return plan;

  // A started span ends the day before the next one starts.
  int last_treatment = -1;
  for (size_t i = 0; i < phases.size(); ++i) {
    const PhaseKind kind = phases[i].kind;
    if (kind == PhaseKind::kGate || kind == PhaseKind::kFollowUp || kind == PhaseKind::kOffStudy ||
        !plan.spans[i].start) {
      continue;
    }
    if (last_treatment >= 0) {
      PhaseSpan& before = plan.spans[last_treatment];
      const Date until = *plan.spans[i].start - 1;
      if (until < *before.start) {
        before = PhaseSpan();  // nothing of it before the next phase: it did not happen
      } else if (!before.end || *before.end > until) {
        before.end = until;
        before.planned_end.reset();
        if (!before.cycles.empty()) before.cycles.back().last = std::min(before.cycles.back().last, until);
        before.more_cycles_due = false;
      }
    }
    last_treatment = static_cast<int>(i);
  }
  return plan;
}

// Follow-up starts the day after the phase before it ends, or after progression.
void PlanFollowUpAndOffStudy(const Schedule& schedule, std::optional<Date> progression, std::optional<Date> off_date,
                             PhasePlan* plan) {
  const std::vector<Phase>& phases = schedule.phases();
  std::optional<Date> follow_up_end;
  for (size_t i = 0; i < phases.size(); ++i) {
    const Phase& phase = phases[i];
    PhaseSpan& span = plan->spans[i];
    if (phase.kind == PhaseKind::kFollowUp) {
      if (progression) {
        span.start = *progression + 1;
      } else {
        for (size_t j = i; j-- > 0;) {
          if (phases[j].kind == PhaseKind::kGate) continue;
          if (plan->spans[j].start && plan->spans[j].end) span.start = *plan->spans[j].end + 1;
          break;
        }
      }
      if (span.start) {
        span.end = AddMonths(*span.start, phase.duration_months) - 1;
        follow_up_end = span.end;
      }
    } else if (phase.kind == PhaseKind::kOffStudy) {
      if (follow_up_end) span.start = *follow_up_end + 1;
      if (off_date && (!span.start || *off_date < *span.start)) span.start = off_date;
    }
  }
  if (!off_date) return;
  for (size_t i = 0; i < phases.size(); ++i) {
    PhaseSpan& span = plan->spans[i];
    if (phases[i].kind == PhaseKind::kOffStudy || phases[i].kind == PhaseKind::kGate || !span.start) {
      continue;
    }
    if (*span.start >= *off_date) {
      span = PhaseSpan();
    } else if (!span.end || *span.end >= *off_date) {
      span.end = *off_date - 1;
      span.planned_end.reset();
      span.discontinued = true;
      span.more_cycles_due = false;
      if (!span.cycles.empty()) span.cycles.back().last = std::min(span.cycles.back().last, *span.end);
    }
  }
}

}  // namespace

int PhasePlan::PhaseAt(const Schedule& schedule, Date date) const {
  int best = -1;
  for (size_t i = 0; i < spans.size(); ++i) {
    if (schedule.phases()[i].kind == PhaseKind::kGate || !spans[i].start) continue;
    if (*spans[i].start <= date && (best < 0 || *spans[i].start >= *spans[best].start)) {
      best = static_cast<int>(i);
    }
  }
  if (best < 0 || !spans[best].end || date <= *spans[best].end) return best;
  // After a phase that ended, before the next one started: the next one is what is awaited.
  for (size_t j = best + 1; j < spans.size(); ++j) {
    if (schedule.phases()[j].kind != PhaseKind::kGate) return static_cast<int>(j);
  }
  return best;
}

v1::Position PhasePlan::PositionAt(const Schedule& schedule, Date date) const {
  v1::Position position;
  const int index = PhaseAt(schedule, date);
  if (index < 0) {
    position.set_phase("pre_treatment");
    return position;
  }
  position.set_phase(schedule.phases()[index].id);
  const PhaseSpan& span = spans[index];
  for (const CycleFrame& frame : span.cycles) {
    if (date >= frame.day1 && date <= frame.last) {
      position.set_cycle(frame.number);
      position.set_day(static_cast<int>(date - frame.day1) + 1);
      return position;
    }
  }
  if (span.cycles.empty() && span.start && date >= *span.start) {
    position.set_day(static_cast<int>(date - *span.start) + 1);
  }
  return position;
}

PhasePlan PlanPhases(const Schedule& schedule, const SubjectHistory& history) {
  std::optional<Date> off_date;
  for (const Phase& phase : schedule.phases()) {
    if (phase.kind != PhaseKind::kOffStudy) continue;
    for (const Dated& enrollment : history.enrollments) {
      const v1::EnrollmentChanged& change = enrollment.event->enrollment_changed();
      if (!Contains(phase.enrollment_statuses, change.status())) continue;
      Date date = enrollment.date;
      if (change.ended_on().size() >= 10) {
        v1::Event ended;
        ended.set_occurred_at_fhir(change.ended_on().substr(0, 10));
        date = SiteCalendar().DateOf(ended);
      }
      if (!off_date || date < *off_date) off_date = date;
    }
  }
  // A death ends the course: from the next day the subject is off study, and no dose, cycle or
  // visit is expected after it. The day of death itself stays on treatment (a dose given that
  // morning is judged as any other).
  if (!history.deaths.empty()) {
    const Date after_death = history.deaths.front().date + 1;
    if (!off_date || after_death < *off_date) off_date = after_death;
  }
  Limits limits;
  if (off_date) limits.last_treatment_day = *off_date - 1;
  PhasePlan plan = Plan(schedule, history, limits);

  // Progression ends treatment when it comes before follow-up would have started anyway.
  std::optional<Date> first_dose;
  std::optional<Date> natural_follow_up;
  for (size_t i = 0; i < schedule.phases().size(); ++i) {
    const PhaseSpan& span = plan.spans[i];
    if (!first_dose && span.start) first_dose = span.start;
    if (schedule.phases()[i].kind == PhaseKind::kFollowUp) {
      for (size_t j = i; j-- > 0;) {
        if (schedule.phases()[j].kind == PhaseKind::kGate) continue;
        if (plan.spans[j].start && plan.spans[j].end) natural_follow_up = *plan.spans[j].end + 1;
        break;
      }
    }
  }
  std::optional<Date> progression;
  if (first_dose) {
    for (const Dated& response : history.responses) {
      if (response.date >= *first_dose &&
          response.event->response_assessed().category() == schedule.progression_response() &&
          (!natural_follow_up || response.date < *natural_follow_up) &&
          (!off_date || response.date < *off_date)) {
        progression = response.date;
        break;
      }
    }
  }
  if (progression) {
    limits.last_treatment_day = Min(limits.last_treatment_day, progression);
    plan = Plan(schedule, history, limits);
    for (size_t i = 0; i < schedule.phases().size(); ++i) {
      PhaseSpan& span = plan.spans[i];
      const PhaseKind kind = schedule.phases()[i].kind;
      if (kind == PhaseKind::kGate || !span.start) continue;
      if (*span.start > *progression) {
        span = PhaseSpan();
      } else if (!span.end || *span.end >= *progression) {
        span.end = *progression;
        span.planned_end.reset();
        span.discontinued = true;
        span.more_cycles_due = false;
        if (!span.cycles.empty()) {
          span.cycles.back().last = std::min(span.cycles.back().last, *progression);
        }
      }
    }
  }
  if (first_dose || off_date) {
    PlanFollowUpAndOffStudy(schedule, progression, off_date, &plan);
  }
  return plan;
}

}  // namespace trialgate::schedule
