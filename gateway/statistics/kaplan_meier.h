#ifndef TRIALGATE_GATEWAY_STATISTICS_KAPLAN_MEIER_H_
#define TRIALGATE_GATEWAY_STATISTICS_KAPLAN_MEIER_H_

// The Kaplan–Meier estimate of a survival curve with Greenwood's variance and pointwise 95%
// intervals, following R survival's conventions (docs/statistics.md). Pure functions: no I/O,
// the same answer for the same input; thread-safe.

#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/statistics/confidence_interval.h"
#include "gateway/statistics/observation.h"

namespace trialgate::statistics {

// One distinct event time t of the curve.
struct KaplanMeierRow {
  double time = 0;
  int at_risk = 0;   // subjects with time >= t: those censored at t are still at risk at t
  int events = 0;    // events at t
  int censored = 0;  // censored in [t, next event time), or in [t, end) on the last row
  double survival = 1;       // S(t) = prod over event times <= t of (1 - d/n)
  double log_variance = 0;   // Greenwood: sum d / (n (n - d)), the variance of log S;
                             // +infinity once S = 0
  double std_error = 0;      // SE of S = S sqrt(log_variance); 0 once S = 0
  Limits limits;             // 95%, of the fit's ConfidenceType
};

struct KaplanMeierFit {
  ConfidenceType confidence = ConfidenceType::kLog;
  int subjects = 0;
  int events = 0;
  std::vector<KaplanMeierRow> rows;     // by time; empty when there is no event
  std::vector<double> times;            // every observed time, sorted (for AtRisk)
  std::vector<double> censor_times;     // distinct times with a censoring, sorted (plot marks)
  std::optional<double> last_time;      // the last observed time, event or censored; none if empty
};

// Estimates the curve of `data` with 95% intervals of `confidence`. Empty data gives a fit
// with no rows. InvalidArgument if a time is negative, infinite or NaN (names its index).
absl::StatusOr<KaplanMeierFit> EstimateKaplanMeier(std::span<const Observation> data,
                                                   ConfidenceType confidence = ConfidenceType::kLog);

// S at a landmark time (e.g. 2-year PFS), with its SE and interval.
struct Landmark {
  double survival = 1;
  double std_error = 0;
  Limits limits;
  int at_risk = 0;
  // The landmark is after the last observation: S is carried forward as R does
  // (summary(extend = TRUE)), where SAS would report it as not estimable. Say so in a report.
  bool beyond_last_observation = false;
};

// The curve at `time`: the last row at or before it, or S = 1 (SE 0) before the first event.
Landmark SurvivalAt(const KaplanMeierFit& fit, double time);

// Subjects at risk at `time` (observed time >= time), for a number-at-risk table under a plot.
int AtRisk(const KaplanMeierFit& fit, double time);

}  // namespace trialgate::statistics

#endif  // TRIALGATE_GATEWAY_STATISTICS_KAPLAN_MEIER_H_
