#ifndef TRIALGATE_GATEWAY_DERIVATION_RESPONSE_LEVELS_H_
#define TRIALGATE_GATEWAY_DERIVATION_RESPONSE_LEVELS_H_

// The IMWG level one followed marker reaches on one day, from its value, its baseline and its
// nadir, with the study's thresholds (imwg-response.json). The overall category combines these
// (imwg_response.cc); nothing here knows about days or confirmation.

#include <optional>
#include <string>

#include "mappers/response_criteria.h"

namespace trialgate::derivation {

// Ordered: a higher level is a better response, so "the lowest over markers" is std::min.
enum class Level { kPD = 0, kSD, kMR, kPR, kVGPR, kCR, kSCR };

// "PD", "SD", "MR", "PR", "VGPR", "CR", "sCR".
const char* LevelName(Level level);
// One level lower, never below SD (a missing result lowers a response, it never makes PD).
Level Downgraded(Level level);

// The markers response can follow (clinical-derivations.md A.1 hierarchy).
enum class Marker { kSerum, kUrine, kDflc, kMarrow };

// The marker's name in evidence ("serum_m_protein", "urine_m_protein_24h", "dflc",
// "bm_plasma_cells") and the unit its values are in.
const char* MarkerName(Marker marker);
const char* MarkerUnit(Marker marker);

// The best level a marker can show by itself: VGPR, but PR for marrow-only disease (IMWG
// defines no marrow VGPR). CR needs more than the marker (immunofixation, marrow).
Level TopLevel(Marker marker);

struct MarkerLevel {
  Level level = Level::kSD;
  std::string text;  // "serum_m_protein 0.9 g/dL, -55% from baseline 2 g/dL: PR"
};

// The level of `value` against `baseline` (for reductions) and `nadir` (for PD), in the
// marker's unit. REQUIRES: baseline > 0 (the marker was measurable); nadir >= 0.
MarkerLevel LevelOf(const mappers::ResponseCriteria& criteria, Marker marker, double value,
                    double baseline, double nadir);

// `value <op> threshold`, both rounded to 12 significant digits first (as the CTCAE grader
// does), so that 1.5 - 1.0 sits exactly on a 0.5 threshold.
bool Holds(const mappers::ResponseThreshold& threshold, double value);

// (value - reference) / reference x 100; +infinity for a rise from 0, 0 for 0 to 0.
double PercentChange(double value, double reference);

}  // namespace trialgate::derivation

#endif  // TRIALGATE_GATEWAY_DERIVATION_RESPONSE_LEVELS_H_
