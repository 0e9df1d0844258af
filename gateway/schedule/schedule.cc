#include "gateway/schedule/schedule.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/common/json_reader.h"
#include "gateway/common/status_macros.h"
#include "rapidjson/document.h"

namespace trialgate::schedule {
namespace {

constexpr char kFile[] = "schedule.json";
constexpr int64_t kMaxCount = 100000;

// A count of the schedule (cycles, days, months, grades): an integer 0-100000, or 1-100000.
absl::StatusOr<int> RequiredCount(const JsonObject& object, std::string_view key,
                                  Sign sign = Sign::kZeroOrMore) {
  ASSIGN_OR_RETURN(const int64_t count, object.RequiredInt(key, sign, kMaxCount));
  return static_cast<int>(count);
}

absl::StatusOr<int> OptionalCount(const JsonObject& object, std::string_view key, int fallback) {
  ASSIGN_OR_RETURN(const int64_t count,
                   object.OptionalInt(key, fallback, Sign::kZeroOrMore, kMaxCount));
  return static_cast<int>(count);
}

// A day (8) or a range of days ("1-21").
absl::StatusOr<std::pair<int, int>> DayRange(const JsonValue& item) {
  const rapidjson::Value& json = item.json();
  if (json.IsInt()) return std::make_pair(json.GetInt(), json.GetInt());
  if (!json.IsString()) return item.Error("must be a day or an 'a-b' range");
  std::vector<std::string> parts = absl::StrSplit(json.GetString(), '-');
  int first = 0, last = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &first) ||
      !absl::SimpleAtoi(parts[1], &last) || first > last) {
    return item.Problem(absl::StrCat("'", json.GetString(), "' is not a day range 'a-b'"));
  }
  return std::make_pair(first, last);
}

// Days are numbers or "first-last" ranges: [1, 8, 15] or ["1-21"]. Sorted, unique, 1..max_day
// (from 1 up when max_day is 0).
absl::StatusOr<std::vector<int>> Days(const JsonObject& object, std::string_view key,
                                      int max_day) {
  ASSIGN_OR_RETURN(const JsonValue value, object.Required(key));
  ASSIGN_OR_RETURN(const std::vector<JsonValue> items, value.Array(Items::kAtLeastOne));
  std::set<int> days;
  for (const JsonValue& item : items) {
    ASSIGN_OR_RETURN(const auto range, DayRange(item));
    if (range.first < 1 || (max_day > 0 && range.second > max_day)) {
      return value.Error(max_day > 0 ? absl::StrCat("must be 1-", max_day) : "must be >= 1");
    }
    for (int day = range.first; day <= range.second; ++day) days.insert(day);
  }
  return std::vector<int>(days.begin(), days.end());
}

absl::StatusOr<PhaseKind> ParseKind(const JsonObject& object) {
  static const auto* kKinds = new std::map<std::string, PhaseKind>{
      {"cycles", PhaseKind::kCycles},         {"gate", PhaseKind::kGate},
      {"harvest", PhaseKind::kHarvest},       {"transplant", PhaseKind::kTransplant},
      {"follow_up", PhaseKind::kFollowUp},    {"off_study", PhaseKind::kOffStudy}};
  ASSIGN_OR_RETURN(const std::string kind, object.RequiredString("kind"));
  auto it = kKinds->find(kind);
  if (it == kKinds->end()) {
    return object.Problem(absl::StrCat("kind '", kind,
                                       "' is not one of cycles, gate, harvest, transplant, "
                                       "follow_up, off_study"));
  }
  return it->second;
}

absl::StatusOr<std::string> DoseUnit(const JsonObject& object) {
  return object.RequiredOneOf("unit", {kMg, kMgPerM2});
}

absl::StatusOr<RegimenItem> ParseRegimenItem(const JsonObject& object, int cycle_length_days) {
  RegimenItem item;
  ASSIGN_OR_RETURN(item.agent, object.RequiredString("agent"));
  ASSIGN_OR_RETURN(item.dose, object.RequiredNumber("dose", Sign::kZeroOrMore));
  ASSIGN_OR_RETURN(item.unit, DoseUnit(object));
  ASSIGN_OR_RETURN(item.days, Days(object, "days", cycle_length_days));
  ASSIGN_OR_RETURN(item.route, object.OptionalString("route"));
  return item;
}

