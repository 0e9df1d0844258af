#ifndef TRIALGATE_TESTS_STATISTICS_AML_DATA_H_
#define TRIALGATE_TESTS_STATISTICS_AML_DATA_H_

#include <vector>

#include "gateway/statistics/observation.h"

namespace trialgate::statistics {

// R survival's `aml` (Embury et al. 1977), as R prints Surv(time, status):
// 9 13 13+ 18 23 28+ 31 34 45+ 48 161+ | 5 5 8 8 12 16+ 23 27 30 33 43 45
// (clinical-derivations.md D.4).
inline std::vector<Observation> AmlMaintained() {
  return {{9, true},  {13, true}, {13, false}, {18, true}, {23, true},  {28, false},
          {31, true}, {34, true}, {45, false}, {48, true}, {161, false}};
}
inline std::vector<Observation> AmlNonmaintained() {
  return {{5, true},  {5, true},  {8, true},  {8, true},  {12, true}, {16, false},
          {23, true}, {27, true}, {30, true}, {33, true}, {43, true}, {45, true}};
}
inline std::vector<Observation> AmlPooled() {
  std::vector<Observation> all = AmlMaintained();
  for (const Observation& o : AmlNonmaintained()) all.push_back(o);
  return all;
}

// PSIAIMS/CAMIS Comp/r-sas_survival.qmd: S falls to exactly 0.5 at 87 and stays there to the
// last observation, 118 (clinical-derivations.md D.5).
inline std::vector<Observation> CamisFlatAtHalf() {
  return {{54, true},  {75, true},   {77, true},   {84, true},   {87, true},
          {92, false}, {103, false}, {105, false}, {112, false}, {118, false}};
}

}  // namespace trialgate::statistics

#endif  // TRIALGATE_TESTS_STATISTICS_AML_DATA_H_
