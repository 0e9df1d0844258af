#include "gateway/schedule/treatment_findings.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gateway/derivation/treatment_checks.h"
#include "gateway/schedule/finding_codes.h"
#include "gateway/schedule/findings.h"

namespace trialgate::schedule {
namespace {

std::vector<derivation::Coding> CodingsOf(const v1::DoseAdministered& dose) {
  const v1::CodedValue& medication = dose.medication();
  return {derivation::Coding{medication.system(), medication.code(), medication.display()}};
}

// The study's prohibited-therapy answer for each medication and phase, asked once per timeline:
// a subject's doses are a few medications given again and again (a year of daily
// lenalidomide). The answer depends on the coding's system and code, not its display. Keys are
// views of the doses' own strings and of the schedule's phase ids, which outlive the matcher.
class ProhibitedMatcher {
 public:
  explicit ProhibitedMatcher(const mappers::TreatmentRules& rules) : rules_(rules) {}

  const std::optional<derivation::ProhibitedMatch>& Match(const v1::DoseAdministered& dose,
                                                         std::string_view phase) {
    const v1::CodedValue& medication = dose.medication();
    const Key key{medication.system(), medication.code(),
                  absl::string_view(phase.data(), phase.size())};
    auto it = answers_.find(key);
    if (it == answers_.end()) {
      it = answers_.emplace(key, derivation::MatchProhibited(rules_, CodingsOf(dose), phase))
               .first;
    }
    return it->second;
  }

