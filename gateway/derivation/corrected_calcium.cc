#include "gateway/derivation/corrected_calcium.h"

namespace trialgate::derivation {

double CorrectedCalcium(const mappers::CalciumCorrection& correction, double calcium,
                        double albumin) {
  return calcium + correction.factor * (correction.normal_albumin - albumin);
}

}  // namespace trialgate::derivation
