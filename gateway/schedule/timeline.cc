#include "gateway/schedule/timeline.h"

#include "gateway/schedule/timeline_state.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "gateway/schedule/clinical_timeline.h"
#include "gateway/schedule/cycles.h"
#include "gateway/schedule/finding_codes.h"
#include "gateway/schedule/phase_plan.h"
#include "gateway/schedule/placement.h"
#include "gateway/schedule/subject_history.h"

namespace trialgate::schedule {
namespace {

const char* KindName(PhaseKind kind) {
  switch (kind) {
    case PhaseKind::kCycles: return "cycles";
    case PhaseKind::kGate: return "gate";
    case PhaseKind::kHarvest: return "harvest";
    case PhaseKind::kTransplant: return "transplant";
    case PhaseKind::kFollowUp: return "follow_up";
    case PhaseKind::kOffStudy: return "off_study";
  }
  return "";
}

std::string SpanStatus(const PhaseSpan& span, Date today) {
  if (!span.start || *span.start > today) return "not-started";
  if (span.discontinued) return "discontinued";
  if (span.end && *span.end < today) return "completed";
  return "in-progress";
}

// Doses of the phase that fill no cycle: listed, and judged for the phase they fall in.
void FillDosesOutsideCycles(const EngineContext& context, int index, const PhaseSpan& span,
                            const std::vector<const Dated*>& given, v1::TimelinePhase* out) {
  const Phase& phase = context.schedule.phases()[index];
  for (const Dated* dose : given) {
    const int day = span.start ? static_cast<int>(dose->date - *span.start) + 1 : 0;
    v1::TimelineDose* entry = out->add_doses();
    *entry = DoseEntry(*dose, 0);
    JudgeDoseOutsideSlots(context, index, *dose, MakePosition(phase.id, 0, day), entry);
  }
}

// The gate's response: the first that met it, else the best so far.
void FillGate(const EngineContext& context, const Phase& phase, const PhaseSpan& span,
              const PhasePlan& plan, v1::TimelinePhase* out) {
  const Dated* shown = span.response;
  if (shown == nullptr) {
    std::optional<int> best;
    for (const Dated& response : context.history.GateResponses()) {
      auto rank = context.schedule.ResponseRank(response.event->response_assessed().category());
      if (rank && (!best || *rank < *best)) {
        best = rank;
        shown = &response;
      }
    }
  }
  if (shown != nullptr) {
    out->set_response(shown->event->response_assessed().category());
    out->set_response_date(FormatDate(shown->date));
    out->set_response_event_id(shown->event->event_id());
  }
  // Not met when a phase that needs it started first.
  std::optional<Date> needed_from;
  for (size_t i = 0; i < context.schedule.phases().size(); ++i) {
    if (context.schedule.phases()[i].requires_gate == phase.id && plan.spans[i].start) {
      needed_from = plan.spans[i].start;
    }
  }
  if (span.response != nullptr && (!needed_from || span.response->date <= *needed_from)) {
    out->set_status("met");
    out->set_start_date(FormatDate(span.response->date));
    out->set_end_date(FormatDate(span.response->date));
  } else {
    out->set_status(needed_from ? "not-met" : "pending");
  }
}

void FillHarvest(const EngineContext& context, const Phase& phase, const PhaseSpan& span,
                 v1::TimelinePhase* out) {
  double total = 0;
  std::optional<Date> first;
  for (const Dated& lab : context.history.labs) {
    const v1::LabResult& result = lab.event->lab_result();
    if (result.analyte() != phase.success_analyte || !result.has_value()) continue;
    total = phase.success_aggregate == "max" ? std::max(total, result.value())
                                             : total + result.value();
    out->add_harvest_event_ids(lab.event->event_id());
    if (!first) first = lab.date;
    if (!out->harvest_success() && total > phase.success_greater_than) {
      out->set_harvest_success(true);
      out->set_harvest_success_date(FormatDate(lab.date));
    }
  }
  for (const Dated& harvest : context.history.harvests) {
    out->add_harvest_event_ids(harvest.event->event_id());
    if (!first || harvest.date < *first) first = harvest.date;
  }
  out->set_cd34_per_kg(total);
  // Collections may start during the phase before ("during or after induction").
  if (first && (!span.start || *first < *span.start)) out->set_start_date(FormatDate(*first));
  if (out->harvest_success() && out->status() == "not-started") out->set_status("completed");
  if (first && out->status() == "not-started" && *first <= context.today) {
    out->set_status("in-progress");
  }
}

void FillTransplant(const EngineContext& context, const Phase& phase, const PhaseSpan& span,
                    const PhasePlan& plan, v1::TimelinePhase* out) {
  if (span.day0 != nullptr) {
    out->set_day0_date(FormatDate(span.day0->date));
    out->set_transplant_event_id(span.day0->event->event_id());
  }
  if (!span.start || phase.requires_gate.empty()) return;
  const std::vector<Phase>& phases = context.schedule.phases();
  for (size_t g = 0; g < phases.size(); ++g) {
    if (phases[g].id != phase.requires_gate) continue;
    const Dated* response = plan.spans[g].response;
    if (response != nullptr && response->date <= *span.start) return;
    const Dated& start = *span.start_event;
    context.findings->Add(
        MakeFinding(kWrongPhase, v1::Finding::MAJOR,
                    absl::StrCat(phase.name, " started on ", FormatDate(start.date),
                                 " without a documented response of ",
                                 phases[g].minimum_response, " or better (", phases[g].name,
                                 ")", response ? absl::StrCat("; the first such response is dated ",
                                                              FormatDate(response->date))
                                               : "",
                                 "."),
                    absl::StrCat("schedule.json phases[", phase.id, "].requiresGate")),
        absl::StrCat(phase.id, "/", phase.requires_gate), start.event->event_id(), start.date,
        MakePosition(phase.id, 0, 1));
  }
}

}  // namespace

void FillFollowUp(const EngineContext& context, const Phase& phase, const PhaseSpan& span,
                  v1::TimelinePhase* out) {
  if (!span.start) return;
  for (int n = 1; n * phase.visit_every_months <= phase.duration_months; ++n) {
    const Date due = AddMonths(*span.start, n * phase.visit_every_months);
    // Follow-up cut short (a death, an off-study status): no visit is due after its end.
    if (span.discontinued && span.end && due > *span.end) break;
    v1::TimelineVisit* visit = out->add_visits();
    visit->set_number(n);
    visit->set_due_date(FormatDate(due));
    // Any event in the window but a death shows the subject was seen (a contact, a lab, a
    // dose); history.all is by date.
    const Date from = due - phase.visit_window_days;
    const Date to = due + phase.visit_window_days;
    bool seen = false;
    for (auto event = FirstOnOrAfter(context.history.all, from);
         !seen && event != context.history.all.end() && event->date <= to; ++event) {
      seen = !ReportsDeath(*event->event);
    }
    visit->set_seen(seen);
  }
}

std::unique_ptr<TimelineState> BuildTimelineState(const Schedule& schedule,
                                                  const std::string& subject_id,
                                                  store::EventBatch events, absl::Time now,
                                                  const SiteCalendar& calendar,
                                                  const ClinicalRules* clinical,
                                                  bool list_events) {
  auto state = std::make_unique<TimelineState>();
  state->events_listed = list_events;
  state->timeline = std::make_shared<v1::Timeline>();
  v1::Timeline& timeline = *state->timeline;
  timeline.set_study_id(schedule.study_id());
  timeline.set_subject_id(subject_id);
  if (!events.empty()) timeline.set_site_id(events.front().site_id());
  timeline.set_computed_at(absl::FormatTime(absl::RFC3339_sec, now, absl::UTCTimeZone()));
  timeline.set_time_zone(calendar.ZoneName());

  state->history = BuildHistory(std::move(events), calendar);
  SubjectHistory& history = state->history;
  std::optional<ClinicalDerivations>& derived = state->derived;
  if (clinical != nullptr) derived = DeriveClinical(*clinical, schedule, &history);
  const Date today = calendar.DateOf(now);
  state->today = today;
  timeline.set_today(FormatDate(today));
  FindingList findings;
  const EngineContext context{schedule, history, today, &findings};
  state->plan = PlanPhases(schedule, history);
  const PhasePlan& plan = state->plan;
  if (derived) {
    AddClinicalFindings(*clinical, context, plan, *derived, &timeline);
    FillClinical(context, *derived, &timeline);
  }
  const std::vector<Phase>& phases = schedule.phases();

  // Every study-agent dose belongs to the phase its date falls in.
  std::vector<std::vector<const Dated*>> given(phases.size()), withheld(phases.size());
  for (const Dated& dose : history.given_doses) {
    const int index = plan.PhaseAt(schedule, dose.date);
    if (index >= 0) {
      given[index].push_back(&dose);
      continue;
    }
    v1::TimelineDose ignored = DoseEntry(dose, 0);
    JudgeDoseOutsideSlots(context, -1, dose, MakePosition(kPreTreatment, 0, 0), &ignored);
  }
  for (const Dated& dose : history.withheld_doses) {
    const int index = plan.PhaseAt(schedule, dose.date);
    if (index >= 0) withheld[index].push_back(&dose);
  }

  for (size_t i = 0; i < phases.size(); ++i) {
    const Phase& phase = phases[i];
    const PhaseSpan& span = plan.spans[i];
    const int index = static_cast<int>(i);
    v1::TimelinePhase* out = timeline.add_phases();
    out->set_id(phase.id);
    out->set_name(phase.name);
    out->set_kind(KindName(phase.kind));
    out->set_status(SpanStatus(span, today));
    if (span.start) out->set_start_date(FormatDate(*span.start));
    if (span.end) out->set_end_date(FormatDate(*span.end));
    if (span.planned_end) out->set_end_date(FormatDate(*span.planned_end));
    switch (phase.kind) {
      case PhaseKind::kCycles:
        FillCyclesPhase(context, index, span, given[i], withheld[i], out);
        break;
      case PhaseKind::kGate:
        FillGate(context, phase, span, plan, out);
        break;
      case PhaseKind::kHarvest:
        FillHarvest(context, phase, span, out);
        FillDosesOutsideCycles(context, index, span, given[i], out);
        break;
      case PhaseKind::kTransplant:
        FillTransplant(context, phase, span, plan, out);
        FillDosesOutsideCycles(context, index, span, given[i], out);
        break;
      case PhaseKind::kFollowUp:
        FillFollowUp(context, phase, span, out);
        FillDosesOutsideCycles(context, index, span, given[i], out);
        break;
      case PhaseKind::kOffStudy:
        FillDosesOutsideCycles(context, index, span, given[i], out);
        break;
    }
  }
  if (list_events) {
    for (const Dated& event : history.all) {
      v1::TimelineEvent* placed = timeline.add_events();
      placed->set_event_id(event.event->event_id());
      if (const auto* field =
              v1::Event::descriptor()->FindFieldByNumber(event.event->payload_case())) {
        placed->set_kind(field->name());
      }
      placed->set_date(FormatDate(event.date));
      *placed->mutable_position() = plan.PositionAt(schedule, event.date);
    }
  }
  const int current = plan.PhaseAt(schedule, today);
  timeline.set_current_phase(current < 0 ? kPreTreatment : phases[current].id);
  for (v1::TimelineFinding& finding : findings.Sorted()) {
    *timeline.add_findings() = std::move(finding);
  }
  return state;
}

v1::Timeline BuildTimeline(const Schedule& schedule, const std::string& subject_id,
                           const std::vector<v1::Event>& events, absl::Time now,
                           const SiteCalendar& calendar, const ClinicalRules* clinical) {
  return std::move(
      *BuildTimelineState(schedule, subject_id, store::EventBatch(events), now, calendar, clinical)
           ->timeline);
}

}  // namespace trialgate::schedule
