#ifndef TRIALGATE_GATEWAY_DERIVATION_LAB_VALUE_H_
#define TRIALGATE_GATEWAY_DERIVATION_LAB_VALUE_H_

// What the lab grader takes and gives: plain values, no study or FHIR types.

#include <optional>
#include <string>

namespace trialgate::derivation {

// A value with its unit as sent (a UCUM code or a spelling the study's unit table knows).
struct Measured {
  double value = 0;
  std::string unit;
};

// One lab result to grade. The reference range and the baseline are in `unit`.
struct LabValue {
  std::string loinc;  // LOINC code of the result
  double value = 0;
  std::string unit;
  std::optional<double> low = std::nullopt;       // the lab's LLN, when reported
  std::optional<double> high = std::nullopt;      // the lab's ULN, when reported
  std::optional<double> baseline = std::nullopt;  // the subject's baseline value of this analyte, when known
  // Albumin of the same sample, when known: total calcium is then corrected before grading.
  std::optional<Measured> albumin = std::nullopt;
};

// The grade of one CTCAE term from one result, or why it has none. All numbers are in `unit`,
// the unit the term's thresholds are in, after conversion (and calcium correction).
struct TermGrade {
  std::string term;         // "Neutrophil count decreased"
  std::string meddra_code;  // "10029366"
  std::optional<int> grade;  // 0..4; nullopt when not gradable
  std::string not_gradable;  // why there is no grade (a sentence), "" when graded
  std::string rule;          // what decided, readable: "0.4 10*9/L < 0.5 10*9/L: grade 4"
  std::string form;          // "any", "baseline normal" or "baseline abnormal"
  std::string unit;
  std::optional<double> value;  // converted (and corrected) value; nullopt when not convertible
  std::optional<double> lln;
  std::optional<double> uln;
  std::optional<double> baseline;
  bool calcium_corrected = false;  // value is albumin-corrected calcium
  bool unconfirmed_code = false;   // the LOINC code is marked unconfirmed in the grading table
  std::string worst_case;          // the table's worst-case assumption for the term, if any
};

}  // namespace trialgate::derivation

#endif  // TRIALGATE_GATEWAY_DERIVATION_LAB_VALUE_H_
