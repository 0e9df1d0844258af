#ifndef TRIALGATE_GATEWAY_ENDPOINTS_ENDPOINT_REPORT_H_
#define TRIALGATE_GATEWAY_ENDPOINTS_ENDPOINT_REPORT_H_

// What ComputeEndpoints returns: every figure with its population, n, events or successes,
// censored subjects by reason and subjects not evaluable by why. Times are in days
// (end - start + 1 under the default convention); months are converted with the study's
// days per month. Plain data.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "gateway/statistics/binomial_ci.h"
#include "gateway/statistics/kaplan_meier.h"
#include "gateway/statistics/median_survival.h"

namespace trialgate::endpoints {

// One subject's derived time: for audit and for the by-hand checks of the tests.
struct SubjectTime {
  std::string subject_id;
  absl::CivilDay start;
  absl::CivilDay end;
  double days = 0;
  bool event = false;
  std::string reason;  // the event ("confirmed_progression", "death") or the censoring rule
};

struct LandmarkRate {
  double months = 0;
  double days = 0;
  statistics::Landmark rate;  // S, SE, 95% CI, at risk, beyond_last_observation
};

struct AtRiskCount {
  double months = 0;
  double days = 0;
  int at_risk = 0;
};

struct TimeToEventResult {
  std::string id;
  std::string name;
  std::string population;
  int n = 0;  // subjects in the analysis (population minus not evaluable)
  int events = 0;
  std::map<std::string, int> events_by_kind;
  int censored = 0;
  std::map<std::string, int> censored_by_reason;
  std::map<std::string, int> not_evaluable;  // in the population, left out: why -> count
  std::vector<SubjectTime> subjects;
  std::string confidence;  // "log-log" or "log"
  statistics::KaplanMeierFit fit;
  statistics::MedianSurvival median;  // days
  std::vector<LandmarkRate> landmarks;
  std::vector<AtRiskCount> at_risk;
  std::string source;
  bool unconfirmed = false;
};

struct RateResult {
  std::string id;
  std::string name;
  std::string population;
  bool primary = true;      // false for a sensitivity population
  std::string denominator;  // in words: who is counted in n
  int n = 0;
  int successes = 0;
  std::optional<statistics::ProportionInterval> ci;  // exact 95%; none when n = 0
  // In the denominator as a non-success because the outcome could not be assessed: why -> count.
  std::map<std::string, int> not_evaluable;
  std::vector<std::string> success_subjects;
  std::string source;
  bool unconfirmed = false;
};

// Subject counts of TEAEs for one term.
struct TermCount {
  std::string meddra_code;
  std::string term;
  int subjects = 0;
  int events = 0;
  std::map<int, int> subjects_by_worst_grade;  // worst grade of the term per subject -> count
};

struct TeaeTable {
  std::string phase;  // a phase id, "any" for all TEAEs, "onset_missing" for those not placed
  int n = 0;          // the safety set
  int subjects_with_teae = 0;
  int events = 0;
  int subjects_severe = 0;  // worst grade >= the study's severe grade
  int subjects_serious = 0;
  int subjects_dose_change = 0;
  std::vector<TermCount> by_term;  // by subjects, descending, then term
};

struct TeaeResult {
  std::string population;
  int n = 0;
  int end_window_days = 0;
  bool end_window_unconfirmed = false;
  int severe_grade_at_least = 3;
  std::map<std::string, int> not_treatment_emergent;  // AE records left out: why -> count
  std::vector<TeaeTable> tables;  // "any", then each phase in order, then "onset_missing"
  std::string source;
};

struct SiteCount {
  std::string site_id;
  int enrolled = 0;
  int deviations = 0;
  int subjects_with_deviation = 0;
};

struct EndpointReport {
  absl::CivilDay data_cutoff;
  int subjects = 0;                // courses given
  int consented_after_cutoff = 0;  // left out of every endpoint
  std::vector<TimeToEventResult> time_to_event;
  std::vector<RateResult> rates;
  TeaeResult adverse_events;
  std::vector<SiteCount> sites;  // by site id
};

}  // namespace trialgate::endpoints

#endif  // TRIALGATE_GATEWAY_ENDPOINTS_ENDPOINT_REPORT_H_
