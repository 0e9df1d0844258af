#include "mappers/treatment_rules.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/common/json_reader.h"
#include "gateway/common/status_macros.h"

namespace trialgate::mappers {
namespace {

const DrugEntry* FindAgent(const CodeTables& tables, std::string_view id) {
  for (const DrugEntry& drug : tables.drugs) {
    if (drug.id == id) return &drug;
  }
  return nullptr;
}

const LabAnalyte* FindAnalyte(const CodeTables& tables, std::string_view id) {
  for (const LabAnalyte& lab : tables.labs) {
    if (lab.id == id) return &lab;
  }
  return nullptr;
}

absl::StatusOr<WithholdRule> ParseWithholdRule(const JsonObject& object, const std::string& agent,
                                               const CodeTables& tables,
                                               const CtcaeGradingTable& grading) {
  RETURN_IF_ERROR(object.OnlyKeys({"analyte", "label", "below", "unit", "term", "gradeAtLeast",
                                   "atLeastTimesBaseline", "source", "unconfirmed", "note"}));
  WithholdRule rule;
  rule.agent = agent;
  const bool below = object.Find("below").has_value();
  const bool times = object.Find("atLeastTimesBaseline").has_value();
  const bool graded = object.Find("gradeAtLeast").has_value();
  if (below + times + graded != 1) {
    return object.Problem(
        "a rule has exactly one of below (with analyte and unit), gradeAtLeast (with term) and "
        "atLeastTimesBaseline (with analyte)");
  }
  if (graded) {
    if (object.Find("analyte") || object.Find("unit") || object.Find("label")) {
      return object.Problem("a gradeAtLeast rule names a term, not an analyte, unit or label");
    }
    rule.condition = WithholdCondition::kGradeAtLeast;
    ASSIGN_OR_RETURN(rule.term, object.RequiredNonEmptyString("term"));
    const CtcaeGradingTerm* found = nullptr;
    for (const CtcaeGradingTerm& term : grading.terms) {
      if (term.term == rule.term) found = &term;
    }
    if (found == nullptr) {
      return object.Problem(absl::StrCat("term '", rule.term,
                                         "' is not graded by ctcae-lab-grading.json"));
    }
    rule.meddra_code = found->meddra_code;
    ASSIGN_OR_RETURN(const int64_t grade,
                     object.RequiredInt("gradeAtLeast", Sign::kPositive, 4));
    rule.grade_at_least = static_cast<int>(grade);
  } else {
    if (object.Find("term")) return object.Problem("only a gradeAtLeast rule names a term");
    ASSIGN_OR_RETURN(rule.analyte, object.RequiredNonEmptyString("analyte"));
    const LabAnalyte* analyte = FindAnalyte(tables, rule.analyte);
    if (analyte == nullptr) {
      return object.Problem(absl::StrCat("analyte ", rule.analyte, " is not in codes/labs.json"));
    }
    ASSIGN_OR_RETURN(rule.label, object.OptionalNonEmptyString("label", rule.analyte));
    if (below) {
      rule.condition = WithholdCondition::kBelow;
      ASSIGN_OR_RETURN(rule.threshold, object.RequiredNumber("below", Sign::kPositive));
      ASSIGN_OR_RETURN(rule.unit, object.RequiredNonEmptyString("unit"));
      // The latest labs come in the analyte's study unit, so the threshold must be in it too.
      if (rule.unit != analyte->unit) {
        return object.Problem(absl::StrCat("unit ", rule.unit, " is not ", analyte->unit,
                                           ", the unit of analyte ", rule.analyte,
                                           " in codes/labs.json"));
      }
    } else {
      if (object.Find("unit")) {
        return object.Problem("an atLeastTimesBaseline rule has no unit: it is a ratio");
      }
      rule.condition = WithholdCondition::kTimesBaseline;
      ASSIGN_OR_RETURN(rule.threshold,
                       object.RequiredNumber("atLeastTimesBaseline", Sign::kPositive));
    }
  }
  ASSIGN_OR_RETURN(rule.source, object.RequiredNonEmptyString("source"));
  ASSIGN_OR_RETURN(rule.unconfirmed, object.OptionalBool("unconfirmed", false));
  ASSIGN_OR_RETURN(rule.note, object.OptionalNonEmptyString("note"));
  return rule;
}

absl::StatusOr<CodePattern> ParsePattern(const JsonObject& object) {
  RETURN_IF_ERROR(
      object.OnlyKeys({"system", "code", "prefix", "display", "source", "unconfirmed"}));
  CodePattern pattern;
  ASSIGN_OR_RETURN(pattern.system, object.RequiredNonEmptyString("system"));
  const bool code = object.Find("code").has_value();
  const bool prefix = object.Find("prefix").has_value();
  if (code == prefix) return object.Problem("a code entry has exactly one of code and prefix");
  pattern.prefix = prefix;
  ASSIGN_OR_RETURN(pattern.code, object.RequiredNonEmptyString(prefix ? "prefix" : "code"));
  ASSIGN_OR_RETURN(pattern.display, object.OptionalNonEmptyString("display"));
  ASSIGN_OR_RETURN(pattern.source, object.RequiredNonEmptyString("source"));
  ASSIGN_OR_RETURN(pattern.unconfirmed, object.OptionalBool("unconfirmed", false));
  return pattern;
}

// The codes of the study agents named by `key`, as exact patterns.
absl::Status AddAgentCodes(const JsonObject& object, const std::string& key,
                           const CodeTables& tables, std::vector<CodePattern>* out) {
  ASSIGN_OR_RETURN(const std::vector<std::string> agents, object.OptionalStrings(key));
  for (const std::string& id : agents) {
    const DrugEntry* drug = FindAgent(tables, id);
    if (drug == nullptr) {
      return object.Problem(absl::StrCat(key, " names agent ", id,
                                         ", which is not in codes/drugs.json"));
    }
    for (const TableCode& code : drug->codes) {
      out->push_back(CodePattern{code.system, code.code, false, code.display,
                                 absl::StrCat("codes/drugs.json agent ", id, ": ", code.source),
                                 code.unconfirmed});
    }
  }
  return absl::OkStatus();
}

// A supportive-care class (prohibited == false) has no exceptions and no phases. `phase_ids`
// nullptr: the phases are not checked.
absl::StatusOr<MedicationClass> ParseClass(const JsonObject& object, const CodeTables& tables,
                                           bool prohibited,
                                           const std::vector<std::string>* phase_ids) {
  if (!prohibited) {
    RETURN_IF_ERROR(object.OnlyKeys({"id", "name", "codes", "agents", "source", "note"}));
  } else {
    RETURN_IF_ERROR(object.OnlyKeys({"id", "name", "codes", "agents", "except", "exceptAgents",
                                     "allowedInPhases", "source", "note"}));
  }
  MedicationClass out;
  ASSIGN_OR_RETURN(out.id, object.RequiredNonEmptyString("id"));
  ASSIGN_OR_RETURN(out.name, object.RequiredNonEmptyString("name"));
  ASSIGN_OR_RETURN(const std::vector<JsonObject> codes, object.OptionalObjects("codes"));
  ASSIGN_OR_RETURN(out.codes, ReadEach<CodePattern>(codes, ParsePattern));
  RETURN_IF_ERROR(AddAgentCodes(object, "agents", tables, &out.codes));
  if (out.codes.empty()) return object.Problem("a class needs codes or agents");
  ASSIGN_OR_RETURN(const std::vector<JsonObject> except, object.OptionalObjects("except"));
  ASSIGN_OR_RETURN(out.except, ReadEach<CodePattern>(except, ParsePattern));
  RETURN_IF_ERROR(AddAgentCodes(object, "exceptAgents", tables, &out.except));
  ASSIGN_OR_RETURN(out.allowed_in_phases, object.OptionalStrings("allowedInPhases"));
  for (const std::string& phase : out.allowed_in_phases) {
    if (phase_ids != nullptr && std::find(phase_ids->begin(), phase_ids->end(), phase) == phase_ids->end()) {
      return object.Problem(absl::StrCat("allowedInPhases names phase ", phase,
                                         ", which is not a phase of schedule.json"));
    }
  }
  ASSIGN_OR_RETURN(out.source, object.RequiredNonEmptyString("source"));
  ASSIGN_OR_RETURN(out.note, object.OptionalNonEmptyString("note"));
  return out;
}

absl::Status CheckUniqueIds(const JsonObject& top, const std::vector<MedicationClass>& a,
                            const std::vector<MedicationClass>& b) {
  std::vector<std::string> seen;
  for (const auto* list : {&a, &b}) {
    for (const MedicationClass& c : *list) {
      if (std::find(seen.begin(), seen.end(), c.id) != seen.end()) {
        return top.Problem(absl::StrCat("class id ", c.id, " is used twice"));
      }
      seen.push_back(c.id);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseWithholdRules(std::string_view text, const CodeTables& tables,
                                const CtcaeGradingTable& grading, TreatmentRules* rules) {
  ASSIGN_OR_RETURN(const JsonFile file, JsonFile::Parse(kWithholdRulesFile, text));
  const JsonObject& top = file.top();
  RETURN_IF_ERROR(top.OnlyKeys({"_comment", "source", "agents", "adverseEventReporting"}));
  RETURN_IF_ERROR(top.RequiredNonEmptyString("source").status());
  ASSIGN_OR_RETURN(const std::vector<JsonObject> agents,
                   top.RequiredObjects("agents", Items::kAny));
  std::vector<WithholdRule> withhold;
  for (const JsonObject& object : agents) {
    RETURN_IF_ERROR(object.OnlyKeys({"agent", "rules"}));
    ASSIGN_OR_RETURN(const std::string agent, object.RequiredNonEmptyString("agent"));
    if (FindAgent(tables, agent) == nullptr) {
      return object.Problem(absl::StrCat("agent ", agent, " is not in codes/drugs.json"));
    }
    ASSIGN_OR_RETURN(const std::vector<JsonObject> list,
                     object.RequiredObjects("rules", Items::kAtLeastOne));
    for (const JsonObject& rule : list) {
      ASSIGN_OR_RETURN(WithholdRule parsed, ParseWithholdRule(rule, agent, tables, grading));
      withhold.push_back(std::move(parsed));
    }
  }
  ASSIGN_OR_RETURN(const JsonObject reporting, top.RequiredObject("adverseEventReporting"));
  RETURN_IF_ERROR(reporting.OnlyKeys({"windowDays", "minimumGrade", "source"}));
  ASSIGN_OR_RETURN(const int64_t window,
                   reporting.OptionalInt("windowDays", 14, Sign::kZeroOrMore, 366));
  ASSIGN_OR_RETURN(const int64_t grade,
                   reporting.OptionalInt("minimumGrade", 3, Sign::kPositive, 5));
  ASSIGN_OR_RETURN(rules->ae_reporting_source, reporting.RequiredNonEmptyString("source"));
  rules->ae_reporting_window_days = static_cast<int>(window);
  rules->ae_reporting_minimum_grade = static_cast<int>(grade);
  rules->withhold = std::move(withhold);
  return absl::OkStatus();
}

absl::Status ParseConcomitantMedications(std::string_view text, const CodeTables& tables,
                                         const std::vector<std::string>* phase_ids,
                                         TreatmentRules* rules) {
  ASSIGN_OR_RETURN(const JsonFile file, JsonFile::Parse(kConcomitantMedicationsFile, text));
  const JsonObject& top = file.top();
  RETURN_IF_ERROR(top.OnlyKeys({"_comment", "source", "atcSources", "supportiveCare",
                                "prohibited"}));
  RETURN_IF_ERROR(top.RequiredNonEmptyString("source").status());
  ASSIGN_OR_RETURN(const std::vector<JsonObject> supportive,
                   top.RequiredObjects("supportiveCare"));
  ASSIGN_OR_RETURN(const std::vector<JsonObject> prohibited, top.RequiredObjects("prohibited"));
  ASSIGN_OR_RETURN(std::vector<MedicationClass> supportive_care,
                   ReadEach<MedicationClass>(supportive, [&](const JsonObject& object) {
                     return ParseClass(object, tables, false, nullptr);
                   }));
  ASSIGN_OR_RETURN(std::vector<MedicationClass> prohibited_classes,
                   ReadEach<MedicationClass>(prohibited, [&](const JsonObject& object) {
                     return ParseClass(object, tables, true, phase_ids);
                   }));
  RETURN_IF_ERROR(CheckUniqueIds(top, supportive_care, prohibited_classes));
  rules->supportive_care = std::move(supportive_care);
  rules->prohibited = std::move(prohibited_classes);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> SchedulePhaseIds(std::string_view schedule_json) {
  ASSIGN_OR_RETURN(const JsonFile file, JsonFile::Parse("schedule.json", schedule_json));
  ASSIGN_OR_RETURN(const std::vector<JsonObject> phases, file.top().OptionalObjects("phases"));
  std::vector<std::string> ids;
  for (const JsonObject& phase : phases) {
    ASSIGN_OR_RETURN(std::string id, phase.RequiredNonEmptyString("id"));
    ids.push_back(std::move(id));
  }
  return ids;
}

}  // namespace trialgate::mappers
