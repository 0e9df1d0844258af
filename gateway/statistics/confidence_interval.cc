#include "gateway/statistics/confidence_interval.h"

#include <algorithm>
#include <cmath>

namespace trialgate::statistics {

Limits PointwiseInterval(ConfidenceType type, double survival, double log_variance) {
  const double sigma = std::sqrt(log_variance);
  switch (type) {
    case ConfidenceType::kLog:
      if (survival <= 0) return {};
      return {survival * std::exp(-kZ95 * sigma),
              std::min(1.0, survival * std::exp(kZ95 * sigma))};
    case ConfidenceType::kLogLog: {
      if (survival <= 0 || survival >= 1) return {};
      const double log_s = std::log(survival);
      const double centre = std::log(-log_s);
      const double half = kZ95 * sigma / log_s;  // negative: ln S < 0
      return {std::exp(-std::exp(centre - half)), std::exp(-std::exp(centre + half))};
    }
    case ConfidenceType::kPlain: {
      // At S = 0 the variance of log S is infinite but S is known exactly: (0, 0), not NaN.
      const double half = survival > 0 ? kZ95 * survival * sigma : 0;
      return {std::max(0.0, survival - half), std::min(1.0, survival + half)};
    }
  }
  return {};
}

}  // namespace trialgate::statistics
