#ifndef TRIALGATE_GATEWAY_STATISTICS_LOG_RANK_H_
#define TRIALGATE_GATEWAY_STATISTICS_LOG_RANK_H_

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/statistics/observation.h"

namespace trialgate::statistics {

struct LogRankGroup {
  int subjects = 0;
  int observed = 0;       // events in the group
  double expected = 0;    // sum over event times of d n_group / n
};

// The log-rank test of equal survival across groups, as R's survdiff (rho = 0) computes it.
struct LogRankResult {
  std::vector<LogRankGroup> groups;  // in the order given
  double chi_square = 0;
  int degrees_of_freedom = 0;        // rank of the variance matrix: groups - 1 unless degenerate
  std::optional<double> p_value;     // absent when degrees_of_freedom is 0 (no information)
};

// Compares two or more groups. The statistic is (O - E)' V^- (O - E) over the first k - 1
// groups, with V the hypergeometric variance; a singular V (e.g. a group with no one at risk at
// any event time) is handled as R does, by dropping redundant directions, which lowers the df.
// p = erfc(sqrt(chi2 / 2)) for 1 df, else the upper regularized gamma Q(df / 2, chi2 / 2).
// InvalidArgument for fewer than two groups or a time that is negative, infinite or NaN.
// Pure; thread-safe.
absl::StatusOr<LogRankResult> LogRankTest(const std::vector<std::vector<Observation>>& groups);

}  // namespace trialgate::statistics

#endif  // TRIALGATE_GATEWAY_STATISTICS_LOG_RANK_H_
