#include "gateway/schedule/schedule.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/common/status_macros.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"

namespace trialgate::schedule {
namespace {

using rapidjson::Value;

absl::Status Invalid(const std::string& path, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("schedule.json: ", path, ": ", what));
}

const Value* Member(const Value& object, const char* key) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(key);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

absl::StatusOr<std::string> String(const Value& object, const char* key, const std::string& path,
                                   bool required = true) {
  const Value* value = Member(object, key);
  if (value == nullptr) {
    if (required) return Invalid(path, absl::StrCat("missing '", key, "'"));
    return std::string();
  }
  if (!value->IsString()) return Invalid(path, absl::StrCat("'", key, "' must be a string"));
  return std::string(value->GetString(), value->GetStringLength());
}

absl::StatusOr<double> Number(const Value& object, const char* key, const std::string& path,
                              std::optional<double> fallback = std::nullopt) {
  const Value* value = Member(object, key);
  if (value == nullptr) {
    if (fallback) return *fallback;
    return Invalid(path, absl::StrCat("missing '", key, "'"));
  }
  if (!value->IsNumber() || value->GetDouble() < 0) {
    return Invalid(path, absl::StrCat("'", key, "' must be a number >= 0"));
  }
  return value->GetDouble();
}

absl::StatusOr<int> Int(const Value& object, const char* key, const std::string& path,
                        std::optional<int> fallback = std::nullopt) {
  const Value* value = Member(object, key);
  if (value == nullptr) {
    if (fallback) return *fallback;
    return Invalid(path, absl::StrCat("missing '", key, "'"));
  }
  if (!value->IsInt() || value->GetInt() < 0 || value->GetInt() > 100000) {
    return Invalid(path, absl::StrCat("'", key, "' must be an integer 0-100000"));
  }
  return value->GetInt();
}

absl::StatusOr<std::vector<std::string>> Strings(const Value& object, const char* key,
                                                 const std::string& path) {
  std::vector<std::string> out;
  const Value* value = Member(object, key);
  if (value == nullptr) return out;
  if (!value->IsArray()) return Invalid(path, absl::StrCat("'", key, "' must be an array"));
  for (const Value& item : value->GetArray()) {
    if (!item.IsString()) return Invalid(path, absl::StrCat("'", key, "' must hold strings"));
    out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return out;
}

// Days are numbers or "first-last" ranges: [1, 8, 15] or ["1-21"]. Sorted, unique, 1..max_day.
absl::StatusOr<std::vector<int>> Days(const Value& object, const char* key, const std::string& path,
                                      int max_day) {
  const Value* value = Member(object, key);
  if (value == nullptr || !value->IsArray() || value->Empty()) {
    return Invalid(path, absl::StrCat("'", key, "' must be a non-empty array of days"));
  }
  std::set<int> days;
  for (const Value& item : value->GetArray()) {
    int first = 0, last = 0;
    if (item.IsInt()) {
      first = last = item.GetInt();
    } else if (item.IsString()) {
      std::vector<std::string> parts = absl::StrSplit(item.GetString(), '-');
      if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &first) ||
          !absl::SimpleAtoi(parts[1], &last) || first > last) {
        return Invalid(path, absl::StrCat("'", item.GetString(), "' is not a day range 'a-b'"));
      }
    } else {
      return Invalid(path, absl::StrCat("'", key, "' items must be days or 'a-b' ranges"));
    }
    if (first < 1 || (max_day > 0 && last > max_day)) {
      return Invalid(path, absl::StrCat("days must be 1-", max_day));
    }
    for (int day = first; day <= last; ++day) days.insert(day);
  }
  return std::vector<int>(days.begin(), days.end());
}

absl::StatusOr<PhaseKind> ParseKind(const std::string& kind, const std::string& path) {
  static const auto* kKinds = new std::map<std::string, PhaseKind>{
      {"cycles", PhaseKind::kCycles},         {"gate", PhaseKind::kGate},
      {"harvest", PhaseKind::kHarvest},       {"transplant", PhaseKind::kTransplant},
      {"follow_up", PhaseKind::kFollowUp},    {"off_study", PhaseKind::kOffStudy}};
  auto it = kKinds->find(kind);
  if (it == kKinds->end()) {
    return Invalid(path, absl::StrCat("kind '", kind,
                                      "' is not one of cycles, gate, harvest, transplant, "
                                      "follow_up, off_study"));
  }
  return it->second;
}

absl::StatusOr<std::string> DoseUnit(const Value& object, const std::string& path) {
  ASSIGN_OR_RETURN(std::string unit, String(object, "unit", path));
  if (unit != kMg && unit != kMgPerM2) return Invalid(path, "'unit' must be mg or mg/m2");
  return unit;
}

