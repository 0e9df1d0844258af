#ifndef TRIALGATE_GATEWAY_STATISTICS_BINOMIAL_CI_H_
#define TRIALGATE_GATEWAY_STATISTICS_BINOMIAL_CI_H_

#include "absl/status/statusor.h"

namespace trialgate::statistics {

struct ProportionInterval {
  double estimate = 0;  // x / n
  double lower = 0;
  double upper = 0;
};

// The exact (Clopper–Pearson) interval for x successes in n trials, as R's binom.test reports
// it: lower = Beta^-1(alpha/2; x, n - x + 1), 0 when x = 0; upper = Beta^-1(1 - alpha/2; x + 1,
// n - x), 1 when x = n; alpha = 1 - confidence. InvalidArgument unless 0 <= x <= n, n >= 1 and
// 0 < confidence < 1. Pure; thread-safe.
absl::StatusOr<ProportionInterval> ClopperPearson(int successes, int trials,
                                                  double confidence = 0.95);

}  // namespace trialgate::statistics

#endif  // TRIALGATE_GATEWAY_STATISTICS_BINOMIAL_CI_H_
