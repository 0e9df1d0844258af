#ifndef TRIALGATE_GATEWAY_DERIVATION_LAB_GRADER_H_
#define TRIALGATE_GATEWAY_DERIVATION_LAB_GRADER_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/derivation/lab_value.h"
#include "mappers/study.h"

namespace trialgate::derivation {

// Grades lab results by the study's CTCAE v5.0 grading table (ctcae-lab-grading.json, loaded
// and checked with the study). Pure: no I/O, no clock, the same answer for the same input.
// Immutable once built; thread-safe.
class LabGrader {
 public:
  // REQUIRES: study != nullptr.
  explicit LabGrader(std::shared_ptr<const mappers::Study> study);

  // One TermGrade per term of the table that grades `lab.loinc` (in table order; e.g. both
  // Hyperkalemia and Hypokalemia for potassium); empty when no term grades the code. A term that
  // cannot be graded carries the reason (unknown unit, unknown ULN/LLN/baseline a rule needs)
  // instead of a grade.
  std::vector<TermGrade> Grade(const LabValue& lab) const;
  // Those of Grade's answers with grade 1 or more (toxicities), without writing the texts of the
  // others: what a timeline keeps of a lab result, most of which are grade 0.
  std::vector<TermGrade> Toxicities(const LabValue& lab) const;

  // True when some term grades this LOINC code.
  bool Grades(std::string_view loinc) const;

 private:
  // Grade's answer for one term; none when `keep_below_1` is false and the term is not graded 1
  // or more.
  std::optional<TermGrade> GradeTerm(const mappers::CtcaeGradingTerm& term, const LabValue& lab,
                                     bool keep_below_1) const;
  // UnitFactor (term_units.h) from `unit` to the term's unit; from canonical_factors_ when
  // `unit` is the analyte's canonical one.
  absl::StatusOr<double> FactorTo(const mappers::CtcaeGradingTerm& term,
                                  const std::string& unit) const;

  std::shared_ptr<const mappers::Study> study_;
  std::map<std::string, std::vector<const mappers::CtcaeGradingTerm*>, std::less<>> by_loinc_;
  // Each term's factor from its analyte's canonical unit, which the mappers normalise every
  // value to: worked out once here rather than for every lab (three unit-table look-ups by
  // name each, visible in the study report's profile). Terms whose unit does not convert are
  // left out (FactorTo then gives UnitFactor's error).
  std::map<const mappers::CtcaeGradingTerm*, double> canonical_factors_;
};

}  // namespace trialgate::derivation

#endif  // TRIALGATE_GATEWAY_DERIVATION_LAB_GRADER_H_
