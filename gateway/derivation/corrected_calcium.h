#ifndef TRIALGATE_GATEWAY_DERIVATION_CORRECTED_CALCIUM_H_
#define TRIALGATE_GATEWAY_DERIVATION_CORRECTED_CALCIUM_H_

#include "mappers/ctcae_grading.h"

namespace trialgate::derivation {

// Albumin-corrected calcium by the table's formula: calcium + factor x (normal_albumin -
// albumin), with calcium in correction.calcium_unit and albumin in correction.albumin_unit
// (Payne 1973: 0.02 mmol/L per g/L below 40 g/L; the table states the formula and its source).
double CorrectedCalcium(const mappers::CalciumCorrection& correction, double calcium,
                        double albumin);

}  // namespace trialgate::derivation

#endif  // TRIALGATE_GATEWAY_DERIVATION_CORRECTED_CALCIUM_H_
