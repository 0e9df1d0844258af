#ifndef TRIALGATE_GATEWAY_DERIVATION_IMWG_RESPONSE_H_
#define TRIALGATE_GATEWAY_DERIVATION_IMWG_RESPONSE_H_

// IMWG response categories derived from a subject's myeloma labs, with the study's rules as
// data (imwg-response.json, mappers::ResponseCriteria). Pure: no I/O, no clock; the same input
// in any order gives the same output. What each rule means, the switches and the
// simplifications: docs/derivations.md "IMWG response from labs".
//
// The central idea: each assessment date is judged alone from that day's samples (a marker
// measured another day is never carried over); each followed marker gives a level and the
// overall category is the lowest; a result a level needs but the day lacks lowers the category
// one level, and the rule says what was missing. Confirmation then pairs consecutive
// assessments: a category holds once two of them, on different dates before any new therapy,
// show it or better.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mappers/response_criteria.h"

namespace trialgate::derivation {

struct MarkerResult {
  std::string date;          // YYYY-MM-DD, site calendar; a day's results form one assessment
  std::string analyte;       // study analyte id: serum_m_protein (g/dL), urine_m_protein_24h
                             // (mg/(24.h)), flc_kappa, flc_lambda (mg/L), serum_ife, urine_ife,
                             // bm_plasma_cells (%)
  std::optional<double> value;  // in the study's unit for the analyte (already normalised)
  std::string value_code;    // coded value as "system|code" (e.g. "http://snomed.info/sct|260385009")
  std::string value_text;    // text value ("Negative")
  std::string event_id;
};

struct ResponseInput {
  std::vector<MarkerResult> results;  // any order; the result must not depend on it
  std::string treatment_start;        // cycle 1 day 1; empty: nothing derived (no baseline)
  std::string transplant_date;        // ASCT day 0; empty when none
  std::string new_therapy_date;       // first non-protocol anti-myeloma therapy; empty when none;
                                      // assessments on/after it cannot confirm
  // As known on each date: an assessment is confirmed only by an earlier one, so a later sample
  // never changes what an earlier assessment says (the event log records each change once).
  // false: also by the next one, the retrospective view of the case file.
  bool as_known_then = false;
};

struct MarkerEvidence {
  std::string marker;  // serum_m_protein, urine_m_protein_24h, dflc, flc_ratio, serum_ife,
                       // urine_ife, bm_plasma_cells
  std::optional<double> value, baseline, nadir;
  std::optional<double> change_from_baseline_percent, change_from_nadir_percent;
  std::string unit;
  std::string text;  // e.g. "Negative" for IFE
};

struct ResponseAssessment {
  std::string date;           // the assessment (sample) date
  std::string category;       // sCR CR VGPR PR MR SD PD, or "NE" (not evaluable)
  bool confirmed = false;     // a second, later assessment shows it too (marrow-only needs none;
                              // SD needs none: both are reported confirmed)
  std::string response_date;  // first of the two confirming assessments; == date when unconfirmed
  std::string rule;           // readable sentence: what decided (incl. downgrade for missing data)
  std::vector<MarkerEvidence> evidence;
  std::vector<std::string> evidence_event_ids;  // the lab events used (both samples when confirmed)
};

struct ResponseDerivation {
  std::vector<std::string> measurable;  // markers followed, e.g. {"serum_m_protein"}
  std::string baseline_date;            // date of the latest baseline result
  std::vector<ResponseAssessment> assessments;  // one per assessment date after treatment_start
  std::string not_derived;  // why nothing was derived ("no baseline before cycle 1 day 1"), ""
};

// Derives the baseline, the followed markers and one assessment per result date after
// input.treatment_start. Results on treatment_start itself are baseline (drawn before the first
// dose). An empty `assessments` comes with `not_derived` saying why.
ResponseDerivation DeriveResponse(const mappers::ResponseCriteria& criteria,
                                  const ResponseInput& input);

// DeriveResponse that keeps what it needs to take results arriving later without judging the
// earlier days again: the nadir of each marker so far and each day's level (what confirmation
// reads). With as_known_then, an earlier assessment never changes, so adding the results of a
// new day costs that day. `criteria` must outlive it.
class ResponseDeriver {
 public:
  ResponseDeriver(const mappers::ResponseCriteria& criteria, ResponseInput input);
  ~ResponseDeriver();
  ResponseDeriver(ResponseDeriver&&) noexcept;
  ResponseDeriver& operator=(ResponseDeriver&&) noexcept;

  // What DeriveResponse gives for every result added so far.
  const ResponseDerivation& derivation() const;

  // Adds results dated after treatment start and on or after the latest result's day, and
  // returns the index of the first assessment that changed (the size of the earlier list when
  // none did). nullopt, with nothing changed, when that cannot hold (an earlier date, a result
  // on or before cycle 1 day 1, as_known_then off): derive anew.
  std::optional<size_t> Add(std::vector<MarkerResult> results);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace trialgate::derivation

#endif  // TRIALGATE_GATEWAY_DERIVATION_IMWG_RESPONSE_H_
