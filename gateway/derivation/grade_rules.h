#ifndef TRIALGATE_GATEWAY_DERIVATION_GRADE_RULES_H_
#define TRIALGATE_GATEWAY_DERIVATION_GRADE_RULES_H_

// Applying one form's threshold rules to a value already in the rules' unit.

#include <optional>
#include <string>

#include "mappers/ctcae_grading.h"

namespace trialgate::derivation {

// The value and the limits the rules may refer to, all in one unit.
struct GradeInputs {
  double value = 0;
  std::optional<double> lln;
  std::optional<double> uln;
  std::optional<double> baseline;
};

struct RuleOutcome {
  std::optional<int> grade;  // nullopt: not gradable
  std::string text;          // the rule that decided, or why there is no grade
};

// Tries the rules in order (highest grade first); the first that holds gives the grade, none
// holding gives 0. A rule whose basis is unknown is skipped when it says so, else the result is
// not gradable. Both sides of a comparison are rounded to 12 significant digits first, so that
// unit conversion cannot move a value that sits exactly on a threshold (admiral rounds likewise).
// With `explain_below_1` false, a grade 0 or an ungradable result comes without its text (a
// caller that keeps only toxicities need not pay for writing it).
RuleOutcome ApplyRules(const mappers::GradingRules& form, const GradeInputs& inputs,
                       const std::string& unit, bool explain_below_1 = true);

// `x` rounded to 12 significant digits.
double Signif12(double x);

// `value <op> threshold`, both rounded to 12 significant digits first: the one comparison of
// every derivation (grades, responses, withhold rules).
bool Holds(mappers::Comparison op, double value, double threshold);

}  // namespace trialgate::derivation

#endif  // TRIALGATE_GATEWAY_DERIVATION_GRADE_RULES_H_
