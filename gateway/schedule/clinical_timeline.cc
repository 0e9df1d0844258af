#include "gateway/schedule/clinical_timeline.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/derivation/treatment_checks.h"
#include "gateway/schedule/finding_codes.h"
#include "gateway/schedule/findings.h"

namespace trialgate::schedule {
namespace {

// The analytes the response criteria read (clinical-derivations.md part A).
const std::set<std::string>& ResponseMarkers() {
  static const auto* markers = new std::set<std::string>{
      "serum_m_protein", "urine_m_protein_24h", "flc_kappa", "flc_lambda",
      "serum_ife",       "urine_ife",           "bm_plasma_cells"};
  return *markers;
}

std::optional<Date> ParseDate(const std::string& text) {
  Date date;
  if (text.empty() || !absl::ParseCivilTime(text, &date)) return std::nullopt;
  return date;
}

derivation::ResponseInput ResponseInputOf(const SubjectHistory& history,
                                          std::optional<Date> treatment_start,
                                          std::optional<Date> new_therapy) {
  derivation::ResponseInput input;
  for (const Dated& lab : history.labs) {
    const v1::LabResult& result = lab.event->lab_result();
    if (ResponseMarkers().count(result.analyte()) == 0) continue;
    derivation::MarkerResult& marker = input.results.emplace_back();
    marker.date = FormatDate(lab.date);
    marker.analyte = result.analyte();
    if (result.has_value()) marker.value = result.value();
    if (!result.value_code().code().empty()) {
      marker.value_code = absl::StrCat(result.value_code().system(), "|", result.value_code().code());
    }
    marker.value_text = result.value_text();
    marker.event_id = lab.event->event_id();
  }
  if (treatment_start) input.treatment_start = FormatDate(*treatment_start);
  if (!history.transplants.empty()) {
    input.transplant_date = FormatDate(history.transplants.front().date);
  }
  if (new_therapy) input.new_therapy_date = FormatDate(*new_therapy);
  input.as_known_then = true;
  return input;
}

std::vector<derivation::Coding> CodingsOf(const v1::DoseAdministered& dose) {
  const v1::CodedValue& medication = dose.medication();
  return {derivation::Coding{medication.system(), medication.code(), medication.display()}};
}

bool Given(const v1::DoseAdministered& dose) {
  switch (dose.status()) {
    case v1::DoseAdministered::NOT_DONE:
    case v1::DoseAdministered::ON_HOLD:
    case v1::DoseAdministered::ENTERED_IN_ERROR:
      return false;
    default:
      return true;
  }
}

// The first dose of another anti-myeloma therapy, judged without phases (the plan needs the
// responses first): a drug allowed in some phase (melphalan for conditioning) does not count.
std::optional<Date> FirstNewTherapy(const mappers::TreatmentRules& rules,
                                    const SubjectHistory& history) {
  for (const Dated& event : history.all) {
    if (!event.event->has_dose_administered()) continue;
    const v1::DoseAdministered& dose = event.event->dose_administered();
    if (!Given(dose)) continue;
    const auto match = derivation::MatchProhibited(rules, CodingsOf(dose), "");
    if (match && !match->phase_unknown) return event.date;
  }
  return std::nullopt;
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

// The last value of `analyte` before treatment starts, in the study's unit.
std::optional<double> BaselineOf(const SubjectHistory& history, const std::string& analyte,
                                 std::optional<Date> treatment_start) {
  std::optional<double> baseline;
  if (!treatment_start) return baseline;
  for (const Dated& lab : history.labs) {
    if (lab.date >= *treatment_start) break;
    const v1::LabResult& result = lab.event->lab_result();
    if (result.analyte() == analyte && result.has_value()) baseline = result.value();
  }
  return baseline;
}

// The analytes each agent's withhold rules read: only those are gathered before its doses.
std::map<std::string, std::set<std::string>> AnalytesOfRules(const ClinicalRules& rules) {
  std::map<std::string, std::set<std::string>> analytes;
  for (const mappers::WithholdRule& rule : rules.study->treatment_rules().withhold) {
    if (rule.condition != mappers::WithholdCondition::kGradeAtLeast) {
      analytes[rule.agent].insert(rule.analyte);
      continue;
    }
    for (const mappers::CtcaeGradingTerm& term : rules.study->ctcae_grading().terms) {
      if (term.meddra_code == rule.meddra_code) analytes[rule.agent].insert(term.analyte.id);
    }
  }
  return analytes;
}

void AddHoldFindings(const ClinicalRules& rules, const EngineContext& context,
                     const PhasePlan& plan, const ClinicalDerivations& derived) {
  const mappers::TreatmentRules& treatment = rules.study->treatment_rules();
  const std::map<std::string, std::set<std::string>> analytes_of_agent = AnalytesOfRules(rules);
  if (analytes_of_agent.empty()) return;
  std::map<std::string, std::optional<double>> baselines;
  // Labs and doses are both by date: walk the labs along with the doses.
  std::map<std::string, const Dated*> latest;  // analyte -> its latest result so far
  size_t next_lab = 0;
  const std::vector<Dated>& labs = context.history.labs;
  for (const Dated& dose : context.history.given_doses) {
    const v1::Event& dose_event = *dose.event;
    // A lab counts when drawn before the dose: an earlier day, or the same day at or before it.
    while (next_lab < labs.size() &&
           (labs[next_lab].date < dose.date ||
            (labs[next_lab].date == dose.date &&
             labs[next_lab].event->occurred_at().seconds() <= dose_event.occurred_at().seconds()))) {
      const v1::LabResult& result = labs[next_lab].event->lab_result();
      if (!result.analyte().empty() && result.has_value()) latest[result.analyte()] = &labs[next_lab];
      ++next_lab;
    }
    const std::string& agent = dose_event.dose_administered().agent();
    const auto needed = analytes_of_agent.find(agent);
    if (needed == analytes_of_agent.end()) continue;
    std::vector<derivation::LatestLab> before;
    for (const std::string& analyte : needed->second) {
      const auto found = latest.find(analyte);
      if (found == latest.end()) continue;
      const Dated* lab = found->second;
      const v1::LabResult& result = lab->event->lab_result();
      derivation::LatestLab& entry = before.emplace_back();
      entry.analyte = analyte;
      entry.date = FormatDate(lab->date);
      entry.value = result.value();
      entry.unit = result.unit();
      auto base = baselines.find(analyte);
      if (base == baselines.end()) {
        base = baselines.emplace(analyte, BaselineOf(context.history, analyte,
                                                     derived.treatment_start)).first;
      }
      entry.baseline = base->second;
      if (auto grades = derived.grades_of_lab.find(lab->event->event_id());
          grades != derived.grades_of_lab.end()) {
        entry.grades = grades->second;
      }
      entry.event_id = lab->event->event_id();
    }
    for (const derivation::HoldViolation& violation :
         derivation::CheckWithhold(treatment, agent, before)) {
      context.findings->Add(
          MakeFinding(kDoseGivenDespiteHold, v1::Finding::MAJOR,
                      absl::StrCat(agent, " was given on ", FormatDate(dose.date),
                                   " although the latest lab before it meets its withhold rule: ",
                                   violation.rule, "."),
                      absl::StrCat("withhold-rules.json: ", violation.source)),
          absl::StrCat(SourceResourceKey(dose_event), "/hold/", violation.lab_event_id),
          dose_event.event_id(), dose.date, plan.PositionAt(context.schedule, dose.date));
    }
  }
}

void AddUnreportedToxicityFindings(const ClinicalRules& rules, const EngineContext& context,
                                   const PhasePlan& plan, const ClinicalDerivations& derived) {
  std::vector<derivation::LabToxicity> toxicities;
  for (const LabGrade& grade : derived.toxicities) {
    toxicities.push_back({grade.grade.term, grade.grade.meddra_code, grade.grade.grade.value_or(0),
                          FormatDate(grade.lab->date), grade.lab->event->event_id()});
  }
  std::vector<derivation::ReportedAdverseEvent> reported;
  for (const Dated& toxicity : context.history.toxicities) {
    if (!toxicity.event->has_adverse_event_reported()) continue;
    const v1::AdverseEventReported& ae = toxicity.event->adverse_event_reported();
    reported.push_back({ae.term(), ae.meddra_code(), FormatDate(toxicity.date)});
  }
  const mappers::TreatmentRules& treatment = rules.study->treatment_rules();
  for (const derivation::LabToxicity& missing : derivation::FindUnreportedToxicities(
           treatment, toxicities, reported, FormatDate(context.today))) {
    const Date date = ParseDate(missing.date).value_or(context.today);
    context.findings->Add(
        MakeFinding(kAeNotReported, v1::Finding::WARNING,
                    absl::StrCat("The lab result of ", missing.date, " is ", missing.term,
                                 " grade ", missing.grade, " (derived from the lab), but no adverse "
                                 "event of that term was reported within ",
                                 treatment.ae_reporting_window_days, " days of it."),
                    "concomitant-medications.json aeReporting"),
        absl::StrCat(missing.lab_event_id, "/", missing.meddra_code), missing.lab_event_id, date,
        plan.PositionAt(context.schedule, date));
  }
}

void AddProhibitedFindings(const ClinicalRules& rules, const EngineContext& context,
                           const PhasePlan& plan, v1::Timeline* timeline) {
  const mappers::TreatmentRules& treatment = rules.study->treatment_rules();
  const std::vector<Phase>& phases = context.schedule.phases();
  for (const Dated& event : context.history.all) {
    if (!event.event->has_dose_administered()) continue;
    const v1::DoseAdministered& dose = event.event->dose_administered();
    if (!Given(dose)) continue;
    const int index = plan.PhaseAt(context.schedule, event.date);
    const std::string phase = index < 0 ? "" : phases[index].id;
    const std::optional<derivation::ProhibitedMatch> match =
        derivation::MatchProhibited(treatment, CodingsOf(dose), phase);
    if (!match) continue;
    if (timeline->new_therapy_date().empty()) {
      timeline->set_new_therapy_date(FormatDate(event.date));
      timeline->set_new_therapy_event_id(event.event->event_id());
    }
    context.findings->Add(
        MakeFinding(kProhibitedMedication, v1::Finding::MAJOR,
                    absl::StrCat(dose.medication().display().empty() ? match->matched
                                                                     : dose.medication().display(),
                                 " (", match->therapy_class, ") was given on ",
                                 FormatDate(event.date), phase.empty() ? "" : " in ", phase,
                                 ": another anti-myeloma therapy while on study. It counts as the "
                                 "start of new anti-myeloma therapy."),
                    absl::StrCat("concomitant-medications.json: ", match->source)),
        absl::StrCat(SourceResourceKey(*event.event), "/prohibited"), event.event->event_id(),
        event.date, plan.PositionAt(context.schedule, event.date));
  }
}

void AddDiscordanceFindings(const EngineContext& context, const PhasePlan& plan,
                            const ClinicalDerivations& derived) {
  if (!derived.responses_reported) return;
  for (const Dated& reported : context.history.responses) {
    const std::string& category = reported.event->response_assessed().category();
    const derivation::ResponseAssessment* assessment =
        AssessmentAtOrBefore(derived.responses, reported.date);
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

}  // namespace

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

ClinicalDerivations DeriveClinical(const ClinicalRules& rules, const Schedule& schedule,
                                   SubjectHistory* history) {
  ClinicalDerivations derived;
  derived.treatment_start = TreatmentStart(schedule, *history);
  if (derived.treatment_start) {
    for (LabGrade& grade : GradeLabs(rules, *history, derived.treatment_start)) {
      if (grade.grade.grade.value_or(0) < 1) continue;
      derived.grades_of_lab[grade.lab->event->event_id()].push_back(grade.grade);
      if (grade.lab->date >= *derived.treatment_start) derived.toxicities.push_back(std::move(grade));
    }
  }
  for (const LabGrade& grade : derived.toxicities) {
    v1::Event& event = derived.made.emplace_back();
    event.set_event_id(grade.lab->event->event_id());
    *event.mutable_toxicity_graded() = ToToxicityGraded(grade);
    history->toxicities.push_back({&event, grade.lab->date});
  }
  std::stable_sort(history->toxicities.begin(), history->toxicities.end(),
                   [](const Dated& a, const Dated& b) { return a.date < b.date; });

  derived.responses = derivation::DeriveResponse(
      rules.study->response_criteria(),
      ResponseInputOf(*history, derived.treatment_start,
                      FirstNewTherapy(rules.study->treatment_rules(), *history)));
  derived.responses_reported = !history->responses.empty();
  if (!derived.responses_reported) {
    for (const derivation::ResponseAssessment& assessment : derived.responses.assessments) {
      const std::optional<Date> date = ParseDate(assessment.date);
      if (!assessment.confirmed || assessment.category == "NE" || !date) continue;
      v1::Event& event = derived.made.emplace_back();
      *event.mutable_response_assessed() = ToResponseAssessed(assessment);
      // Dated when it became known: the confirming assessment, not the response date.
      history->responses.push_back({&event, *date});
    }
  }
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

void FillClinical(const EngineContext& context, const ClinicalDerivations& derived,
                  v1::Timeline* timeline) {
  std::vector<v1::TimelineResponse> responses;
  if (derived.responses_reported) {
    for (const Dated& reported : context.history.responses) {
      v1::TimelineResponse& entry = responses.emplace_back();
      entry.set_origin("reported");
      entry.set_date(FormatDate(reported.date));
      entry.set_event_id(reported.event->event_id());
      *entry.mutable_response() = reported.event->response_assessed();
    }
  }
  for (const derivation::ResponseAssessment& assessment : derived.responses.assessments) {
    v1::TimelineResponse& entry = responses.emplace_back();
    entry.set_origin("derived");
    entry.set_date(assessment.date);
    *entry.mutable_response() = ToResponseAssessed(assessment);
  }
  std::stable_sort(responses.begin(), responses.end(), [](const auto& a, const auto& b) {
    return a.date() < b.date();
  });
  for (v1::TimelineResponse& entry : responses) *timeline->add_responses() = std::move(entry);

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
  for (const LabGrade& grade : derived.toxicities) {
    v1::TimelineToxicity& entry = toxicities.emplace_back();
    entry.set_origin("lab");
    entry.set_date(FormatDate(grade.lab->date));
    entry.set_event_id(grade.lab->event->event_id());
    entry.set_term(grade.grade.term);
    entry.set_meddra_code(grade.grade.meddra_code);
    entry.set_grade(grade.grade.grade.value_or(0));
    *entry.mutable_lab() = ToToxicityGraded(grade);
  }
  std::stable_sort(toxicities.begin(), toxicities.end(), [](const auto& a, const auto& b) {
    return a.date() < b.date();
  });
  for (v1::TimelineToxicity& entry : toxicities) *timeline->add_toxicities() = std::move(entry);
}

}  // namespace trialgate::schedule