absl::StatusOr<DoseOverride> ParseOverride(const JsonObject& object, int cycle_length_days) {
  DoseOverride dose_override;
  ASSIGN_OR_RETURN(dose_override.agent, object.RequiredString("agent"));
  ASSIGN_OR_RETURN(dose_override.dose, object.RequiredNumber("dose", Sign::kZeroOrMore));
  ASSIGN_OR_RETURN(dose_override.cycles, Days(object, "cycles", 0));
  ASSIGN_OR_RETURN(dose_override.days, Days(object, "days", cycle_length_days));
  ASSIGN_OR_RETURN(dose_override.choice, object.RequiredString("choice"));
  return dose_override;
}

// A cycles phase's regimen and its dose overrides, each naming an agent of the regimen once.
absl::Status ParseRegimen(const JsonObject& object, Phase* phase) {
  ASSIGN_OR_RETURN(const std::vector<JsonObject> regimen,
                   object.RequiredObjects("regimen", Items::kAtLeastOne));
  for (const JsonObject& entry : regimen) {
    ASSIGN_OR_RETURN(RegimenItem item, ParseRegimenItem(entry, phase->cycle_length_days));
    if (phase->FindRegimen(item.agent) != nullptr) {
      return entry.Problem(absl::StrCat(item.agent, " is listed twice"));
    }
    phase->regimen.push_back(std::move(item));
  }
  ASSIGN_OR_RETURN(const std::vector<JsonObject> overrides,
                   object.OptionalObjects("doseOverrides"));
  for (const JsonObject& entry : overrides) {
    ASSIGN_OR_RETURN(DoseOverride dose_override, ParseOverride(entry, phase->cycle_length_days));
    if (phase->FindRegimen(dose_override.agent) == nullptr) {
      return entry.Problem(absl::StrCat(dose_override.agent, " is not in the regimen"));
    }
    phase->overrides.push_back(std::move(dose_override));
  }
  return absl::OkStatus();
}

absl::Status ParseCyclesPhase(const JsonObject& object, Phase* phase) {
  ASSIGN_OR_RETURN(phase->cycles, OptionalCount(object, "cycles", 0));
  ASSIGN_OR_RETURN(phase->cycle_length_days,
                   RequiredCount(object, "cycleLengthDays", Sign::kPositive));
  ASSIGN_OR_RETURN(phase->duration_months, OptionalCount(object, "durationMonths", 0));
  if ((phase->cycles > 0) == (phase->duration_months > 0)) {
    return object.Problem("give exactly one of 'cycles' and 'durationMonths'");
  }
  return ParseRegimen(object, phase);
}

absl::Status ParseHarvestPhase(const JsonObject& object, Phase* phase) {
  ASSIGN_OR_RETURN(phase->agents, object.OptionalStrings("agents"));
  ASSIGN_OR_RETURN(phase->also_during, object.OptionalStrings("alsoDuring"));
  ASSIGN_OR_RETURN(const JsonObject success, object.RequiredObject("success"));
  ASSIGN_OR_RETURN(phase->success_analyte, success.RequiredString("analyte"));
  ASSIGN_OR_RETURN(phase->success_aggregate, success.RequiredOneOf("aggregate", {"sum", "max"}));
  ASSIGN_OR_RETURN(phase->success_greater_than,
                   success.RequiredNumber("greaterThan", Sign::kZeroOrMore));
  return absl::OkStatus();
}

absl::Status ParseFollowUpPhase(const JsonObject& object, Phase* phase) {
  ASSIGN_OR_RETURN(phase->visit_every_months,
                   RequiredCount(object, "visitEveryMonths", Sign::kPositive));
  ASSIGN_OR_RETURN(phase->duration_months,
                   RequiredCount(object, "durationMonths", Sign::kPositive));
  ASSIGN_OR_RETURN(phase->visit_window_days, OptionalCount(object, "visitWindowDays", 0));
  return absl::OkStatus();
}

absl::Status ParseTransplantPhase(const JsonObject& object, Phase* phase) {
  ASSIGN_OR_RETURN(phase->conditioning_agents, object.OptionalStrings("conditioningAgents"));
  ASSIGN_OR_RETURN(phase->requires_gate, object.OptionalString("requiresGate"));
  return absl::OkStatus();
}

