#ifndef TRIALGATE_GATEWAY_SCHEDULE_SCHEDULE_H_
#define TRIALGATE_GATEWAY_SCHEDULE_SCHEDULE_H_

// A study's protocol schedule, parsed from its schedule.json (format: fhir-profiles/README.md).
// Plain immutable data: the timeline engine (timeline.h) reads it, nothing writes it.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "mappers/study.h"

namespace trialgate::schedule {

// Doses are compared in one of two units: an absolute mass, or a mass per body surface area.
inline constexpr char kMg[] = "mg";
inline constexpr char kMgPerM2[] = "mg/m2";

// One agent's scheduled doses within a cycle of a phase.
struct RegimenItem {
  std::string agent;      // study agent id (codes/drugs.json)
  double dose = 0;        // in `unit`
  std::string unit;       // kMg or kMgPerM2
  std::vector<int> days;  // cycle days, ascending, 1-based
  std::string route;      // protocol route id, informational
};

// A different expected dose on some days of some cycles (e.g. a label's lower start).
struct DoseOverride {
  std::string agent;
  std::vector<int> cycles;
  std::vector<int> days;
  double dose = 0;        // in the regimen item's unit
  std::string choice;     // why, in words
};

// Dose levels of an agent, highest first (a reduction moves down the list).
struct AgentRules {
  std::string agent;
  std::string unit;                 // kMg or kMgPerM2
  std::vector<double> dose_levels;  // e.g. 27, 20, 15
  std::optional<double> bsa_cap_m2;  // BSA above this is dosed as this
};

enum class PhaseKind { kCycles, kGate, kHarvest, kTransplant, kFollowUp, kOffStudy };

// One phase of the protocol. Only the members of its kind are set.
struct Phase {
  std::string id;    // e.g. "reinduction"; appears in positions and findings
  std::string name;  // for people
  PhaseKind kind = PhaseKind::kCycles;

  // kCycles: cycles of cycle_length_days, either `cycles` of them or as many as start within
  // duration_months of the phase's first dose.
  int cycles = 0;
  int cycle_length_days = 0;
  int duration_months = 0;
  std::vector<RegimenItem> regimen;
  std::vector<DoseOverride> overrides;

  // kGate: the lowest response category that lets the subject go on.
  std::string minimum_response;

  // kHarvest: agents given for mobilisation, and what makes a harvest successful.
  // also_during: phases its agents may be given in too (harvest "during or after induction").
  std::vector<std::string> agents;
  std::vector<std::string> also_during;
  std::string success_analyte;
  std::string success_aggregate;  // "sum" or "max" of the analyte's results
  double success_greater_than = 0;

  // kTransplant: conditioning agents (their first dose starts the phase), and the gate that must
  // be met before it starts.
  std::vector<std::string> conditioning_agents;
  std::string requires_gate;

  // kFollowUp: visits every visit_every_months for duration_months.
  int visit_every_months = 0;
  int visit_window_days = 0;

  // kOffStudy: ResearchSubject statuses that take the subject off study.
  std::vector<std::string> enrollment_statuses;

  // The regimen item of `agent`, or nullptr.
  const RegimenItem* FindRegimen(std::string_view agent) const;
  // The dose override for (agent, cycle, day), or nullptr.
  const DoseOverride* FindOverride(std::string_view agent, int cycle, int day) const;
  // True when the phase's protocol gives `agent` (regimen, mobilisation or conditioning).
  bool UsesAgent(std::string_view agent) const;
};

class Schedule {
 public:
  // Parses schedule.json text. `study` is the study it belongs to: every agent and analyte it
  // names must be in the study's tables. INVALID_ARGUMENT names the member and the problem.
  static absl::StatusOr<Schedule> Parse(std::string_view json, const mappers::Study& study);

  const std::string& study_id() const { return study_id_; }
  const std::vector<Phase>& phases() const { return phases_; }
  // The phase with this id, or nullptr.
  const Phase* FindPhase(std::string_view id) const;
  // The dose levels of `agent`, or nullptr when the schedule gives none.
  const AgentRules* FindAgent(std::string_view agent) const;
  // True when `agent` may be given in any phase without a finding (e.g. G-CSF support).
  bool AllowedInAnyPhase(std::string_view agent) const;

  const std::string& height_analyte() const { return height_analyte_; }
  const std::string& weight_analyte() const { return weight_analyte_; }
  double dose_tolerance_percent() const { return dose_tolerance_percent_; }
  int cycle_delay_window_days() const { return cycle_delay_window_days_; }
  int dose_window_days() const { return dose_window_days_; }
  int qualifying_toxicity_min_grade() const { return qualifying_toxicity_min_grade_; }
  int toxicity_lookback_days() const { return toxicity_lookback_days_; }

  // IMWG categories best first; Rank() is the index (lower is better), nullopt if unknown.
  const std::vector<std::string>& response_order() const { return response_order_; }
  std::optional<int> ResponseRank(std::string_view category) const;
  const std::string& progression_response() const { return progression_response_; }

 private:
  std::string study_id_;
  std::vector<Phase> phases_;
  std::vector<AgentRules> agents_;
  std::vector<std::string> any_phase_agents_;
  std::string height_analyte_;
  std::string weight_analyte_;
  double dose_tolerance_percent_ = 10;
  int cycle_delay_window_days_ = 3;
  int dose_window_days_ = 0;
  int qualifying_toxicity_min_grade_ = 3;
  int toxicity_lookback_days_ = 28;
  std::vector<std::string> response_order_;
  std::string progression_response_;
};

}  // namespace trialgate::schedule

#endif  // TRIALGATE_GATEWAY_SCHEDULE_SCHEDULE_H_
