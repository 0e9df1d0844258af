#include "gateway/schedule/lab_grades.h"

#include <map>
#include <utility>

namespace trialgate::schedule {
namespace {

// The grading table keys its terms by LOINC (codes/labs.json and ctcae-lab-grading.json).
constexpr char kLoincSystem[] = "http://loinc.org";

// The LOINC code to grade `result` by: the code as sent when it is one, else (a study-local code
// of a table analyte) the first LOINC code the grading table lists for the analyte.
std::string LoincOf(const ClinicalRules& rules, const v1::LabResult& result) {
  if (result.code().system() == kLoincSystem) return result.code().code();
  if (result.analyte().empty()) return "";
  for (const mappers::CtcaeGradingTerm& term : rules.study->ctcae_grading().terms) {
    if (term.analyte.id == result.analyte() && !term.loinc.empty()) return term.loinc.front().code;
  }
  return "";
}

// The result's value and unit: normalised to the study's unit for a table analyte, as sent
// otherwise. nullopt without a number.
std::optional<derivation::Measured> ValueOf(const v1::LabResult& result) {
  if (result.has_value()) return derivation::Measured{result.value(), result.unit()};
  if (result.has_value_as_sent() && !result.value_as_sent().unit().empty()) {
    return derivation::Measured{result.value_as_sent().value(), result.value_as_sent().unit()};
  }
  return std::nullopt;
}

std::string KeyOf(const v1::LabResult& result, const std::string& loinc) {
  return result.analyte().empty() ? loinc : result.analyte();
}

}  // namespace

std::optional<Date> TreatmentStart(const Schedule& schedule, const SubjectHistory& history) {
  const Phase* first = nullptr;
  for (const Phase& phase : schedule.phases()) {
    if (phase.kind == PhaseKind::kCycles) {
      first = &phase;
      break;
    }
  }
  if (first == nullptr) return std::nullopt;
  for (const Dated& dose : history.given_doses) {  // by date
    if (first->FindRegimen(dose.event->dose_administered().agent()) != nullptr) return dose.date;
  }
  return std::nullopt;
}

LabGrading GradeLabs(const ClinicalRules& rules, const SubjectHistory& history,
                     std::optional<Date> treatment_start) {
  const mappers::CtcaeGradingTable& table = rules.study->ctcae_grading();
  struct Graded {
    const Dated* lab;
    std::string loinc;
    derivation::Measured value;
  };
  std::vector<Graded> gradable;
  LabGrading out;
  // Albumin by date, for the calcium correction.
  std::map<Date, derivation::Measured> albumin;
  for (const Dated& lab : history.labs) {
    const v1::LabResult& result = lab.event->lab_result();
    const std::string loinc = LoincOf(rules, result);
    const std::optional<derivation::Measured> value = ValueOf(result);
    if (!value) continue;
    const std::string key = KeyOf(result, loinc);
    if (treatment_start && lab.date < *treatment_start && !key.empty()) {
      out.baselines[{key, value->unit}] = value->value;  // labs are by date
    }
    if (loinc.empty()) continue;
    if (table.calcium_correction) {
      for (const std::string& code : table.calcium_correction->albumin_loinc) {
        if (code == loinc) albumin[lab.date] = *value;
      }
    }
    if (rules.grader.Grades(loinc)) gradable.push_back({&lab, loinc, *value});
  }

  for (const Graded& graded : gradable) {
    const v1::LabResult& result = graded.lab->event->lab_result();
    derivation::LabValue value;
    value.loinc = graded.loinc;
    value.value = graded.value.value;
    value.unit = graded.value.unit;
    if (result.reference_range().has_low()) value.low = result.reference_range().low();
    if (result.reference_range().has_high()) value.high = result.reference_range().high();
    auto base = out.baselines.find({KeyOf(result, graded.loinc), graded.value.unit});
    if (base != out.baselines.end()) value.baseline = base->second;
    if (auto same_day = albumin.find(graded.lab->date); same_day != albumin.end()) {
      value.albumin = same_day->second;
    }
    for (derivation::TermGrade& grade : rules.grader.Grade(value)) {
      out.grades.push_back({graded.lab, KeyOf(result, graded.loinc), std::move(grade)});
    }
  }
  return out;
}

v1::ToxicityGraded ToToxicityGraded(const LabGrade& lab_grade) {
  const derivation::TermGrade& grade = lab_grade.grade;
  v1::ToxicityGraded out;
  out.set_analyte(lab_grade.analyte);
  out.set_term(grade.term);
  out.set_meddra_code(grade.meddra_code);
  out.set_grade(grade.grade.value_or(0));
  out.set_lab_event_id(lab_grade.lab->event->event_id());
  if (grade.value) out.set_value(*grade.value);
  out.set_unit(grade.unit);
  if (grade.lln) out.set_lln(*grade.lln);
  if (grade.uln) out.set_uln(*grade.uln);
  if (grade.baseline) out.set_baseline(*grade.baseline);
  out.set_rule(grade.rule);
  out.set_form(grade.form);
  out.set_calcium_corrected(grade.calcium_corrected);
  out.set_worst_case(grade.worst_case);
  return out;
}

}  // namespace trialgate::schedule