absl::Status ParseCyclesPhase(const Value& item, const std::string& path, Phase* phase) {
  ASSIGN_OR_RETURN(phase->cycles, Int(item, "cycles", path, 0));
  ASSIGN_OR_RETURN(phase->cycle_length_days, Int(item, "cycleLengthDays", path));
  ASSIGN_OR_RETURN(phase->duration_months, Int(item, "durationMonths", path, 0));
  if (phase->cycle_length_days < 1) return Invalid(path, "cycleLengthDays must be >= 1");
  if ((phase->cycles > 0) == (phase->duration_months > 0)) {
    return Invalid(path, "give exactly one of 'cycles' and 'durationMonths'");
  }
  const Value* regimen = Member(item, "regimen");
  if (regimen == nullptr || !regimen->IsArray() || regimen->Empty()) {
    return Invalid(path, "'regimen' must be a non-empty array");
  }
  for (rapidjson::SizeType i = 0; i < regimen->Size(); ++i) {
    const Value& entry = (*regimen)[i];
    const std::string entry_path = absl::StrCat(path, ".regimen[", i, "]");
    RegimenItem regimen_item;
    ASSIGN_OR_RETURN(regimen_item.agent, String(entry, "agent", entry_path));
    ASSIGN_OR_RETURN(regimen_item.dose, Number(entry, "dose", entry_path));
    ASSIGN_OR_RETURN(regimen_item.unit, DoseUnit(entry, entry_path));
    ASSIGN_OR_RETURN(regimen_item.days,
                     Days(entry, "days", entry_path, phase->cycle_length_days));
    ASSIGN_OR_RETURN(regimen_item.route, String(entry, "route", entry_path, false));
    if (phase->FindRegimen(regimen_item.agent) != nullptr) {
      return Invalid(entry_path, absl::StrCat(regimen_item.agent, " is listed twice"));
    }
    phase->regimen.push_back(std::move(regimen_item));
  }
  const Value* overrides = Member(item, "doseOverrides");
  if (overrides == nullptr) return absl::OkStatus();
  if (!overrides->IsArray()) return Invalid(path, "'doseOverrides' must be an array");
  for (rapidjson::SizeType i = 0; i < overrides->Size(); ++i) {
    const Value& entry = (*overrides)[i];
    const std::string entry_path = absl::StrCat(path, ".doseOverrides[", i, "]");
    DoseOverride dose_override;
    ASSIGN_OR_RETURN(dose_override.agent, String(entry, "agent", entry_path));
    ASSIGN_OR_RETURN(dose_override.dose, Number(entry, "dose", entry_path));
    ASSIGN_OR_RETURN(dose_override.cycles, Days(entry, "cycles", entry_path, 0));
    ASSIGN_OR_RETURN(dose_override.days, Days(entry, "days", entry_path, phase->cycle_length_days));
    ASSIGN_OR_RETURN(dose_override.choice, String(entry, "choice", entry_path));
    if (phase->FindRegimen(dose_override.agent) == nullptr) {
      return Invalid(entry_path, absl::StrCat(dose_override.agent, " is not in the regimen"));
    }
    phase->overrides.push_back(std::move(dose_override));
  }
  return absl::OkStatus();
}

absl::StatusOr<Phase> ParsePhase(const Value& item, const std::string& path) {
  Phase phase;
  ASSIGN_OR_RETURN(phase.id, String(item, "id", path));
  ASSIGN_OR_RETURN(phase.name, String(item, "name", path));
  ASSIGN_OR_RETURN(std::string kind, String(item, "kind", path));
  ASSIGN_OR_RETURN(phase.kind, ParseKind(kind, path));
  switch (phase.kind) {
    case PhaseKind::kCycles:
      RETURN_IF_ERROR(ParseCyclesPhase(item, path, &phase));
      break;
    case PhaseKind::kGate: {
      ASSIGN_OR_RETURN(phase.minimum_response, String(item, "minimumResponse", path));
      break;
    }
    case PhaseKind::kHarvest: {
      ASSIGN_OR_RETURN(phase.agents, Strings(item, "agents", path));
      ASSIGN_OR_RETURN(phase.also_during, Strings(item, "alsoDuring", path));
      const Value* success = Member(item, "success");
      const std::string success_path = path + ".success";
      if (success == nullptr) return Invalid(path, "missing 'success'");
      ASSIGN_OR_RETURN(phase.success_analyte, String(*success, "analyte", success_path));
      ASSIGN_OR_RETURN(phase.success_aggregate, String(*success, "aggregate", success_path));
      if (phase.success_aggregate != "sum" && phase.success_aggregate != "max") {
        return Invalid(success_path, "'aggregate' must be sum or max");
      }
      ASSIGN_OR_RETURN(phase.success_greater_than, Number(*success, "greaterThan", success_path));
      break;
    }
    case PhaseKind::kTransplant: {
      ASSIGN_OR_RETURN(phase.conditioning_agents, Strings(item, "conditioningAgents", path));
      ASSIGN_OR_RETURN(phase.requires_gate, String(item, "requiresGate", path, false));
      break;
    }
    case PhaseKind::kFollowUp: {
      ASSIGN_OR_RETURN(phase.visit_every_months, Int(item, "visitEveryMonths", path));
      ASSIGN_OR_RETURN(phase.duration_months, Int(item, "durationMonths", path));
      ASSIGN_OR_RETURN(phase.visit_window_days, Int(item, "visitWindowDays", path, 0));
      if (phase.visit_every_months < 1 || phase.duration_months < 1) {
        return Invalid(path, "visitEveryMonths and durationMonths must be >= 1");
      }
      break;
    }
    case PhaseKind::kOffStudy: {
      ASSIGN_OR_RETURN(phase.enrollment_statuses, Strings(item, "enrollmentStatuses", path));
      break;
    }
  }
  return phase;
}

