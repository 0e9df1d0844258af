#include "gateway/schedule/clinical_timeline.h"

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/schedule/finding_codes.h"
#include "gateway/schedule/findings.h"
#include "gateway/schedule/treatment_findings.h"
#include "mappers/response_criteria.h"

namespace trialgate::schedule {
namespace {

derivation::ResponseInput ResponseInputOf(const SubjectHistory& history,
                                          const ClinicalDerivations& derived) {
  derivation::ResponseInput input;
  for (const Dated& lab : history.labs) {
    if (IsResponseMarker(lab)) input.results.push_back(MarkerResultOf(lab));
  }
  if (derived.treatment_start) input.treatment_start = FormatDate(*derived.treatment_start);
  if (!history.transplants.empty()) {
    input.transplant_date = FormatDate(history.transplants.front().date);
  }
  if (derived.new_therapy) input.new_therapy_date = FormatDate(*derived.new_therapy);
  input.as_known_then = true;
  return input;
}

const char* ConfirmedText(bool confirmed) { return confirmed ? "confirmed" : "unconfirmed"; }

// The derived assessment on `date`, else the latest before it; nullptr when none.
const derivation::ResponseAssessment* AssessmentAtOrBefore(
    const derivation::ResponseDerivation& responses, Date date) {
  const derivation::ResponseAssessment* found = nullptr;
  for (const derivation::ResponseAssessment& assessment : responses.assessments) {
    const std::optional<Date> at = ParseDate(assessment.date);
    if (!at || *at > date) break;
    found = &assessment;
  }
  return found;
}

}  // namespace

bool IsResponseMarker(const Dated& lab) {
  return mappers::IsResponseMarker(lab.event->lab_result().analyte());
}

derivation::MarkerResult MarkerResultOf(const Dated& lab) {
  const v1::LabResult& result = lab.event->lab_result();
  derivation::MarkerResult marker;
  marker.date = FormatDate(lab.date);
  marker.analyte = result.analyte();
  if (result.has_value()) marker.value = result.value();
  if (!result.value_code().code().empty()) {
    marker.value_code = absl::StrCat(result.value_code().system(), "|", result.value_code().code());
  }
  marker.value_text = result.value_text();
  marker.event_id = lab.event->event_id();
  return marker;
}

v1::ResponseAssessed ToResponseAssessed(const derivation::ResponseAssessment& assessment) {
  v1::ResponseAssessed out;
  out.set_category(assessment.category);
  for (const std::string& id : assessment.evidence_event_ids) out.add_evidence_event_ids(id);
  out.set_confirmed(assessment.confirmed);
  out.set_response_date(assessment.response_date);
  out.set_assessment_date(assessment.date);
  out.set_rule(assessment.rule);
  for (const derivation::MarkerEvidence& marker : assessment.evidence) {
    v1::ResponseEvidence* evidence = out.add_evidence();
    evidence->set_marker(marker.marker);
    if (marker.value) evidence->set_value(*marker.value);
    if (marker.baseline) evidence->set_baseline(*marker.baseline);
    if (marker.nadir) evidence->set_nadir(*marker.nadir);
    if (marker.change_from_baseline_percent) {
      evidence->set_change_from_baseline_percent(*marker.change_from_baseline_percent);
    }
    if (marker.change_from_nadir_percent) {
      evidence->set_change_from_nadir_percent(*marker.change_from_nadir_percent);
    }
    evidence->set_unit(marker.unit);
    evidence->set_text(marker.text);
  }
  return out;
}

void KeepLabGrade(LabGrade grade, ClinicalDerivations* derived) {
  if (grade.grade.grade.value_or(0) < 1) return;
  derived->grades_of_lab[grade.lab.event->event_id()].push_back(grade.grade);
  if (grade.lab.date >= *derived->treatment_start) derived->toxicities.push_back(std::move(grade));
}

const v1::Event& MakeToxicityEvent(const LabGrade& grade, ClinicalDerivations* derived) {
  v1::Event& event = derived->made.emplace_back();
  event.set_event_id(grade.lab.event->event_id());
  *event.mutable_toxicity_graded() = ToToxicityGraded(grade);
  return event;
}

std::optional<Date> GateDate(const derivation::ResponseAssessment& assessment) {
  if (!assessment.confirmed || assessment.category == "NE") return std::nullopt;
  // Dated when it became known: the confirming assessment, not the response date.
  return ParseDate(assessment.date);
}

std::vector<Dated> ConfirmedResponses(ClinicalDerivations* derived) {
  std::vector<Dated> confirmed;
  for (const derivation::ResponseAssessment& assessment : derived->responses().assessments) {
    const std::optional<Date> date = GateDate(assessment);
    if (!date) continue;
    v1::Event& event = derived->made.emplace_back();
    *event.mutable_response_assessed() = ToResponseAssessed(assessment);
    confirmed.push_back({&event, *date});
  }
  return confirmed;
}

ClinicalDerivations DeriveClinical(const ClinicalRules& rules, const Schedule& schedule,
                                   SubjectHistory* history) {
  ClinicalDerivations derived;
  derived.treatment_start = TreatmentStart(schedule, *history);
  if (derived.treatment_start) {
    LabGrading grading = GradeLabs(rules, *history, derived.treatment_start);
    derived.baselines = std::move(grading.baselines);
    for (LabGrade& grade : grading.grades) KeepLabGrade(std::move(grade), &derived);
  }
  for (const LabGrade& grade : derived.toxicities) {
    history->toxicities.push_back({&MakeToxicityEvent(grade, &derived), grade.lab.date});
  }
  std::stable_sort(history->toxicities.begin(), history->toxicities.end(),
                   [](const Dated& a, const Dated& b) { return a.date < b.date; });

  derived.new_therapy = FirstNewTherapy(rules.study->treatment_rules(), *history);
  derived.response_deriver = std::make_unique<derivation::ResponseDeriver>(
      rules.study->response_criteria(), ResponseInputOf(*history, derived));
  history->derived_responses = ConfirmedResponses(&derived);
  return derived;
}

void AddClinicalFindings(const ClinicalRules& rules, const EngineContext& context,
                         const PhasePlan& plan, const ClinicalDerivations& derived,
                         v1::Timeline* timeline) {
  AddHoldFindings(rules, context, plan, derived);
  AddUnreportedToxicityFindings(rules, context, plan, derived);
  AddProhibitedFindings(rules, context, plan, timeline);
  AddDiscordanceFindings(context, plan, derived);
}

void AddDiscordanceFindings(const EngineContext& context, const PhasePlan& plan,
                            const ClinicalDerivations& derived, std::optional<Date> from) {
  for (const Dated& reported : context.history.responses) {
    if (from && reported.date < *from) continue;
    const std::string& category = reported.event->response_assessed().category();
    const derivation::ResponseAssessment* assessment =
        AssessmentAtOrBefore(derived.responses(), reported.date);
    if (assessment == nullptr || assessment->category == "NE" ||
        assessment->category == category) {
      continue;
    }
    context.findings->Add(
        MakeFinding(kResponseDiscordant, v1::Finding::WARNING,
                    absl::StrCat("The site reported ", category, " on ", FormatDate(reported.date),
                                 "; the labs give ", assessment->category, " (",
                                 ConfirmedText(assessment->confirmed), ") on ", assessment->date,
                                 ": ", assessment->rule),
                    "imwg-response.json"),
        absl::StrCat(SourceResourceKey(*reported.event), "/discordant"),
        reported.event->event_id(), reported.date,
        plan.PositionAt(context.schedule, reported.date));
  }
}

v1::TimelineResponse DerivedResponseEntry(const derivation::ResponseAssessment& assessment) {
  v1::TimelineResponse entry;
  entry.set_origin("derived");
  entry.set_date(assessment.date);
  *entry.mutable_response() = ToResponseAssessed(assessment);
  return entry;
}

v1::TimelineToxicity LabToxicityEntry(const LabGrade& grade) {
  v1::TimelineToxicity entry;
  entry.set_origin("lab");
  entry.set_date(FormatDate(grade.lab.date));
  entry.set_event_id(grade.lab.event->event_id());
  entry.set_term(grade.grade.term);
  entry.set_meddra_code(grade.grade.meddra_code);
  entry.set_grade(grade.grade.grade.value_or(0));
  *entry.mutable_lab() = ToToxicityGraded(grade);
  return entry;
}

void FillClinical(const EngineContext& context, const ClinicalDerivations& derived,
                  v1::Timeline* timeline) {
  std::vector<v1::TimelineResponse> responses;
  for (const Dated& reported : context.history.responses) {
    v1::TimelineResponse& entry = responses.emplace_back();
    entry.set_origin("reported");
    entry.set_date(FormatDate(reported.date));
    entry.set_event_id(reported.event->event_id());
    *entry.mutable_response() = reported.event->response_assessed();
  }
  for (const derivation::ResponseAssessment& assessment : derived.responses().assessments) {
    responses.push_back(DerivedResponseEntry(assessment));
  }
  std::stable_sort(responses.begin(), responses.end(), [](const auto& a, const auto& b) {
    return a.date() < b.date();
  });
  for (v1::TimelineResponse& entry : responses) *timeline->add_responses() = std::move(entry);
  timeline->set_responses_not_derived(derived.responses().not_derived);

  std::vector<v1::TimelineToxicity> toxicities;
  for (const Dated& toxicity : context.history.toxicities) {
    if (!toxicity.event->has_adverse_event_reported()) continue;
    const v1::AdverseEventReported& ae = toxicity.event->adverse_event_reported();
    v1::TimelineToxicity& entry = toxicities.emplace_back();
    entry.set_origin("reported");
    entry.set_date(FormatDate(toxicity.date));
    entry.set_event_id(toxicity.event->event_id());
    entry.set_term(ae.term());
    entry.set_meddra_code(ae.meddra_code());
    entry.set_grade(ae.grade());
  }
  for (const LabGrade& grade : derived.toxicities) toxicities.push_back(LabToxicityEntry(grade));
  std::stable_sort(toxicities.begin(), toxicities.end(), [](const auto& a, const auto& b) {
    return a.date() < b.date();
  });
  for (v1::TimelineToxicity& entry : toxicities) *timeline->add_toxicities() = std::move(entry);
}

}  // namespace trialgate::schedule
