#include "gateway/derivation/grade_rules.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace trialgate::derivation {
namespace {

using mappers::Comparison;
using mappers::GradeBasis;
using mappers::GradingRule;

const char* BasisName(GradeBasis basis) {
  switch (basis) {
    case GradeBasis::kUln: return "ULN";
    case GradeBasis::kLln: return "LLN";
    case GradeBasis::kBaseline: return "baseline";
    case GradeBasis::kAbsolute: return "";
  }
  return "";
}

std::optional<double> Basis(GradeBasis basis, const GradeInputs& inputs) {
  switch (basis) {
    case GradeBasis::kAbsolute: return 1.0;
    case GradeBasis::kUln: return inputs.uln;
    case GradeBasis::kLln: return inputs.lln;
    case GradeBasis::kBaseline: return inputs.baseline;
  }
  return std::nullopt;
}

// "< 1.5 10*9/L" or "> 3 x ULN (40 U/L) = 120 U/L".
std::string Threshold(const GradingRule& rule, double basis, const std::string& unit) {
  const double threshold = Signif12(rule.factor * basis);
  if (rule.of == GradeBasis::kAbsolute) {
    return absl::StrCat(mappers::ComparisonText(rule.op), " ", threshold, " ", unit);
  }
  return absl::StrCat(mappers::ComparisonText(rule.op), " ", rule.factor, " x ",
                      BasisName(rule.of), " (", Signif12(basis), " ", unit, ") = ", threshold,
                      " ", unit);
}

}  // namespace

bool Holds(mappers::Comparison op, double value, double threshold) {
  // Rounding to 12 significant digits is monotone, so it can change a comparison only of values
  // within about 1e-11 of each other: values further apart compare as they are, without the
  // rounding (most comparisons of a timeline's lab grading).
  double a = value;
  double b = threshold;
  const double scale = std::max(std::abs(a), std::abs(b));
  if (!(std::isfinite(scale) && std::abs(a - b) > 1e-9 * scale)) {
    a = Signif12(value);
    b = Signif12(threshold);
  }
  switch (op) {
    case Comparison::kLess: return a < b;
    case Comparison::kLessOrEqual: return a <= b;
    case Comparison::kGreater: return a > b;
    case Comparison::kGreaterOrEqual: return a >= b;
  }
  return false;
}

double Signif12(double x) {
  // What printf("%.12g") then strtod give (both correctly rounded), without the locale-aware
  // printf machinery: this runs for every rule of every lab result a timeline grades.
  char buffer[32];
  const std::to_chars_result written =
      std::to_chars(buffer, buffer + sizeof(buffer), x, std::chars_format::general, 12);
  double rounded = x;
  std::from_chars(buffer, written.ptr, rounded);
  return rounded;
}

RuleOutcome ApplyRules(const mappers::GradingRules& form, const GradeInputs& inputs,
                       const std::string& unit, bool explain_below_1) {
  // The texts are written only for the rule that answers: formatting numbers costs more than
  // the comparisons, and a timeline grades every lab result against every rule.
  auto value = [&] { return absl::StrCat(Signif12(inputs.value), " ", unit); };
  const GradingRule* lowest = nullptr;  // the last rule tried, for the text of a grade 0
  double lowest_basis = 0;
  for (const GradingRule& rule : form.rules) {
    const std::optional<double> basis = Basis(rule.of, inputs);
    if (!basis) {
      if (rule.skip_if_missing) continue;
      if (!explain_below_1) return {std::nullopt, ""};
      return {std::nullopt,
              absl::StrCat("grade ", rule.grade, " needs the ", BasisName(rule.of),
                           ", which is unknown (value ", value(), ")")};
    }
    if (Holds(rule.op, inputs.value, rule.factor * *basis)) {
      return {rule.grade,
              absl::StrCat(value(), " ", Threshold(rule, *basis, unit), ": grade ", rule.grade)};
    }
    lowest = &rule;
    lowest_basis = *basis;
  }
  if (!explain_below_1) return {lowest == nullptr ? std::nullopt : std::optional<int>(0), ""};
  if (lowest == nullptr) {
    return {std::nullopt, absl::StrCat("no rule could be tried: every limit it needs is unknown "
                                       "(value ", value(), ")")};
  }
  return {0, absl::StrCat(value(), ": no rule holds (grade ", lowest->grade, " needs ",
                          Threshold(*lowest, lowest_basis, unit), "): grade 0")};
}

}  // namespace trialgate::derivation