// The members of a phase's kind.
absl::Status ParseKindMembers(const JsonObject& object, Phase* phase) {
  switch (phase->kind) {
    case PhaseKind::kCycles:
      return ParseCyclesPhase(object, phase);
    case PhaseKind::kGate: {
      ASSIGN_OR_RETURN(phase->minimum_response, object.RequiredString("minimumResponse"));
      return absl::OkStatus();
    }
    case PhaseKind::kHarvest:
      return ParseHarvestPhase(object, phase);
    case PhaseKind::kTransplant:
      return ParseTransplantPhase(object, phase);
    case PhaseKind::kFollowUp:
      return ParseFollowUpPhase(object, phase);
    case PhaseKind::kOffStudy: {
      ASSIGN_OR_RETURN(phase->enrollment_statuses, object.OptionalStrings("enrollmentStatuses"));
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Phase> ParsePhase(const JsonObject& object) {
  Phase phase;
  ASSIGN_OR_RETURN(phase.id, object.RequiredString("id"));
  ASSIGN_OR_RETURN(phase.name, object.RequiredString("name"));
  ASSIGN_OR_RETURN(phase.kind, ParseKind(object));
  RETURN_IF_ERROR(ParseKindMembers(object, &phase));
  return phase;
}

// "phases": at least one, ids unique, the first of kind cycles.
absl::StatusOr<std::vector<Phase>> ParsePhases(const JsonObject& top) {
  ASSIGN_OR_RETURN(const std::vector<JsonObject> objects,
                   top.RequiredObjects("phases", Items::kAtLeastOne));
  std::vector<Phase> phases;
  std::set<std::string> ids;
  for (const JsonObject& object : objects) {
    ASSIGN_OR_RETURN(Phase phase, ParsePhase(object));
    if (!ids.insert(phase.id).second) {
      return object.Problem(absl::StrCat("phase id '", phase.id, "' is listed twice"));
    }
    phases.push_back(std::move(phase));
  }
  if (phases.front().kind != PhaseKind::kCycles) {
    return objects.front().Problem(
        "the first phase must be of kind cycles (its first dose is day 1)");
  }
  return phases;
}

// Dose levels go down, highest first: a reduction moves down the list.
absl::StatusOr<std::vector<double>> DoseLevels(const JsonObject& object) {
  ASSIGN_OR_RETURN(const JsonValue value, object.Required("doseLevels"));
  ASSIGN_OR_RETURN(const std::vector<JsonValue> items, value.Array(Items::kAtLeastOne));
  std::vector<double> levels;
  for (const JsonValue& item : items) {
    ASSIGN_OR_RETURN(const double level, item.Number(Sign::kPositive));
    if (!levels.empty() && level >= levels.back()) {
      return value.Error("must go down, highest first");
    }
    levels.push_back(level);
  }
  return levels;
}

absl::StatusOr<AgentRules> ParseAgentRules(const JsonObject& object) {
  AgentRules rules;
  ASSIGN_OR_RETURN(rules.agent, object.RequiredString("agent"));
  ASSIGN_OR_RETURN(rules.unit, DoseUnit(object));
  ASSIGN_OR_RETURN(rules.dose_levels, DoseLevels(object));
  if (std::optional<JsonValue> cap = object.Find("bsaCapM2")) {
    ASSIGN_OR_RETURN(rules.bsa_cap_m2, cap->Number(Sign::kZeroOrMore));
  }
  return rules;
}

absl::StatusOr<std::vector<AgentRules>> ParseAgents(const JsonObject& top) {
  ASSIGN_OR_RETURN(const std::vector<JsonObject> objects, top.OptionalObjects("agents"));
  return ReadEach<AgentRules>(objects, ParseAgentRules);
}

// "anyPhaseAgents": [{"agent": ...}].
absl::StatusOr<std::vector<std::string>> ParseAnyPhaseAgents(const JsonObject& top) {
  ASSIGN_OR_RETURN(const std::vector<JsonObject> objects, top.OptionalObjects("anyPhaseAgents"));
  return ReadEach<std::string>(
      objects, [](const JsonObject& object) { return object.RequiredString("agent"); });
}

absl::Status ParseBodySurfaceArea(const JsonObject& top, std::string* height_analyte,
                                  std::string* weight_analyte) {
  ASSIGN_OR_RETURN(const JsonObject bsa, top.RequiredObject("bodySurfaceArea"));
  RETURN_IF_ERROR(bsa.RequiredOneOf("formula", {"mosteller"}).status());
  ASSIGN_OR_RETURN(*height_analyte, bsa.RequiredString("heightAnalyte"));
  ASSIGN_OR_RETURN(*weight_analyte, bsa.RequiredString("weightAnalyte"));
  return absl::OkStatus();
}

// "defaults", each over the value the schedule has without it.
absl::Status ParseDefaults(const JsonObject& top, double* dose_tolerance_percent,
                           int* cycle_delay_window_days, int* dose_window_days) {
  ASSIGN_OR_RETURN(const std::optional<JsonObject> defaults, top.OptionalObject("defaults"));
  if (!defaults) return absl::OkStatus();
  ASSIGN_OR_RETURN(*dose_tolerance_percent,
                   defaults->OptionalNumber("doseTolerancePercent", *dose_tolerance_percent,
                                            Sign::kZeroOrMore));
  ASSIGN_OR_RETURN(*cycle_delay_window_days,
                   OptionalCount(*defaults, "cycleDelayWindowDays", *cycle_delay_window_days));
  ASSIGN_OR_RETURN(*dose_window_days,
                   OptionalCount(*defaults, "doseWindowDays", *dose_window_days));
  return absl::OkStatus();
}

// "doseReduction", each over the value the schedule has without it.
absl::Status ParseDoseReduction(const JsonObject& top, int* min_grade, int* lookback_days) {
  ASSIGN_OR_RETURN(const std::optional<JsonObject> reduction, top.OptionalObject("doseReduction"));
  if (!reduction) return absl::OkStatus();
  ASSIGN_OR_RETURN(*min_grade, OptionalCount(*reduction, "qualifyingToxicityMinGrade", *min_grade));
  ASSIGN_OR_RETURN(*lookback_days, OptionalCount(*reduction, "lookbackDays", *lookback_days));
  return absl::OkStatus();
}

// "response": the categories best first, one of them progression.
absl::Status ParseResponse(const JsonObject& top, std::vector<std::string>* order,
                           std::string* progression) {
  ASSIGN_OR_RETURN(const JsonObject response, top.RequiredObject("response"));
  ASSIGN_OR_RETURN(*order, response.OptionalStrings("order"));
  ASSIGN_OR_RETURN(*progression, response.RequiredString("progression"));
  if (std::find(order->begin(), order->end(), *progression) == order->end()) {
    return response.Problem("'order' must be non-empty and hold 'progression'");
  }
  return absl::OkStatus();
}

// Every agent the schedule names, in the order of the file.
std::vector<std::string> NamedAgents(const std::vector<AgentRules>& agents,
                                     const std::vector<std::string>& any_phase_agents,
                                     const std::vector<Phase>& phases) {
  std::vector<std::string> named;
  for (const AgentRules& rules : agents) named.push_back(rules.agent);
  named.insert(named.end(), any_phase_agents.begin(), any_phase_agents.end());
  for (const Phase& phase : phases) {
    for (const RegimenItem& item : phase.regimen) named.push_back(item.agent);
    named.insert(named.end(), phase.agents.begin(), phase.agents.end());
    named.insert(named.end(), phase.conditioning_agents.begin(), phase.conditioning_agents.end());
  }
  return named;
}

// A regimen's agent must have dose levels in the same unit, its dose one of them.
absl::Status CheckRegimen(const Schedule& schedule, const Phase& phase) {
  for (const RegimenItem& item : phase.regimen) {
    const AgentRules* rules = schedule.FindAgent(item.agent);
    if (rules == nullptr) {
      return JsonFileError(kFile, phase.id, absl::StrCat(item.agent, " has no entry in 'agents'"));
    }
    if (rules->unit != item.unit) {
      return JsonFileError(kFile, phase.id,
                           absl::StrCat(item.agent, ": the regimen's unit ", item.unit,
                                        " differs from the agent's ", rules->unit));
    }
    if (std::find(rules->dose_levels.begin(), rules->dose_levels.end(), item.dose) ==
        rules->dose_levels.end()) {
      return JsonFileError(kFile, phase.id, absl::StrCat(item.agent, ": dose ", item.dose,
                                                         " is not one of its doseLevels"));
    }
  }
  return absl::OkStatus();
}

// What a phase names must exist: its harvest analyte, gate response and required gate.
absl::Status CheckPhase(const Schedule& schedule, const Phase& phase, const mappers::Study& study) {
  if (phase.kind == PhaseKind::kHarvest && !study.HasLab(phase.success_analyte)) {
    return JsonFileError(kFile, phase.id, absl::StrCat("'", phase.success_analyte,
                                                       "' is not an analyte of codes/labs.json"));
  }
  if (phase.kind == PhaseKind::kGate && !schedule.ResponseRank(phase.minimum_response)) {
    return JsonFileError(kFile, phase.id,
                         absl::StrCat("'", phase.minimum_response, "' is not in response.order"));
  }
  if (!phase.requires_gate.empty()) {
    const Phase* gate = schedule.FindPhase(phase.requires_gate);
    if (gate == nullptr || gate->kind != PhaseKind::kGate) {
      return JsonFileError(kFile, phase.id, absl::StrCat("requiresGate '", phase.requires_gate,
                                                         "' is not a gate phase"));
    }
  }
  return CheckRegimen(schedule, phase);
}

// Every agent and analyte the schedule names must be one the study's tables know, and the
// phases must fit together: a typo here would silently disable a check.
absl::Status CheckReferences(const Schedule& schedule, const mappers::Study& study,
                             const std::vector<std::string>& named_agents) {
  for (const std::string& agent : named_agents) {
    if (!study.HasDrug(agent)) {
      return JsonFileError(kFile, "agents",
                           absl::StrCat("'", agent, "' is not a drug of codes/drugs.json"));
    }
  }
  for (const std::string* analyte : {&schedule.height_analyte(), &schedule.weight_analyte()}) {
    if (!study.HasLab(*analyte)) {
      return JsonFileError(kFile, "bodySurfaceArea",
                           absl::StrCat("'", *analyte, "' is not an analyte of codes/labs.json"));
    }
  }
  for (const Phase& phase : schedule.phases()) RETURN_IF_ERROR(CheckPhase(schedule, phase, study));
  return absl::OkStatus();
}

}  // namespace

const RegimenItem* Phase::FindRegimen(std::string_view agent) const {
  for (const RegimenItem& item : regimen) {
    if (item.agent == agent) return &item;
  }
  return nullptr;
}

const DoseOverride* Phase::FindOverride(std::string_view agent, int cycle, int day) const {
  for (const DoseOverride& entry : overrides) {
    if (entry.agent != agent) continue;
    if (std::binary_search(entry.cycles.begin(), entry.cycles.end(), cycle) &&
        std::binary_search(entry.days.begin(), entry.days.end(), day)) {
      return &entry;
    }
  }
  return nullptr;
}

bool Phase::UsesAgent(std::string_view agent) const {
  auto in = [&](const std::vector<std::string>& list) {
    return std::find(list.begin(), list.end(), agent) != list.end();
  };
  return FindRegimen(agent) != nullptr || in(agents) || in(conditioning_agents);
}

absl::StatusOr<Schedule> Schedule::Parse(std::string_view json, const mappers::Study& study) {
  ASSIGN_OR_RETURN(const JsonFile file, JsonFile::Parse(kFile, json));
  const JsonObject& top = file.top();
  RETURN_IF_ERROR(top.RequiredOneOf("format", {"trialgate-schedule/1"}).status());
  Schedule schedule;
  schedule.study_id_ = study.study_id();
  RETURN_IF_ERROR(
      ParseBodySurfaceArea(top, &schedule.height_analyte_, &schedule.weight_analyte_));
  RETURN_IF_ERROR(ParseDefaults(top, &schedule.dose_tolerance_percent_,
                                &schedule.cycle_delay_window_days_, &schedule.dose_window_days_));
  ASSIGN_OR_RETURN(schedule.agents_, ParseAgents(top));
  ASSIGN_OR_RETURN(schedule.any_phase_agents_, ParseAnyPhaseAgents(top));
  RETURN_IF_ERROR(ParseDoseReduction(top, &schedule.qualifying_toxicity_min_grade_,
                                     &schedule.toxicity_lookback_days_));
  RETURN_IF_ERROR(
      ParseResponse(top, &schedule.response_order_, &schedule.progression_response_));
  ASSIGN_OR_RETURN(schedule.phases_, ParsePhases(top));
  RETURN_IF_ERROR(CheckReferences(
      schedule, study,
      NamedAgents(schedule.agents_, schedule.any_phase_agents_, schedule.phases_)));
  return schedule;
}

const Phase* Schedule::FindPhase(std::string_view id) const {
  for (const Phase& phase : phases_) {
    if (phase.id == id) return &phase;
  }
  return nullptr;
}

const AgentRules* Schedule::FindAgent(std::string_view agent) const {
  for (const AgentRules& rules : agents_) {
    if (rules.agent == agent) return &rules;
  }
  return nullptr;
}

bool Schedule::AllowedInAnyPhase(std::string_view agent) const {
  return std::find(any_phase_agents_.begin(), any_phase_agents_.end(), agent) !=
         any_phase_agents_.end();
}

std::optional<int> Schedule::ResponseRank(std::string_view category) const {
  for (size_t i = 0; i < response_order_.size(); ++i) {
    if (response_order_[i] == category) return static_cast<int>(i);
  }
  return std::nullopt;
}

}  // namespace trialgate::schedule
