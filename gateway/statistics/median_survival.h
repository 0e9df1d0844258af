#ifndef TRIALGATE_GATEWAY_STATISTICS_MEDIAN_SURVIVAL_H_
#define TRIALGATE_GATEWAY_STATISTICS_MEDIAN_SURVIVAL_H_

#include <optional>

#include "gateway/statistics/kaplan_meier.h"

namespace trialgate::statistics {

// The median survival time and its 95% interval as R's print.survfit reports them. Each is
// absent (R's NA) when its curve never reaches 0.5.
struct MedianSurvival {
  std::optional<double> median;
  std::optional<double> lower;
  std::optional<double> upper;
};

// The median is the first time S <= 0.5; where S equals 0.5 (within R's tolerance,
// sqrt(machine epsilon)) over a flat stretch it is the midpoint of that stretch, which ends at
// the next drop or, with none, at the last observed time. The interval is Brookmeyer–Crowley's
// as software computes it: the same rule applied to the lower and to the upper pointwise band of
// the fit's ConfidenceType (a band absent at a time, R's NA, does not cross there).
// Pure; thread-safe.
MedianSurvival EstimateMedian(const KaplanMeierFit& fit);

}  // namespace trialgate::statistics

#endif  // TRIALGATE_GATEWAY_STATISTICS_MEDIAN_SURVIVAL_H_
