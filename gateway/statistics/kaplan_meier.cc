#include "gateway/statistics/kaplan_meier.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace trialgate::statistics {

absl::StatusOr<KaplanMeierFit> EstimateKaplanMeier(std::span<const Observation> data,
                                                   ConfidenceType confidence) {
  for (size_t i = 0; i < data.size(); ++i) {
    if (!std::isfinite(data[i].time) || data[i].time < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "observation ", i, " has time ", data[i].time,
          ": a time from the origin must be a finite number >= 0"));
    }
  }
  std::vector<Observation> sorted(data.begin(), data.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const Observation& a, const Observation& b) { return a.time < b.time; });

  KaplanMeierFit fit;
  fit.confidence = confidence;
  fit.subjects = static_cast<int>(sorted.size());
  fit.times.reserve(sorted.size());
  for (const Observation& o : sorted) fit.times.push_back(o.time);
  if (!sorted.empty()) fit.last_time = sorted.back().time;

  double survival = 1;
  double log_variance = 0;
  int at_risk = fit.subjects;
  size_t i = 0;
  while (i < sorted.size()) {
    const double t = sorted[i].time;
    int events = 0, censored = 0;
    for (; i < sorted.size() && sorted[i].time == t; ++i) {
      sorted[i].event ? ++events : ++censored;
    }
    if (censored > 0) fit.censor_times.push_back(t);
    if (events > 0) {
      survival *= 1.0 - static_cast<double>(events) / at_risk;
      // n = d empties the risk set: S = 0 and the variance of log S is infinite.
      log_variance = events < at_risk
                         ? log_variance + static_cast<double>(events) /
                                              (static_cast<double>(at_risk) * (at_risk - events))
                         : std::numeric_limits<double>::infinity();
      const double std_error = survival > 0 ? survival * std::sqrt(log_variance) : 0;
      fit.rows.push_back({t, at_risk, events, 0, survival, log_variance, std_error,
                          PointwiseInterval(confidence, survival, log_variance)});
      fit.events += events;
    }
    // Censorings at t belong to the row at t (they were at risk there) or, before the first
    // event, to no row.
    if (!fit.rows.empty()) fit.rows.back().censored += censored;
    at_risk -= events + censored;
  }
  return fit;
}

Landmark SurvivalAt(const KaplanMeierFit& fit, double time) {
  Landmark landmark;
  landmark.at_risk = AtRisk(fit, time);
  landmark.beyond_last_observation = fit.last_time.has_value() && time > *fit.last_time;
  auto after = std::upper_bound(fit.rows.begin(), fit.rows.end(), time,
                                [](double t, const KaplanMeierRow& row) { return t < row.time; });
  if (after == fit.rows.begin()) {
    landmark.limits = PointwiseInterval(fit.confidence, 1.0, 0.0);
    return landmark;
  }
  const KaplanMeierRow& row = *(after - 1);
  landmark.survival = row.survival;
  landmark.std_error = row.std_error;
  landmark.limits = row.limits;
  return landmark;
}

int AtRisk(const KaplanMeierFit& fit, double time) {
  return static_cast<int>(fit.times.end() -
                          std::lower_bound(fit.times.begin(), fit.times.end(), time));
}

}  // namespace trialgate::statistics
