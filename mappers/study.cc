#include "mappers/study.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/json_reader.h"
#include "gateway/common/status_macros.h"

namespace trialgate::mappers {
namespace {

template <typename Entry>
CodeMatch<Entry> Lookup(const std::vector<Entry>& entries,
                        const std::map<std::string, std::pair<size_t, size_t>>& index,
                        std::string_view system, std::string_view code) {
  auto it = index.find(CodeKey(system, code));
  if (it == index.end()) return {};
  const Entry& entry = entries[it->second.first];
  return CodeMatch<Entry>{&entry, &entry.codes[it->second.second]};
}

constexpr char kStudyFile[] = "study.json";

// study.json "profiles": resource type -> profile URL ("_comment" and other "_" keys skipped).
absl::StatusOr<std::map<std::string, std::string>> ParseProfiles(const JsonObject& top) {
  std::map<std::string, std::string> out;
  ASSIGN_OR_RETURN(const std::optional<JsonObject> profiles, top.OptionalObject("profiles"));
  if (!profiles) return out;
  for (const auto& [type, value] : profiles->Members()) {
    if (type.empty() || type[0] == '_') continue;
    ASSIGN_OR_RETURN(out[type], value.NonEmptyString());
  }
  return out;
}

// The codes of the table a value set is drawn from, only those of `systems` when any are given;
// nullopt for a table no value set can be drawn from.
std::optional<std::vector<TableCode>> TableCodes(const CodeTables& tables,
                                                 std::string_view table,
                                                 const std::vector<std::string>& systems) {
  std::vector<const std::vector<TableCode>*> lists;
  if (table == "codes/drugs.json") {
    for (const DrugEntry& drug : tables.drugs) lists.push_back(&drug.codes);
  } else if (table == "codes/labs.json") {
    for (const LabAnalyte& lab : tables.labs) lists.push_back(&lab.codes);
  } else if (table == "codes/routes.json") {
    for (const RouteEntry& route : tables.routes) lists.push_back(&route.codes);
  } else {
    return std::nullopt;
  }
  std::vector<TableCode> out;
  for (const auto* list : lists) {
    for (const TableCode& code : *list) {
      if (systems.empty() ||
          std::find(systems.begin(), systems.end(), code.system) != systems.end()) {
        out.push_back(code);
      }
    }
  }
  return out;
}

// One of study.json "valueSets": {url, title, table, systems?}.
absl::StatusOr<StudyValueSet> ParseValueSet(const JsonObject& object, const CodeTables& tables) {
  StudyValueSet value_set;
  ASSIGN_OR_RETURN(value_set.url, object.RequiredNonEmptyString("url"));
  ASSIGN_OR_RETURN(const JsonValue table, object.Required("table"));
  ASSIGN_OR_RETURN(const std::string table_name, table.NonEmptyString());
  ASSIGN_OR_RETURN(value_set.title, object.OptionalNonEmptyString("title", value_set.url));
  ASSIGN_OR_RETURN(const std::vector<std::string> systems, object.OptionalStrings("systems"));
  std::optional<std::vector<TableCode>> codes = TableCodes(tables, table_name, systems);
  if (!codes) {
    return table.Problem(absl::StrCat(
        "table '", table_name,
        "' is not one a value set can be drawn from (codes/drugs.json, codes/labs.json, "
        "codes/routes.json)"));
  }
  if (codes->empty()) {
    return object.Problem(absl::StrCat("value set ", value_set.url, " has no codes"));
  }
  value_set.codes = *std::move(codes);
  return value_set;
}

// Every file under profiles/: the study's StructureDefinitions.
std::map<std::string, std::string> DefinitionFiles(
    const std::map<std::string, std::string>& files) {
  std::map<std::string, std::string> out;
  for (const auto& [path, content] : files) {
    if (path.rfind("profiles/", 0) == 0 && path.size() > 5 &&
        path.compare(path.size() - 5, 5, ".json") == 0) {
      out[path] = content;
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const Study>> Study::FromFiles(
    const std::map<std::string, std::string>& files) {
  auto it = files.find(kStudyFile);
  if (it == files.end()) return JsonFileError(kStudyFile, "missing");
  ASSIGN_OR_RETURN(const JsonFile file, JsonFile::Parse(kStudyFile, it->second));
  const JsonObject& top = file.top();
  std::shared_ptr<Study> study(new Study());
  ASSIGN_OR_RETURN(study->study_id_, top.RequiredNonEmptyString("studyId"));
  // The default keeps a study.json without the member working, as the README documents.
  ASSIGN_OR_RETURN(study->subject_id_system_, top.OptionalNonEmptyString(
                                                  "subjectIdSystem",
                                                  "urn:trialgate:krd-asct2:subject"));
  ASSIGN_OR_RETURN(study->ctcae_grade_extension_url_,
                   top.RequiredNonEmptyString("ctcaeGradeExtensionUrl"));
  ASSIGN_OR_RETURN(study->tables_, ParseCodeTables(files));
  ASSIGN_OR_RETURN(study->profile_for_type_, ParseProfiles(top));
  ASSIGN_OR_RETURN(const std::vector<JsonObject> value_sets, top.OptionalObjects("valueSets"));
  ASSIGN_OR_RETURN(study->value_sets_,
                   ReadEach<StudyValueSet>(value_sets, [&](const JsonObject& object) {
                     return ParseValueSet(object, study->tables_);
                   }));
  study->definition_files_ = DefinitionFiles(files);
  if (auto schedule = files.find("schedule.json"); schedule != files.end()) {
    study->schedule_json_ = schedule->second;
  }
  if (auto grading = files.find(kCtcaeGradingFile); grading != files.end()) {
    ASSIGN_OR_RETURN(study->ctcae_grading_, ParseCtcaeGrading(grading->second, study->tables_));
  }
  if (auto response = files.find(kResponseCriteriaFile); response != files.end()) {
    ASSIGN_OR_RETURN(study->response_criteria_,
                     ParseResponseCriteria(response->second, study->tables_));
  }
  if (auto withhold = files.find(kWithholdRulesFile); withhold != files.end()) {
    RETURN_IF_ERROR(ParseWithholdRules(withhold->second, study->tables_, study->ctcae_grading_,
                                       &study->treatment_rules_));
  }
  if (auto medications = files.find(kConcomitantMedicationsFile); medications != files.end()) {
    // Phases are checked against a readable schedule with phases; a missing or malformed
    // schedule is the schedule engine's to report (and then no event is placed in a phase).
    std::optional<std::vector<std::string>> phase_ids;
    if (!study->schedule_json_.empty()) {
      absl::StatusOr<std::vector<std::string>> ids = SchedulePhaseIds(study->schedule_json_);
      if (ids.ok() && !ids->empty()) phase_ids = *std::move(ids);
    }
    RETURN_IF_ERROR(ParseConcomitantMedications(medications->second, study->tables_,
                                                phase_ids ? &*phase_ids : nullptr,
                                                &study->treatment_rules_));
  }
  if (auto endpoints = files.find(kEndpointsFile); endpoints != files.end()) {
    ASSIGN_OR_RETURN(study->endpoints_, ParseEndpointDefinitions(endpoints->second));
  }
  return std::shared_ptr<const Study>(std::move(study));
}

CodeMatch<DrugEntry> Study::FindDrug(std::string_view system, std::string_view code) const {
  return Lookup(tables_.drugs, tables_.drug_by_code, system, code);
}

CodeMatch<LabAnalyte> Study::FindLab(std::string_view system, std::string_view code) const {
  return Lookup(tables_.labs, tables_.lab_by_code, system, code);
}

CodeMatch<RouteEntry> Study::FindRoute(std::string_view system, std::string_view code) const {
  return Lookup(tables_.routes, tables_.route_by_code, system, code);
}

CodeMatch<ProcedureEntry> Study::FindProcedure(std::string_view system,
                                               std::string_view code) const {
  return Lookup(tables_.procedures, tables_.procedure_by_code, system, code);
}

CodeMatch<ResponseCategory> Study::FindResponseAssessment(std::string_view system,
                                                          std::string_view code) const {
  return Lookup(tables_.response_assessments, tables_.assessment_by_code, system, code);
}

CodeMatch<ResponseCategory> Study::FindResponseCategory(std::string_view system,
                                                        std::string_view code) const {
  return Lookup(tables_.response_categories, tables_.response_by_code, system, code);
}

bool Study::HasDrug(std::string_view agent_id) const {
  return std::any_of(tables_.drugs.begin(), tables_.drugs.end(),
                     [&](const DrugEntry& drug) { return drug.id == agent_id; });
}

bool Study::HasLab(std::string_view analyte_id) const {
  return std::any_of(tables_.labs.begin(), tables_.labs.end(),
                     [&](const LabAnalyte& lab) { return lab.id == analyte_id; });
}

const CtcaeTerm* Study::FindCtcaeTermByMeddraCode(std::string_view meddra_code) const {
  auto it = tables_.ctcae_by_meddra.find(std::string(meddra_code));
  return it == tables_.ctcae_by_meddra.end() ? nullptr : &tables_.ctcae_terms[it->second];
}

const CtcaeTerm* Study::FindCtcaeTermByName(std::string_view term) const {
  auto it = tables_.ctcae_by_lower_term.find(AsciiLower(term));
  return it == tables_.ctcae_by_lower_term.end() ? nullptr : &tables_.ctcae_terms[it->second];
}

bool Study::IsMeddraSystem(std::string_view system) const {
  return std::find(tables_.meddra_systems.begin(), tables_.meddra_systems.end(), system) !=
         tables_.meddra_systems.end();
}

std::optional<bool> Study::IsSerious(std::string_view system, std::string_view code) const {
  if (system != tables_.seriousness.system) return std::nullopt;
  const std::string lower = AsciiLower(code);
  const auto& serious = tables_.seriousness.serious;
  const auto& non_serious = tables_.seriousness.non_serious;
  if (std::find(serious.begin(), serious.end(), lower) != serious.end()) return true;
  if (std::find(non_serious.begin(), non_serious.end(), lower) != non_serious.end()) return false;
  return std::nullopt;
}

const LocalCodeMapping* Study::FindLocalCode(std::string_view site_id, std::string_view system,
                                             std::string_view code) const {
  const LocalCodeMapping* wildcard = nullptr;
  for (const LocalCodeMapping& mapping : tables_.local_codes) {
    if (mapping.system != system || mapping.code != code) continue;
    if (!site_id.empty() && mapping.site == site_id) return &mapping;
    if (mapping.site == "*" && wildcard == nullptr) wildcard = &mapping;
  }
  return wildcard;
}

}  // namespace trialgate::mappers
