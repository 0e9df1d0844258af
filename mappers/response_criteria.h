#ifndef TRIALGATE_MAPPERS_RESPONSE_CRITERIA_H_
#define TRIALGATE_MAPPERS_RESPONSE_CRITERIA_H_

// The study's IMWG response rules (imwg-response.json) as plain data. The format and its
// sources are in the file's own "_comment" and in docs/derivations.md; gateway/derivation
// DeriveResponse applies them. Parsed and checked with the study, so a malformed file stops the
// start. Plain structs: a caller may copy and change a setting (the tests do).

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "mappers/code_tables.h"
#include "mappers/ctcae_grading.h"

namespace trialgate::mappers {

inline constexpr char kResponseCriteriaFile[] = "imwg-response.json";

// The analytes the response derivation reads; a study that derives response must define all of
// them in codes/labs.json.
inline constexpr const char* kResponseMarkerAnalytes[] = {
    "serum_m_protein", "urine_m_protein_24h", "flc_kappa", "flc_lambda",
    "serum_ife",       "urine_ife",           "bm_plasma_cells"};
// True when the response derivation reads `analyte`.
bool IsResponseMarker(std::string_view analyte);

// "measured <op> value". `value` is in `unit`, the unit the engine works in for that quantity
// (the file may write it in another unit of the same dimension: `written` keeps its words).
struct ResponseThreshold {
  Comparison op = Comparison::kGreaterOrEqual;
  double value = 0;
  std::string unit;
  std::string written;  // "> 10 mg/dL"
  std::string source;
};

// Which value PD is measured from: the lowest so far (IMWG 2011) or the lowest confirmed by
// the next measurement of the marker (IMWG 2016).
enum class NadirRule { kLowest, kLowestConfirmed };
// The baseline of assessments after transplant day 0: the pre-treatment one, or the last
// values before day 0.
enum class TransplantBaseline { kKeep, kReset };

struct ResponseCriteria {
  bool present = false;  // false: the study has no imwg-response.json and derives no response
  std::string version;

  // --- settings (the protocol's choices) ---
  double serum_measurable_gdl = 1.0;  // serum M-protein >= this (g/dL) is measurable
  NadirRule nadir = NadirRule::kLowest;
  TransplantBaseline baseline_after_transplant = TransplantBaseline::kKeep;

  // --- measurable disease; units: mg/(24.h), mg/L, {ratio}, % ---
  ResponseThreshold urine_measurable;
  ResponseThreshold involved_flc_measurable;
  double flc_ratio_normal_low = 0.26;  // normal when low <= ratio <= high
  double flc_ratio_normal_high = 1.65;
  ResponseThreshold marrow_evaluable;

  // --- categories; reductions in % from baseline ---
  ResponseThreshold cr_marrow;  // plasma cells, %
  ResponseThreshold vgpr_serum_reduction;
  ResponseThreshold vgpr_urine;  // mg/(24.h)
  ResponseThreshold pr_serum_reduction;
  ResponseThreshold pr_urine_reduction;
  ResponseThreshold pr_urine;  // mg/(24.h)
  ResponseThreshold mr_serum_reduction;
  ResponseThreshold mr_urine_reduction;
  ResponseThreshold vgpr_dflc_reduction;
  ResponseThreshold pr_dflc_reduction;
  ResponseThreshold pr_marrow_reduction;

  // --- progression; increases from the nadir ---
  ResponseThreshold pd_increase_percent;         // %
  ResponseThreshold pd_serum_increase;           // g/dL
  ResponseThreshold pd_serum_high_nadir;         // g/dL
  ResponseThreshold pd_serum_increase_high_nadir;  // g/dL
  ResponseThreshold pd_urine_increase;           // mg/(24.h)
  ResponseThreshold pd_dflc_increase;            // mg/L
  ResponseThreshold pd_marrow_increase;          // percentage points

  // --- immunofixation results: "system|code", and lower-case texts ---
  std::vector<std::string> ife_negative_codes;
  std::vector<std::string> ife_positive_codes;
  std::vector<std::string> ife_negative_texts;
  std::vector<std::string> ife_positive_texts;
};

// Parses the file's text against the study's code tables (every marker analyte must be in
// codes/labs.json, every unit must convert through codes/units.json). Returns INVALID_ARGUMENT
// naming imwg-response.json and the member on any problem.
absl::StatusOr<ResponseCriteria> ParseResponseCriteria(std::string_view text,
                                                       const CodeTables& tables);

}  // namespace trialgate::mappers

#endif  // TRIALGATE_MAPPERS_RESPONSE_CRITERIA_H_
