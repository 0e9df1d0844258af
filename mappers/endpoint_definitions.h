#ifndef TRIALGATE_MAPPERS_ENDPOINT_DEFINITIONS_H_
#define TRIALGATE_MAPPERS_ENDPOINT_DEFINITIONS_H_

// The study's endpoints as plain data (endpoints.json): for each endpoint its population, events,
// censoring rules in order, windows, conventions and the CI method, each with the source the
// reference gives and the UNCONFIRMED marks it carries. gateway/endpoints computes them from
// per-subject courses; docs/endpoints.md describes the meaning of every value. Parsed with the
// study, so a malformed file stops the start.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace trialgate::mappers {

inline constexpr char kEndpointsFile[] = "endpoints.json";

enum class Population {
  kAllConsented,
  kTreated,            // >= 1 study dose: the safety set
  kResponseEvaluable,  // measurable disease and >= 1 post-baseline adequate assessment
  kAsctRecipients,     // 2nd ASCT day 0 known
  kMobilisationAttempted,
  kConfirmedResponders,  // a confirmed >= PR before PD and new therapy
};

enum class EndpointEvent { kConfirmedProgression, kDeath, kResponse };

enum class CensoringRule {
  kNoPostBaselineAssessment,  // no adequate assessment after the origin
  kNewAntiMyelomaTherapy,     // non-protocol therapy started before any event
  kWithdrawal,                // left the study before any event
  kCompetingEvent,            // a competing event came first
  kNoEvent,                   // the catch-all: always last
};

enum class CensorAt { kOrigin, kLastAdequateAssessment, kLastKnownAlive };

enum class TimeOrigin { kConsent, kFirstResponse };

// The transform of the pointwise KM interval (statistics::ConfidenceType kLogLog / kLog).
enum class SurvivalCi { kLogLog, kLog };

struct CensoringStep {
  CensoringRule rule = CensoringRule::kNoEvent;
  CensorAt censor_at = CensorAt::kLastAdequateAssessment;
  std::string source;
  bool unconfirmed = false;
};

// The sensitivity rule of the FDA endpoints guidance (App. 3 Table A): an event after `count` or
// more missed assessments is censored at the last adequate assessment before it. An assessment
// is missed when `interval_days` pass without one; so an event more than count x interval_days
// after the last adequate assessment (or the origin) is censored.
struct MissedAssessmentsRule {
  bool enabled = false;
  int count = 2;
  int interval_days = 0;
  std::string source;
  bool unconfirmed = false;
};

struct TimeToEventDefinition {
  std::string id;  // "pfs"
  std::string name;
  Population population = Population::kAllConsented;
  TimeOrigin origin = TimeOrigin::kConsent;
  std::vector<EndpointEvent> events;            // the first of these ends the time as an event
  std::vector<EndpointEvent> competing_events;  // the first of these before an event censors
  std::vector<CensoringStep> censoring;         // in order; the last is kNoEvent
  MissedAssessmentsRule missed_assessments;     // off unless the file has missedAssessments
  SurvivalCi confidence = SurvivalCi::kLogLog;
  std::vector<double> landmark_months;  // e.g. 24: the 2-year rate
  std::vector<double> at_risk_months;   // the number-at-risk table
  std::string source;
  bool unconfirmed = false;
  std::string note;
};

enum class RateKind { kBestResponse, kResponseInWindow, kHarvest };
enum class WindowAnchor { kAsctDay0, kCycle6End };

// Days relative to the anchor, both ends inclusive: [anchor + from_days, anchor + to_days].
struct DayWindow {
  WindowAnchor anchor = WindowAnchor::kAsctDay0;
  int from_days = 0;
  int to_days = 0;
  std::string source;
  bool unconfirmed = false;
};

struct RateDefinition {
  std::string id;  // "orr"
  std::string name;
  RateKind kind = RateKind::kBestResponse;
  std::vector<Population> populations;  // the first is primary, the others sensitivity
  std::vector<std::string> categories;  // IMWG ids counted as success (response kinds)
  bool require_confirmed = true;
  DayWindow window;                     // kResponseInWindow
  double cd34_per_kg_greater_than = 0;  // kHarvest: success is strictly greater
  std::string source;
  bool unconfirmed = false;
  std::string note;
};

enum class PhaseStart { kFirstDose, kAsctDay0, kMaintenanceStart };

struct TreatmentPhase {
  std::string id;  // "krd"
  std::string name;
  PhaseStart starts_at = PhaseStart::kFirstDose;
  int offset_days = 0;  // the phase starts this many days after its anchor (negative: before)
  std::string source;
  bool unconfirmed = false;
};

struct AdverseEventDefinition {
  Population population = Population::kTreated;
  int end_window_days = 30;  // TE until last dose + this many days, inclusive
  bool end_window_unconfirmed = false;
  bool missing_onset_is_treatment_emergent = true;
  int severe_grade_at_least = 3;
  std::vector<TreatmentPhase> phases;  // in time order; an AE's phase: the last one started
  std::string source;
  std::string note;
};

struct EndpointConventions {
  bool add_one_day = true;          // days = end - start + 1
  double days_per_month = 30.4375;  // 24 months = 730.5 days
  bool use_reported_assessments = true;
  bool use_derived_assessments = true;
  std::string source;
};

struct EndpointDefinitions {
  bool present = false;  // false: the study has no endpoints.json
  EndpointConventions conventions;
  std::vector<TimeToEventDefinition> time_to_event;
  std::vector<RateDefinition> rates;
  AdverseEventDefinition adverse_events;
  std::string site_summary_source;
};

// Parses endpoints.json. INVALID_ARGUMENT naming endpoints.json and the member (e.g.
// "endpoints.json: timeToEvent[0].censoring[1].rule must be one of ...") on any problem: an
// unknown key or value, a duplicate id, a censoring list that does not end in no_event, a
// window whose end is before its start, a month length that is not positive.
absl::StatusOr<EndpointDefinitions> ParseEndpointDefinitions(std::string_view text);

// The file's spelling of a population ("all_consented"), for reports.
std::string_view PopulationName(Population population);
std::string_view EventName(EndpointEvent event);
std::string_view CensoringRuleName(CensoringRule rule);

}  // namespace trialgate::mappers

#endif  // TRIALGATE_MAPPERS_ENDPOINT_DEFINITIONS_H_