 private:
  using Key = std::tuple<absl::string_view, absl::string_view, absl::string_view>;
  // By code and phase: the system rarely tells two codes apart, and a URL is long to hash
  // (asked once or twice per dose). Equality compares all three.
  struct KeyHash {
    size_t operator()(const Key& key) const {
      return absl::HashOf(std::get<1>(key), std::get<2>(key));
    }
  };
  const mappers::TreatmentRules& rules_;
  absl::flat_hash_map<Key, std::optional<derivation::ProhibitedMatch>, KeyHash> answers_;
};

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

// What the withhold rules read of `analytes`: each one's latest result in `latest` (analyte ->
// its result), with its baseline and lab-derived grades.
std::vector<derivation::LatestLab> LatestLabs(const std::set<std::string>& analytes,
                                              const std::map<std::string, const Dated*>& latest,
                                              const ClinicalDerivations& derived) {
  std::vector<derivation::LatestLab> out;
  for (const std::string& analyte : analytes) {
    const auto found = latest.find(analyte);
    if (found == latest.end()) continue;
    const Dated* lab = found->second;
    const v1::LabResult& result = lab->event->lab_result();
    derivation::LatestLab& entry = out.emplace_back();
    entry.analyte = analyte;
    entry.date = FormatDate(lab->date);
    entry.value = result.value();
    entry.unit = result.unit();
    if (auto base = derived.baselines.find({analyte, result.unit()});
        base != derived.baselines.end()) {
      entry.baseline = base->second;
    }
    if (auto grades = derived.grades_of_lab.find(lab->event->event_id());
        grades != derived.grades_of_lab.end()) {
      entry.grades = grades->second;
    }
    entry.event_id = lab->event->event_id();
  }
  return out;
}

}  // namespace

std::optional<Date> FirstNewTherapy(const mappers::TreatmentRules& rules,
                                    const SubjectHistory& history) {
  ProhibitedMatcher matcher(rules);
  for (const Dated& event : history.all) {
    if (!event.event->has_dose_administered()) continue;
    const v1::DoseAdministered& dose = event.event->dose_administered();
    if (!Given(dose)) continue;
    const auto& match = matcher.Match(dose, "");
    if (match && !match->phase_unknown) return event.date;
  }
  return std::nullopt;
}

void AddHoldFindings(const ClinicalRules& rules, const EngineContext& context,
                     const PhasePlan& plan, const ClinicalDerivations& derived,
                     std::optional<Date> from) {
  const mappers::TreatmentRules& treatment = rules.study->treatment_rules();
  const std::map<std::string, std::set<std::string>> analytes_of_agent = AnalytesOfRules(rules);
  const std::vector<Dated>& doses = context.history.given_doses;  // by date
  if (analytes_of_agent.empty() || (from && (doses.empty() || doses.back().date < *from))) return;
  // Labs and doses are both by date: walk the labs along with the doses.
  std::map<std::string, const Dated*> latest;  // analyte -> its latest result so far
  struct Answer {
    size_t labs_passed;  // next_lab when it was given
    std::vector<derivation::HoldViolation> violations;
  };
  std::map<std::string, Answer> answered;  // agent -> the withhold rules' latest answer
  const std::vector<Dated>& labs = context.history.labs;
  size_t next_lab = 0;
  if (from) {
    // Start the walk at `from`, with the latest result of each analyte before it.
    next_lab = static_cast<size_t>(FirstOnOrAfter(labs, *from) - labs.begin());
    std::set<std::string> wanted;
    for (const auto& [agent, analytes] : analytes_of_agent) wanted.insert(analytes.begin(), analytes.end());
    for (size_t i = next_lab; i > 0 && latest.size() < wanted.size(); --i) {
      const v1::LabResult& result = labs[i - 1].event->lab_result();
      if (result.analyte().empty() || !result.has_value() || !wanted.count(result.analyte())) continue;
      latest.try_emplace(result.analyte(), &labs[i - 1]);
    }
  }
  for (const Dated& dose : doses) {
    if (from && dose.date < *from) continue;
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
    // Doses with no lab drawn between them (daily lenalidomide) see the same latest labs: the
    // rules' answer for the agent is kept until the walk passes another lab.
    auto kept = answered.find(agent);
    if (kept == answered.end() || kept->second.labs_passed != next_lab) {
      const std::vector<derivation::LatestLab> before =
          LatestLabs(needed->second, latest, derived);
      std::vector<derivation::HoldViolation> violations =
          derivation::CheckWithhold(treatment, agent, before);
      kept = answered.insert_or_assign(agent, Answer{next_lab, std::move(violations)}).first;
    }
    for (const derivation::HoldViolation& violation : kept->second.violations) {
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
                                   const PhasePlan& plan, const ClinicalDerivations& derived,
                                   std::optional<Date> from) {
  const int window = rules.study->treatment_rules().ae_reporting_window_days;
  // With `from`: the lab toxicities from it on, and the reports that can cover them (both lists
  // are by date).
  std::vector<derivation::LabToxicity> toxicities;
  auto grade = derived.toxicities.begin();
  if (from) {
    grade = std::lower_bound(derived.toxicities.begin(), derived.toxicities.end(), *from,
                             [](const LabGrade& g, Date date) { return g.lab.date < date; });
  }
  for (; grade != derived.toxicities.end(); ++grade) {
    toxicities.push_back({grade->grade.term, grade->grade.meddra_code,
                          grade->grade.grade.value_or(0), FormatDate(grade->lab.date),
                          grade->lab.event->event_id()});
  }
  if (toxicities.empty()) return;
  std::vector<derivation::ReportedAdverseEvent> reported;
  const std::vector<Dated>& all = context.history.toxicities;
  auto toxicity = from ? FirstOnOrAfter(all, *from - window) : all.begin();
  for (; toxicity != all.end(); ++toxicity) {
    if (!toxicity->event->has_adverse_event_reported()) continue;
    const v1::AdverseEventReported& ae = toxicity->event->adverse_event_reported();
    reported.push_back({ae.term(), ae.meddra_code(), FormatDate(toxicity->date)});
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
  ProhibitedMatcher matcher(treatment);
  for (const Dated& event : context.history.all) {
    if (!event.event->has_dose_administered()) continue;
    const v1::DoseAdministered& dose = event.event->dose_administered();
    if (!Given(dose)) continue;
    const int index = plan.PhaseAt(context.schedule, event.date);
    static const std::string kNoPhase;
    const std::string& phase = index < 0 ? kNoPhase : phases[index].id;
    const std::optional<derivation::ProhibitedMatch>& match = matcher.Match(dose, phase);
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

}  // namespace trialgate::schedule
