#ifndef TRIALGATE_GATEWAY_STATISTICS_CONFIDENCE_INTERVAL_H_
#define TRIALGATE_GATEWAY_STATISTICS_CONFIDENCE_INTERVAL_H_

#include <optional>

namespace trialgate::statistics {

// The transform a pointwise confidence interval for S(t) is built on. kLog is R survival's
// default (conf.type = "log"); kLogLog is the default of SAS PROC LIFETEST and lifelines;
// kPlain is the untransformed Greenwood interval (docs/statistics.md).
enum class ConfidenceType { kLog, kLogLog, kPlain };

// The 0.975 quantile of the standard normal, as R's survfit uses for a 95% interval.
inline constexpr double kZ95 = 1.959964;

// Limits of an interval. A limit is absent where R gives NA: S = 0 for kLog and kLogLog, and
// S = 1 for kLogLog (the transform is undefined there).
struct Limits {
  std::optional<double> lower;
  std::optional<double> upper;
};

// The 95% interval for a survival estimate `survival` whose log has variance `log_variance`
// (Greenwood's sum; +infinity once S = 0). Log: S exp(-/+ z sigma), upper capped at 1.
// Log-log: exp(-exp(ln(-ln S) -/+ z sigma / ln S)). Plain: S -/+ z S sigma, clipped to [0, 1].
Limits PointwiseInterval(ConfidenceType type, double survival, double log_variance);

}  // namespace trialgate::statistics

#endif  // TRIALGATE_GATEWAY_STATISTICS_CONFIDENCE_INTERVAL_H_
