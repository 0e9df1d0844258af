#include "gateway/schedule/timeline_append.h"

#include <algorithm>
#include <memory>
#include <string>
#include <tuple>
#include <utility>

#include "gateway/schedule/clinical_timeline.h"
#include "gateway/schedule/finding_codes.h"
#include "gateway/schedule/findings.h"
#include "gateway/schedule/placement.h"
#include "gateway/schedule/treatment_findings.h"

namespace trialgate::schedule {
namespace {

// Labs the schedule reads itself: body size (BSA-based doses) and a harvest's success count.
bool ReadBySchedule(const Schedule& schedule, const std::string& analyte) {
  if (analyte.empty()) return false;
  if (analyte == schedule.height_analyte() || analyte == schedule.weight_analyte()) return true;
  for (const Phase& phase : schedule.phases()) {
    if (phase.kind == PhaseKind::kHarvest && phase.success_analyte == analyte) return true;
  }
  return false;
}

// A grade-3+ (dose-reduction qualifying) lab toxicity, as compared before and after.
using Qualifying = std::tuple<std::string, std::string, int>;  // lab event id, term, grade

// Those of `toxicities` (by date) from `from` on.
std::vector<Qualifying> QualifyingFrom(const Schedule& schedule,
                                       const std::vector<LabGrade>& toxicities, Date from) {
  std::vector<Qualifying> out;
  for (auto grade = toxicities.rbegin(); grade != toxicities.rend() && grade->lab.date >= from;
       ++grade) {
    const int value = grade->grade.grade.value_or(0);
    if (value >= schedule.qualifying_toxicity_min_grade()) {
      out.emplace_back(grade->lab.event->event_id(), grade->grade.term, value);
    }
  }
  return out;
}

bool DoseFrom(const SubjectHistory& history, Date from) {
  for (const std::vector<Dated>* doses : {&history.given_doses, &history.withheld_doses}) {
    if (!doses->empty() && doses->back().date >= from) return true;
  }
  return false;
}

// Regrades the days from `from` on (their labs, old and new) and rebuilds the lab toxicities
// from `from` in history->toxicities. False when the grade-3+ toxicities of a day with a dose
// changed.
bool RegradeFrom(const Schedule& schedule, const ClinicalRules& rules, Date from,
                 SubjectHistory* history, ClinicalDerivations* derived) {
  if (!derived->treatment_start) return true;  // nothing is graded before treatment
  const std::vector<Qualifying> before = QualifyingFrom(schedule, derived->toxicities, from);
  // Forget the grades of those days' labs (toxicities are by date: they are the tail).
  const auto day_labs = FirstOnOrAfter(history->labs, from);
  for (auto lab = day_labs; lab != history->labs.end(); ++lab) {
    derived->grades_of_lab.erase(lab->event->event_id());
  }
  while (!derived->toxicities.empty() && derived->toxicities.back().lab.date >= from) {
    derived->toxicities.pop_back();
  }
  std::vector<Dated> day;
  for (auto lab = day_labs; lab != history->labs.end(); ++lab) {
    day.push_back(*lab);
    if (lab + 1 != history->labs.end() && (lab + 1)->date == lab->date) continue;
    for (LabGrade& grade : GradeLabsOfDay(rules, day, derived->baselines)) {
      KeepLabGrade(std::move(grade), derived);
    }
    day.clear();
  }
  if (QualifyingFrom(schedule, derived->toxicities, from) != before && DoseFrom(*history, from)) {
    return false;
  }
  // history->toxicities from `from`: the reported ones of those days, then the lab ones (the
  // order DeriveClinical's stable sort gives).
  history->toxicities.erase(FirstOnOrAfter(history->toxicities, from), history->toxicities.end());
  for (auto event = FirstOnOrAfter(history->all, from); event != history->all.end(); ++event) {
    if (event->event->has_adverse_event_reported() || event->event->has_toxicity_graded()) {
      history->toxicities.push_back(*event);
    }
  }
  for (const LabGrade& grade : derived->toxicities) {
    if (grade.lab.date >= from) {
      history->toxicities.push_back({&MakeToxicityEvent(grade, derived), grade.lab.date});
    }
  }
  return true;
}

bool GatesMet(const Schedule& schedule, const PhasePlan& plan) {
  for (size_t i = 0; i < schedule.phases().size(); ++i) {
    if (schedule.phases()[i].kind == PhaseKind::kGate && plan.spans[i].response == nullptr) {
      return false;
    }
  }
  return true;
}

// Adds the new response markers to the responses (the days before theirs stay as they were:
// each is judged as known then). False when that cannot be done, or the response gate would
// read different responses.
bool AddResponseMarkers(const Schedule& schedule, const std::vector<Dated>& markers, Date from,
                        const PhasePlan& plan, SubjectHistory* history,
                        ClinicalDerivations* derived, v1::Timeline* timeline) {
  std::vector<derivation::MarkerResult> results;
  for (const Dated& lab : markers) results.push_back(MarkerResultOf(lab));
  if (!derived->response_deriver->Add(std::move(results))) return false;
  if (history->responses.empty()) {
    // The gate reads the confirmed derived ones (with a reported response it does not), and
    // the plan points into history->derived_responses. The same ones will do; so will more
    // after them once every gate is met (the first that met it stays the first). That list is
    // then left as the full computation made it: only the plan read it.
    std::vector<std::pair<Date, std::string>> confirmed;
    for (const derivation::ResponseAssessment& assessment : derived->responses().assessments) {
      if (const std::optional<Date> date = GateDate(assessment)) {
        confirmed.emplace_back(*date, assessment.category);
      }
    }
    const std::vector<Dated>& gate_reads = history->derived_responses;
    if (confirmed.size() < gate_reads.size() ||
        !std::equal(gate_reads.begin(), gate_reads.end(), confirmed.begin(),
                    [](const Dated& before, const auto& now) {
                      return now.first == before.date &&
                             now.second == before.event->response_assessed().category();
                    }) ||
        (confirmed.size() > gate_reads.size() && !GatesMet(schedule, plan))) {
      return false;
    }
  }
  // Assessments before `from` are as they were (each judged as known then). From `from` on:
  // the reported responses of those days, then the derived ones (FillClinical's order).
  auto* responses = timeline->mutable_responses();
  const std::string first = FormatDate(from);
  std::vector<v1::TimelineResponse> reported;
  while (!responses->empty() && responses->rbegin()->date() >= first) {
    std::unique_ptr<v1::TimelineResponse> last(responses->ReleaseLast());
    if (last->origin() != "derived") reported.push_back(std::move(*last));
  }
  for (auto it = reported.rbegin(); it != reported.rend(); ++it) *responses->Add() = std::move(*it);
  for (const derivation::ResponseAssessment& assessment : derived->responses().assessments) {
    if (assessment.date >= first) *responses->Add() = DerivedResponseEntry(assessment);
  }
  timeline->set_responses_not_derived(derived->responses().not_derived);
  return true;
}

void ReplaceLabToxicities(const ClinicalDerivations& derived, Date from, v1::Timeline* timeline) {
  auto* toxicities = timeline->mutable_toxicities();
  const std::string first = FormatDate(from);
  while (!toxicities->empty() && toxicities->rbegin()->date() >= first &&
         toxicities->rbegin()->origin() == "lab") {
    toxicities->RemoveLast();
  }
  for (const LabGrade& grade : derived.toxicities) {
    if (grade.lab.date >= from) *toxicities->Add() = LabToxicityEntry(grade);
  }
}

// The findings from `from` on: those a lab can change (AE_NOT_REPORTED, DOSE_GIVEN_DESPITE_HOLD,
// and RESPONSE_DISCORDANT when `responses` were derived again) replaced by `redone`, in the
// timeline's order (date, key).
void ReplaceFindings(Date from, bool responses, const FindingList& redone,
                     v1::Timeline* timeline) {
  auto* findings = timeline->mutable_findings();
  const std::string first = FormatDate(from);
  std::vector<v1::TimelineFinding> tail;
  while (!findings->empty() && findings->rbegin()->date() >= first) {
    std::unique_ptr<v1::TimelineFinding> last(findings->ReleaseLast());
    const std::string& code = last->finding().code();
    if (code != kAeNotReported && code != kDoseGivenDespiteHold &&
        (!responses || code != kResponseDiscordant)) {
      tail.push_back(std::move(*last));
    }
  }
  for (v1::TimelineFinding& finding : redone.Sorted()) tail.push_back(std::move(finding));
  std::sort(tail.begin(), tail.end(), [](const auto& a, const auto& b) {
    return std::tie(a.date(), a.key()) < std::tie(b.date(), b.key());
  });
  for (v1::TimelineFinding& finding : tail) *findings->Add() = std::move(finding);
}

}  // namespace

bool AppendLabs(const Schedule& schedule, const ClinicalRules* clinical,
                const SiteCalendar& calendar, std::vector<v1::Event> fresh, absl::Time now,
                TimelineState* state) {
  if (calendar.DateOf(now) != state->today) return false;  // time passing changes the rest
  if (!state->events_listed) return false;
  SubjectHistory& history = state->history;

  if (!state->resources) {
    state->resources.emplace();
    for (const v1::Event* event : history.stored.events()) {
      state->resources->insert(SourceResourceKey(*event));
    }
  }
  // Only new lab results, dated on or after everything held, that the schedule does not read.
  std::vector<v1::Event> labs;
  for (v1::Event& event : fresh) {
    if (event.source().resource_type() == kDerivedResourceType) continue;
    if (!event.has_lab_result() || Void(event.lab_result().status()) ||
        ReadBySchedule(schedule, event.lab_result().analyte()) ||
        !state->resources->insert(SourceResourceKey(event)).second) {
      return false;
    }
    labs.push_back(std::move(event));
  }
  if (!labs.empty() && history.all.empty()) return false;  // nothing to add to
  std::vector<Dated> added;
  for (v1::Event& lab : labs) {
    const Date date = calendar.DateOf(lab);
    if (date < history.all.back().date) return false;
    history.events.push_back(history.stored.Add(lab));
    added.push_back({history.events.back(), date});
  }
  std::sort(added.begin(), added.end(), EarlierInHistory);

  // Whoever reads the timeline now keeps the one it has.
  if (state->timeline.use_count() > 1) {
    state->timeline = std::make_shared<v1::Timeline>(*state->timeline);
  }
  v1::Timeline& timeline = *state->timeline;
  timeline.set_computed_at(absl::FormatTime(absl::RFC3339_sec, now, absl::UTCTimeZone()));
  state->changed_from.reset();
  if (added.empty()) return true;
  const Date from = added.front().date;
  state->changed_from = from;

  // The new events in place: in the history's views, and in the timeline's events (parallel to
  // history.all).
  for (const Dated& lab : added) {
    history.labs.insert(std::upper_bound(history.labs.begin(), history.labs.end(), lab,
                                         EarlierInHistory),
                        lab);
    const auto at =
        std::upper_bound(history.all.begin(), history.all.end(), lab, EarlierInHistory);
    const int index = static_cast<int>(at - history.all.begin());
    history.all.insert(at, lab);
    auto* events = timeline.mutable_events();
    v1::TimelineEvent* placed = events->Add();
    placed->set_event_id(lab.event->event_id());
    placed->set_kind("lab_result");
    placed->set_date(FormatDate(lab.date));
    *placed->mutable_position() = state->plan.PositionAt(schedule, lab.date);
    for (int i = events->size() - 1; i > index; --i) events->SwapElements(i, i - 1);
  }

  FindingList redone;
  const EngineContext context{schedule, history, state->today, &redone};
  for (size_t i = 0; i < schedule.phases().size(); ++i) {
    const Phase& phase = schedule.phases()[i];
    if (phase.kind != PhaseKind::kFollowUp || !state->plan.spans[i].start) continue;
    v1::TimelinePhase visits;
    FillFollowUp(context, phase, state->plan.spans[i], &visits);
    timeline.mutable_phases(static_cast<int>(i))->mutable_visits()->Swap(visits.mutable_visits());
  }
  if (clinical == nullptr || !state->derived) return true;

  ClinicalDerivations& derived = *state->derived;
  if (!RegradeFrom(schedule, *clinical, from, &history, &derived)) return false;
  ReplaceLabToxicities(derived, from, &timeline);
  std::vector<Dated> markers;
  for (const Dated& lab : added) {
    if (IsResponseMarker(lab)) markers.push_back(lab);
  }
  const bool marker = !markers.empty();
  if (marker) {
    if (!AddResponseMarkers(schedule, markers, from, state->plan, &history, &derived,
                            &timeline)) {
      return false;
    }
    // A response reported from `from` on is compared with the derived one of its day.
    AddDiscordanceFindings(context, state->plan, derived, from);
  }
  AddHoldFindings(*clinical, context, state->plan, derived, from);
  AddUnreportedToxicityFindings(*clinical, context, state->plan, derived, from);
  ReplaceFindings(from, marker, redone, &timeline);
  return true;
}

}  // namespace trialgate::schedule
