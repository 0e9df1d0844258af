#include "gateway/derivation/lab_grader.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/derivation/corrected_calcium.h"
#include "gateway/derivation/grade_rules.h"
#include "gateway/derivation/term_units.h"

namespace trialgate::derivation {
namespace {

using mappers::CtcaeGradingTerm;
using mappers::GradingForm;
using mappers::GradingRules;

std::optional<double> Scaled(const std::optional<double>& value, double factor) {
  if (!value) return std::nullopt;
  return *value * factor;
}

// Baseline-abnormal when the baseline is above the result's ULN (the table's
// baselineAbnormalWhen); an unknown baseline counts as normal, as in admiral.
const GradingRules& ChooseForm(const CtcaeGradingTerm& term, const GradeInputs& inputs,
                               std::string* form_name) {
  if (term.forms.size() == 1) {
    *form_name = "any";
    return term.forms[0];
  }
  const bool abnormal = inputs.baseline && inputs.uln &&
                        Signif12(*inputs.baseline) > Signif12(*inputs.uln);
  *form_name = abnormal ? "baseline abnormal" : "baseline normal";
  return term.forms[abnormal ? 1 : 0];
}

}  // namespace

LabGrader::LabGrader(std::shared_ptr<const mappers::Study> study) : study_(std::move(study)) {
  for (const CtcaeGradingTerm& term : study_->ctcae_grading().terms) {
    for (const mappers::GradedCode& code : term.loinc) by_loinc_[code.code].push_back(&term);
    absl::StatusOr<double> factor =
        UnitFactor(term.analyte.unit, term.unit, term.analyte, study_->units());
    if (factor.ok()) canonical_factors_[&term] = *factor;
  }
}

absl::StatusOr<double> LabGrader::FactorTo(const CtcaeGradingTerm& term,
                                           const std::string& unit) const {
  if (unit == term.analyte.unit) {
    if (auto it = canonical_factors_.find(&term); it != canonical_factors_.end()) {
      return it->second;
    }
  }
  return UnitFactor(unit, term.unit, term.analyte, study_->units());
}

bool LabGrader::Grades(std::string_view loinc) const {
  return by_loinc_.find(loinc) != by_loinc_.end();
}

std::vector<TermGrade> LabGrader::Grade(const LabValue& lab) const {
  std::vector<TermGrade> out;
  auto it = by_loinc_.find(lab.loinc);
  if (it == by_loinc_.end()) return out;
  for (const CtcaeGradingTerm* term : it->second) out.push_back(*GradeTerm(*term, lab, true));
  return out;
}

std::vector<TermGrade> LabGrader::Toxicities(const LabValue& lab) const {
  std::vector<TermGrade> out;
  auto it = by_loinc_.find(lab.loinc);
  if (it == by_loinc_.end()) return out;
  for (const CtcaeGradingTerm* term : it->second) {
    if (std::optional<TermGrade> grade = GradeTerm(*term, lab, false)) {
      out.push_back(*std::move(grade));
    }
  }
  return out;
}

std::optional<TermGrade> LabGrader::GradeTerm(const CtcaeGradingTerm& term, const LabValue& lab,
                                              bool keep_below_1) const {
  TermGrade out;
  // The term's own texts are copied into the answer only once it is kept.
  auto describe_term = [&] {
    out.term = term.term;
    out.meddra_code = term.meddra_code;
    out.unit = term.unit;
  };
  out.worst_case = term.worst_case;
  for (const mappers::GradedCode& code : term.loinc) {
    if (code.code == lab.loinc) out.unconfirmed_code = code.unconfirmed;
  }
  const mappers::UnitTable& units = study_->units();
  absl::StatusOr<double> factor = FactorTo(term, lab.unit);
  if (!factor.ok()) {
    if (!keep_below_1) return std::nullopt;
    describe_term();
    out.not_gradable = std::string(factor.status().message());
    return out;
  }
  GradeInputs inputs{lab.value * *factor, Scaled(lab.low, *factor), Scaled(lab.high, *factor),
                     Scaled(lab.baseline, *factor)};

  const auto& correction = study_->ctcae_grading().calcium_correction;
  std::optional<double> albumin_used;  // in the correction's unit, when calcium was corrected
  if (term.corrected_calcium && correction && lab.albumin) {
    absl::StatusOr<double> to_calcium =
        UnitFactor(term.unit, correction->calcium_unit, term.analyte, units);
    const std::optional<std::string> albumin_unit = units.Resolve(lab.albumin->unit);
    std::optional<double> albumin;
    if (albumin_unit) {
      albumin = units.Convert(lab.albumin->value, *albumin_unit, correction->albumin_unit);
    }
    if (!to_calcium.ok() || !albumin) {
      if (!keep_below_1) return std::nullopt;
      describe_term();
      out.not_gradable = absl::StrCat("albumin unit '", lab.albumin->unit, "' does not convert to ",
                                      correction->albumin_unit, " for calcium correction");
      return out;
    }
    const double calcium = inputs.value * *to_calcium;
    inputs.value = CorrectedCalcium(*correction, calcium, *albumin) / *to_calcium;
    out.calcium_corrected = true;
    albumin_used = *albumin;
  }
  auto describe_inputs = [&] {
    out.value = Signif12(inputs.value);
    out.lln = inputs.lln;
    out.uln = inputs.uln;
    out.baseline = inputs.baseline;
  };

  if ((term.requires_uln && !inputs.uln) || (term.requires_lln && !inputs.lln)) {
    if (!keep_below_1) return std::nullopt;
    describe_term();
    describe_inputs();
    out.not_gradable = absl::StrCat(term.term, " is graded against the ",
                                    term.requires_uln && !inputs.uln ? "ULN" : "LLN",
                                    ", which is unknown");
    return out;
  }
  const GradingRules& form = ChooseForm(term, inputs, &out.form);
  RuleOutcome outcome = ApplyRules(form, inputs, term.unit, keep_below_1);
  if (!keep_below_1 && outcome.grade.value_or(0) < 1) return std::nullopt;
  describe_term();
  describe_inputs();
  if (!outcome.grade) {
    out.not_gradable = std::move(outcome.text);
    return out;
  }
  out.grade = outcome.grade;
  std::string corrected_note;
  if (albumin_used) {
    corrected_note = absl::StrCat("corrected calcium (", correction->formula, "; albumin ",
                                  Signif12(*albumin_used), " ", correction->albumin_unit, "): ");
  } else if (term.corrected_calcium) {
    corrected_note = "total calcium, not corrected (no albumin of the same sample): ";
  }
  out.rule = absl::StrCat(corrected_note, outcome.text);
  if (out.form != "any") out.rule = absl::StrCat(out.form, ": ", out.rule);
  return out;
}

}  // namespace trialgate::derivation
