#include "gateway/statistics/log_rank.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "boost/math/special_functions/gamma.hpp"

namespace trialgate::statistics {
namespace {

struct Tagged {
  double time;
  bool event;
  size_t group;
};

// (O - E)' V^- (O - E) by a symmetric (LDL') elimination that skips pivots too small relative
// to the matrix, i.e. a generalized inverse; the rank is the number of pivots kept. This is what
// survdiff's Cholesky-based inverse does with linearly dependent groups.
std::pair<double, int> QuadraticForm(std::vector<std::vector<double>> v, std::vector<double> y) {
  const size_t k = y.size();
  double scale = 0;
  for (size_t i = 0; i < k; ++i) scale = std::max(scale, std::fabs(v[i][i]));
  const double tolerance = 1e-9 * scale;
  double chi_square = 0;
  int rank = 0;
  for (size_t p = 0; p < k; ++p) {
    const double pivot = v[p][p];
    if (!(pivot > tolerance)) continue;
    ++rank;
    chi_square += y[p] * y[p] / pivot;
    for (size_t i = p + 1; i < k; ++i) {
      const double factor = v[i][p] / pivot;
      y[i] -= factor * y[p];
      for (size_t j = p + 1; j < k; ++j) v[i][j] -= factor * v[p][j];
    }
  }
  return {chi_square, rank};
}

}  // namespace

absl::StatusOr<LogRankResult> LogRankTest(const std::vector<std::vector<Observation>>& groups) {
  const size_t k = groups.size();
  if (k < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("the log-rank test compares two or more groups, got ", k));
  }
  LogRankResult result;
  result.groups.resize(k);
  std::vector<Tagged> all;
  for (size_t g = 0; g < k; ++g) {
    result.groups[g].subjects = static_cast<int>(groups[g].size());
    for (size_t i = 0; i < groups[g].size(); ++i) {
      const Observation& o = groups[g][i];
      if (!std::isfinite(o.time) || o.time < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("group ", g, " observation ", i, " has time ", o.time,
                         ": a time from the origin must be a finite number >= 0"));
      }
      all.push_back({o.time, o.event, g});
    }
  }
  std::sort(all.begin(), all.end(),
            [](const Tagged& a, const Tagged& b) { return a.time < b.time; });

  std::vector<double> at_risk(k);
  for (size_t g = 0; g < k; ++g) at_risk[g] = result.groups[g].subjects;
  double n = static_cast<double>(all.size());
  // Only the first k - 1 groups: the k-th is determined by them (O - E sums to zero).
  std::vector<double> diff(k - 1, 0.0);
  std::vector<std::vector<double>> variance(k - 1, std::vector<double>(k - 1, 0.0));
  std::vector<double> events(k), leaving(k);
  size_t i = 0;
  while (i < all.size()) {
    const double t = all[i].time;
    std::fill(events.begin(), events.end(), 0.0);
    std::fill(leaving.begin(), leaving.end(), 0.0);
    for (; i < all.size() && all[i].time == t; ++i) {
      if (all[i].event) events[all[i].group] += 1;
      leaving[all[i].group] += 1;
    }
    double d = 0;
    for (double e : events) d += e;
    if (d > 0) {
      for (size_t g = 0; g < k; ++g) {
        const double expected = d * at_risk[g] / n;
        result.groups[g].observed += static_cast<int>(events[g]);
        result.groups[g].expected += expected;
        if (g + 1 < k) diff[g] += events[g] - expected;
      }
      if (n > 1) {
        // Hypergeometric covariance of the group event counts given d events among n at risk.
        const double c = d * (n - d) / (n - 1);
        for (size_t a = 0; a + 1 < k; ++a) {
          for (size_t b = 0; b + 1 < k; ++b) {
            variance[a][b] += c * at_risk[a] / n * ((a == b ? 1.0 : 0.0) - at_risk[b] / n);
          }
        }
      }
    }
    for (size_t g = 0; g < k; ++g) {
      at_risk[g] -= leaving[g];
      n -= leaving[g];
    }
  }
  const auto [chi_square, rank] = QuadraticForm(std::move(variance), std::move(diff));
  result.chi_square = chi_square;
  result.degrees_of_freedom = rank;
  if (rank == 1) {
    result.p_value = std::erfc(std::sqrt(chi_square / 2));
  } else if (rank > 1) {
    result.p_value = boost::math::gamma_q(rank / 2.0, chi_square / 2);
  }
  return result;
}

}  // namespace trialgate::statistics
