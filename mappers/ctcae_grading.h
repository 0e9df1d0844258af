#ifndef TRIALGATE_MAPPERS_CTCAE_GRADING_H_
#define TRIALGATE_MAPPERS_CTCAE_GRADING_H_

// The study's CTCAE v5.0 lab grading table (ctcae-lab-grading.json) as plain data. The format
// and its sources are in the file's own "_comment" and in docs/derivations.md; gateway/derivation
// applies it. Parsed and checked with the study, so a malformed table stops the start.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "mappers/code_tables.h"

namespace trialgate::mappers {

inline constexpr char kCtcaeGradingFile[] = "ctcae-lab-grading.json";

// What a rule's threshold is a multiple of.
enum class GradeBasis { kAbsolute, kUln, kLln, kBaseline };
enum class Comparison { kLess, kLessOrEqual, kGreater, kGreaterOrEqual };
// `object[key]`, one of "<", "<=", ">", ">=" as the study files write them, as a Comparison.
absl::StatusOr<Comparison> RequiredComparison(const JsonObject& object, std::string_view key);
// "<", "<=", ">" or ">=".
const char* ComparisonText(Comparison op);

// "value <op> factor x basis -> grade".
struct GradingRule {
  int grade = 0;  // 1..4
  Comparison op = Comparison::kLess;
  double factor = 1;
  GradeBasis of = GradeBasis::kAbsolute;
  // When the basis (ULN, LLN, baseline) is unknown: true skips the rule, false makes the result
  // not gradable once the rule is reached.
  bool skip_if_missing = false;
};

// Which rules apply: always, or by whether the subject's baseline was normal.
enum class GradingForm { kAny, kBaselineNormal, kBaselineAbnormal };

struct GradingRules {
  GradingForm form = GradingForm::kAny;
  std::vector<GradingRule> rules;  // grades never increase down the list
};

struct GradedCode {
  std::string code;  // a LOINC code
  std::string source;
  bool unconfirmed = false;
};

// One CTCAE term graded from one analyte.
struct CtcaeGradingTerm {
  std::string term;         // "Neutrophil count decreased"
  std::string meddra_code;  // "10029366"
  bool low = false;         // direction: true for a decrease
  std::vector<GradedCode> loinc;
  std::string unit;  // UCUM unit the thresholds are in
  // The analyte values are converted with: the labs.json analyte, or one of the grading file's
  // own "analytes" for a lab the study's table lacks.
  LabAnalyte analyte;
  bool requires_uln = false;  // not graded at all without the ULN
  bool requires_lln = false;
  std::vector<GradingRules> forms;  // one kAny, or kBaselineNormal and kBaselineAbnormal
  bool corrected_calcium = false;   // named by calciumCorrection.terms
  std::string worst_case;           // the reference's worst-case assumption, "" when none
  std::string lab_cannot_grade;     // grades the lab alone cannot decide, "" when none
  std::string source;
};

// Corrected calcium = calcium + factor x (normal_albumin - albumin), in the two units.
struct CalciumCorrection {
  std::vector<std::string> albumin_loinc;
  std::string calcium_unit;  // "mmol/L"
  std::string albumin_unit;  // "g/L"
  double normal_albumin = 40;
  double factor = 0.02;
  std::string formula;
  std::string source;
};

struct CtcaeGradingTable {
  std::string version;
  std::string source;
  std::vector<CtcaeGradingTerm> terms;  // in file order
  std::optional<CalciumCorrection> calcium_correction;
};

// Parses the grading file's text against the study's code tables (analytes, units, CTCAE terms:
// each term's MedDRA code must name that term in codes/adverse-events.json). Returns
// INVALID_ARGUMENT naming ctcae-lab-grading.json and the member on any problem.
absl::StatusOr<CtcaeGradingTable> ParseCtcaeGrading(std::string_view text,
                                                    const CodeTables& tables);

}  // namespace trialgate::mappers

#endif  // TRIALGATE_MAPPERS_CTCAE_GRADING_H_
