#include "gateway/schedule/lab_grades.h"

#include <map>
#include <utility>

namespace trialgate::schedule {
namespace {

// The grading table keys its terms by LOINC (codes/labs.json and ctcae-lab-grading.json).
constexpr char kLoincSystem[] = "http://loinc.org";

// The LOINC code to grade `result` by: the code as sent when it is one, else (a study-local code
// of a table analyte) the first LOINC code the grading table lists for the analyte.
const std::string& LoincOf(const ClinicalRules& rules, const v1::LabResult& result) {
  static const std::string* const kNone = new std::string();
  if (result.code().system() == kLoincSystem) return result.code().code();
  if (result.analyte().empty()) return *kNone;
  for (const mappers::CtcaeGradingTerm& term : rules.study->ctcae_grading().terms) {
    if (term.analyte.id == result.analyte() && !term.loinc.empty()) return term.loinc.front().code;
  }
  return *kNone;
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

const std::string& KeyOf(const v1::LabResult& result, const std::string& loinc) {
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
  LabGrading out;
  if (treatment_start) {
    for (const Dated& lab : history.labs) {  // by date: the last one before C1D1 stays
      if (lab.date >= *treatment_start) break;
      const v1::LabResult& result = lab.event->lab_result();
      const std::optional<derivation::Measured> value = ValueOf(result);
      const std::string& key = KeyOf(result, LoincOf(rules, result));
      if (value && !key.empty()) out.baselines[{key, value->unit}] = value->value;
    }
  }
  std::vector<Dated> day;
  for (size_t i = 0; i < history.labs.size(); ++i) {
    day.push_back(history.labs[i]);
    if (i + 1 < history.labs.size() && history.labs[i + 1].date == day.front().date) continue;
    for (LabGrade& grade : GradeLabsOfDay(rules, day, out.baselines)) {
      out.grades.push_back(std::move(grade));
    }
    day.clear();
  }
  return out;
}

std::vector<LabGrade> GradeLabsOfDay(const ClinicalRules& rules, const std::vector<Dated>& day,
                                     const Baselines& baselines) {
  const mappers::CtcaeGradingTable& table = rules.study->ctcae_grading();
  struct Graded {
    Dated lab;
    std::string loinc;
    derivation::Measured value;
  };
  std::vector<Graded> gradable;
  std::optional<derivation::Measured> albumin;  // the day's last, for the calcium correction
  for (const Dated& lab : day) {
    const v1::LabResult& result = lab.event->lab_result();
    const std::string& loinc = LoincOf(rules, result);
    const std::optional<derivation::Measured> value = ValueOf(result);
    if (!value || loinc.empty()) continue;
    if (table.calcium_correction) {
      for (const std::string& code : table.calcium_correction->albumin_loinc) {
        if (code == loinc) albumin = *value;
      }
    }
    if (rules.grader.Grades(loinc)) gradable.push_back({lab, loinc, *value});
  }

  std::vector<LabGrade> grades;
  for (const Graded& graded : gradable) {
    const v1::LabResult& result = graded.lab.event->lab_result();
    derivation::LabValue value;
    value.loinc = graded.loinc;
    value.value = graded.value.value;
    value.unit = graded.value.unit;
    if (result.reference_range().has_low()) value.low = result.reference_range().low();
    if (result.reference_range().has_high()) value.high = result.reference_range().high();
    auto base = baselines.find({KeyOf(result, graded.loinc), graded.value.unit});
    if (base != baselines.end()) value.baseline = base->second;
    value.albumin = albumin;
    // Only toxicities: a timeline keeps nothing of a grade 0 (KeepLabGrade).
    for (derivation::TermGrade& grade : rules.grader.Toxicities(value)) {
      grades.push_back({graded.lab, KeyOf(result, graded.loinc), std::move(grade)});
    }
  }
  return grades;
}

v1::ToxicityGraded ToToxicityGraded(const LabGrade& lab_grade) {
  const derivation::TermGrade& grade = lab_grade.grade;
  v1::ToxicityGraded out;
  out.set_analyte(lab_grade.analyte);
  out.set_term(grade.term);
  out.set_meddra_code(grade.meddra_code);
  out.set_grade(grade.grade.value_or(0));
  out.set_lab_event_id(lab_grade.lab.event->event_id());
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
