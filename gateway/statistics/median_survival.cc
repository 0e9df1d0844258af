#include "gateway/statistics/median_survival.h"

#include <cfloat>
#include <cmath>
#include <functional>

namespace trialgate::statistics {
namespace {

// R quantile.survfit's default tolerance: a product of fractions that is 0.5 in exact
// arithmetic may come out a few ulps away from it.
const double kTolerance = std::sqrt(DBL_EPSILON);

// Where the step curve value(row) first reaches 0.5. Rows whose value is absent are skipped.
std::optional<double> CrossingHalf(
    const KaplanMeierFit& fit,
    const std::function<std::optional<double>(const KaplanMeierRow&)>& value) {
  const auto& rows = fit.rows;
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::optional<double> v = value(rows[i]);
    if (!v.has_value() || *v > 0.5 + kTolerance) continue;
    if (std::fabs(*v - 0.5) > kTolerance) return rows[i].time;
    // Flat at 0.5: up to the next row where the curve leaves 0.5, else the last time seen.
    double end = *fit.last_time;
    for (size_t j = i + 1; j < rows.size(); ++j) {
      const std::optional<double> w = value(rows[j]);
      if (w.has_value() && std::fabs(*w - 0.5) > kTolerance) {
        end = rows[j].time;
        break;
      }
    }
    return (rows[i].time + end) / 2;
  }
  return std::nullopt;
}

}  // namespace

MedianSurvival EstimateMedian(const KaplanMeierFit& fit) {
  MedianSurvival m;
  m.median = CrossingHalf(fit, [](const KaplanMeierRow& r) -> std::optional<double> {
    return r.survival;
  });
  m.lower = CrossingHalf(fit, [](const KaplanMeierRow& r) { return r.limits.lower; });
  m.upper = CrossingHalf(fit, [](const KaplanMeierRow& r) { return r.limits.upper; });
  return m;
}

}  // namespace trialgate::statistics
