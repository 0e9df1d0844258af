#include "gateway/statistics/binomial_ci.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "boost/math/special_functions/beta.hpp"

namespace trialgate::statistics {

absl::StatusOr<ProportionInterval> ClopperPearson(int successes, int trials, double confidence) {
  if (trials < 1 || successes < 0 || successes > trials) {
    return absl::InvalidArgumentError(absl::StrCat(
        successes, " successes of ", trials, " trials: need 0 <= successes <= trials, trials >= 1"));
  }
  if (!(confidence > 0 && confidence < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("confidence ", confidence, " is not strictly between 0 and 1"));
  }
  const double alpha = 1 - confidence;
  const double x = successes, n = trials;
  ProportionInterval interval;
  interval.estimate = x / n;
  // The beta quantile with a zero shape parameter is the degenerate limit, 0 or 1.
  interval.lower = successes == 0 ? 0.0 : boost::math::ibeta_inv(x, n - x + 1, alpha / 2);
  interval.upper = successes == trials ? 1.0 : boost::math::ibeta_inv(x + 1, n - x, 1 - alpha / 2);
  return interval;
}

}  // namespace trialgate::statistics