absl::StatusOr<AgentRules> ParseAgentRules(const Value& item, const std::string& path) {
  AgentRules rules;
  ASSIGN_OR_RETURN(rules.agent, String(item, "agent", path));
  ASSIGN_OR_RETURN(rules.unit, DoseUnit(item, path));
  const Value* levels = Member(item, "doseLevels");
  if (levels == nullptr || !levels->IsArray() || levels->Empty()) {
    return Invalid(path, "'doseLevels' must be a non-empty array");
  }
  for (const Value& level : levels->GetArray()) {
    if (!level.IsNumber() || level.GetDouble() <= 0) {
      return Invalid(path, "'doseLevels' must hold numbers > 0");
    }
    if (!rules.dose_levels.empty() && level.GetDouble() >= rules.dose_levels.back()) {
      return Invalid(path, "'doseLevels' must go down, highest first");
    }
    rules.dose_levels.push_back(level.GetDouble());
  }
  if (Member(item, "bsaCapM2") != nullptr) {
    ASSIGN_OR_RETURN(double cap, Number(item, "bsaCapM2", path));
    rules.bsa_cap_m2 = cap;
  }
  return rules;
}

// Every agent and analyte the schedule names must be one the study's tables know, and the
// phases must fit together: a typo here would silently disable a check.
absl::Status CheckReferences(const Schedule& schedule, const mappers::Study& study,
                             const std::vector<std::string>& named_agents) {
  for (const std::string& agent : named_agents) {
    if (!study.HasDrug(agent)) {
      return Invalid("agents", absl::StrCat("'", agent, "' is not a drug of codes/drugs.json"));
    }
  }
  for (const std::string* analyte : {&schedule.height_analyte(), &schedule.weight_analyte()}) {
    if (!study.HasLab(*analyte)) {
      return Invalid("bodySurfaceArea",
                     absl::StrCat("'", *analyte, "' is not an analyte of codes/labs.json"));
    }
  }
  for (const Phase& phase : schedule.phases()) {
    if (phase.kind == PhaseKind::kHarvest && !study.HasLab(phase.success_analyte)) {
      return Invalid(phase.id, absl::StrCat("'", phase.success_analyte,
                                            "' is not an analyte of codes/labs.json"));
    }
    if (phase.kind == PhaseKind::kGate && !schedule.ResponseRank(phase.minimum_response)) {
      return Invalid(phase.id, absl::StrCat("'", phase.minimum_response,
                                            "' is not in response.order"));
    }
    if (!phase.requires_gate.empty()) {
      const Phase* gate = schedule.FindPhase(phase.requires_gate);
      if (gate == nullptr || gate->kind != PhaseKind::kGate) {
        return Invalid(phase.id, absl::StrCat("requiresGate '", phase.requires_gate,
                                              "' is not a gate phase"));
      }
    }
    for (const RegimenItem& item : phase.regimen) {
      const AgentRules* rules = schedule.FindAgent(item.agent);
      if (rules == nullptr) {
        return Invalid(phase.id, absl::StrCat(item.agent, " has no entry in 'agents'"));
      }
      if (rules->unit != item.unit) {
        return Invalid(phase.id, absl::StrCat(item.agent, ": the regimen's unit ", item.unit,
                                              " differs from the agent's ", rules->unit));
      }
      if (std::find(rules->dose_levels.begin(), rules->dose_levels.end(), item.dose) ==
          rules->dose_levels.end()) {
        return Invalid(phase.id, absl::StrCat(item.agent, ": dose ", item.dose,
                                              " is not one of its doseLevels"));
      }
    }
  }
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
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "schedule.json: invalid JSON at offset ", doc.GetErrorOffset(), ": ",
        rapidjson::GetParseError_En(doc.GetParseError())));
  }
  if (!doc.IsObject()) return Invalid("(root)", "not an object");
  ASSIGN_OR_RETURN(std::string format, String(doc, "format", "(root)"));
  if (format != "trialgate-schedule/1") {
    return Invalid("format", absl::StrCat("'", format, "' is not trialgate-schedule/1"));
  }
  Schedule schedule;
  schedule.study_id_ = study.study_id();
  std::vector<std::string> named_agents;

  const Value* bsa = Member(doc, "bodySurfaceArea");
  if (bsa == nullptr) return Invalid("(root)", "missing 'bodySurfaceArea'");
  ASSIGN_OR_RETURN(std::string formula, String(*bsa, "formula", "bodySurfaceArea"));
  if (formula != "mosteller") return Invalid("bodySurfaceArea", "'formula' must be mosteller");
  ASSIGN_OR_RETURN(schedule.height_analyte_, String(*bsa, "heightAnalyte", "bodySurfaceArea"));
  ASSIGN_OR_RETURN(schedule.weight_analyte_, String(*bsa, "weightAnalyte", "bodySurfaceArea"));

  if (const Value* defaults = Member(doc, "defaults")) {
    ASSIGN_OR_RETURN(schedule.dose_tolerance_percent_,
                     Number(*defaults, "doseTolerancePercent", "defaults", 10.0));
    ASSIGN_OR_RETURN(schedule.cycle_delay_window_days_,
                     Int(*defaults, "cycleDelayWindowDays", "defaults", 3));
    ASSIGN_OR_RETURN(schedule.dose_window_days_, Int(*defaults, "doseWindowDays", "defaults", 0));
  }

  if (const Value* agents = Member(doc, "agents")) {
    if (!agents->IsArray()) return Invalid("agents", "must be an array");
    for (rapidjson::SizeType i = 0; i < agents->Size(); ++i) {
      ASSIGN_OR_RETURN(AgentRules rules,
                       ParseAgentRules((*agents)[i], absl::StrCat("agents[", i, "]")));
      named_agents.push_back(rules.agent);
      schedule.agents_.push_back(std::move(rules));
    }
  }
  if (const Value* any_phase = Member(doc, "anyPhaseAgents")) {
    if (!any_phase->IsArray()) return Invalid("anyPhaseAgents", "must be an array");
    for (const Value& item : any_phase->GetArray()) {
      ASSIGN_OR_RETURN(std::string agent, String(item, "agent", "anyPhaseAgents"));
      named_agents.push_back(agent);
      schedule.any_phase_agents_.push_back(std::move(agent));
    }
  }
  if (const Value* reduction = Member(doc, "doseReduction")) {
    ASSIGN_OR_RETURN(schedule.qualifying_toxicity_min_grade_,
                     Int(*reduction, "qualifyingToxicityMinGrade", "doseReduction", 3));
    ASSIGN_OR_RETURN(schedule.toxicity_lookback_days_,
                     Int(*reduction, "lookbackDays", "doseReduction", 28));
  }
  const Value* response = Member(doc, "response");
  if (response == nullptr) return Invalid("(root)", "missing 'response'");
  ASSIGN_OR_RETURN(schedule.response_order_, Strings(*response, "order", "response"));
  ASSIGN_OR_RETURN(schedule.progression_response_, String(*response, "progression", "response"));
  if (schedule.response_order_.empty() || !schedule.ResponseRank(schedule.progression_response_)) {
    return Invalid("response", "'order' must be non-empty and hold 'progression'");
  }

  const Value* phases = Member(doc, "phases");
  if (phases == nullptr || !phases->IsArray() || phases->Empty()) {
    return Invalid("(root)", "'phases' must be a non-empty array");
  }
  std::set<std::string> ids;
  for (rapidjson::SizeType i = 0; i < phases->Size(); ++i) {
    ASSIGN_OR_RETURN(Phase phase, ParsePhase((*phases)[i], absl::StrCat("phases[", i, "]")));
    if (!ids.insert(phase.id).second) return Invalid(phase.id, "phase id listed twice");
    for (const RegimenItem& item : phase.regimen) named_agents.push_back(item.agent);
    for (const std::string& agent : phase.agents) named_agents.push_back(agent);
    for (const std::string& agent : phase.conditioning_agents) named_agents.push_back(agent);
    schedule.phases_.push_back(std::move(phase));
  }
  if (schedule.phases_.front().kind != PhaseKind::kCycles) {
    return Invalid("phases", "the first phase must be of kind cycles (its first dose is day 1)");
  }
  RETURN_IF_ERROR(CheckReferences(schedule, study, named_agents));
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
