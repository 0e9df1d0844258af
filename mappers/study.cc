#include "mappers/study.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "rapidjson/document.h"

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

// A study.json string member; `fallback` when absent, an error when of the wrong type.
absl::StatusOr<std::string> StudyString(const rapidjson::Value& doc, const char* key,
                                        std::string_view fallback) {
  auto it = doc.FindMember(key);
  if (it == doc.MemberEnd()) {
    if (fallback.empty()) return absl::InvalidArgumentError(absl::StrCat("study.json: missing '", key, "'"));
    return std::string(fallback);
  }
  if (!it->value.IsString() || it->value.GetStringLength() == 0) {
    return absl::InvalidArgumentError(absl::StrCat("study.json: '", key, "' must be a non-empty string"));
  }
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

// study.json "profiles": resource type -> profile URL ("_comment" and other "_" keys skipped).
absl::StatusOr<std::map<std::string, std::string>> ParseProfiles(const rapidjson::Value& doc) {
  std::map<std::string, std::string> out;
  auto it = doc.FindMember("profiles");
  if (it == doc.MemberEnd()) return out;
  if (!it->value.IsObject()) return absl::InvalidArgumentError("study.json: 'profiles' must be an object");
  for (auto m = it->value.MemberBegin(); m != it->value.MemberEnd(); ++m) {
    const std::string type(m->name.GetString(), m->name.GetStringLength());
    if (type.empty() || type[0] == '_') continue;
    if (!m->value.IsString() || m->value.GetStringLength() == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("study.json: profiles.", type, " must be a non-empty string"));
    }
    out[type] = m->value.GetString();
  }
  return out;
}

// The codes of the table a value set is drawn from, optionally only those of `systems`.
absl::StatusOr<std::vector<TableCode>> TableCodes(const CodeTables& tables, const std::string& table,
                                                  const std::vector<std::string>& systems) {
  std::vector<const std::vector<TableCode>*> lists;
  if (table == "codes/drugs.json") {
    for (const DrugEntry& drug : tables.drugs) lists.push_back(&drug.codes);
  } else if (table == "codes/labs.json") {
    for (const LabAnalyte& lab : tables.labs) lists.push_back(&lab.codes);
  } else if (table == "codes/routes.json") {
    for (const RouteEntry& route : tables.routes) lists.push_back(&route.codes);
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "study.json: valueSets: table '", table,
        "' is not one a value set can be drawn from (codes/drugs.json, codes/labs.json, "
        "codes/routes.json)"));
  }
  std::vector<TableCode> out;
  for (const auto* list : lists) {
    for (const TableCode& code : *list) {
      if (systems.empty() || std::find(systems.begin(), systems.end(), code.system) != systems.end()) {
        out.push_back(code);
      }
    }
  }
  return out;
}

// study.json "valueSets": [{url, title, table, systems?}].
absl::StatusOr<std::vector<StudyValueSet>> ParseValueSets(const rapidjson::Value& doc,
                                                          const CodeTables& tables) {
  std::vector<StudyValueSet> out;
  auto it = doc.FindMember("valueSets");
  if (it == doc.MemberEnd()) return out;
  if (!it->value.IsArray()) return absl::InvalidArgumentError("study.json: 'valueSets' must be an array");
  for (const rapidjson::Value& item : it->value.GetArray()) {
    if (!item.IsObject()) return absl::InvalidArgumentError("study.json: valueSets items must be objects");
    auto url = StudyString(item, "url", "");
    if (!url.ok()) return url.status();
    auto table = StudyString(item, "table", "");
    if (!table.ok()) return table.status();
    auto title = StudyString(item, "title", *url);
    if (!title.ok()) return title.status();
    std::vector<std::string> systems;
    if (auto s = item.FindMember("systems"); s != item.MemberEnd()) {
      if (!s->value.IsArray()) return absl::InvalidArgumentError("study.json: valueSets systems must be an array");
      for (const rapidjson::Value& system : s->value.GetArray()) {
        if (!system.IsString()) return absl::InvalidArgumentError("study.json: valueSets systems must be strings");
        systems.emplace_back(system.GetString(), system.GetStringLength());
      }
    }
    auto codes = TableCodes(tables, *table, systems);
    if (!codes.ok()) return codes.status();
    if (codes->empty()) {
      return absl::InvalidArgumentError(absl::StrCat("study.json: value set ", *url, " has no codes"));
    }
    out.push_back({*std::move(url), *std::move(title), *std::move(codes)});
  }
  return out;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const Study>> Study::FromFiles(
    const std::map<std::string, std::string>& files) {
  auto it = files.find("study.json");
  if (it == files.end()) return absl::InvalidArgumentError("study.json: missing");
  rapidjson::Document doc;
  doc.Parse(it->second.data(), it->second.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return absl::InvalidArgumentError("study.json: not a JSON object");
  }
  std::shared_ptr<Study> study(new Study());
  auto study_id = StudyString(doc, "studyId", "");
  if (!study_id.ok()) return study_id.status();
  // The default keeps a study.json without the member working, as the README documents.
  auto subject_system = StudyString(doc, "subjectIdSystem", "urn:trialgate:krd-asct2:subject");
  if (!subject_system.ok()) return subject_system.status();
  auto grade_url = StudyString(doc, "ctcaeGradeExtensionUrl", "");
  if (!grade_url.ok()) return grade_url.status();
  study->study_id_ = *std::move(study_id);
  study->subject_id_system_ = *std::move(subject_system);
  study->ctcae_grade_extension_url_ = *std::move(grade_url);

  auto tables = ParseCodeTables(files);
  if (!tables.ok()) return tables.status();
  study->tables_ = *std::move(tables);

  auto profiles = ParseProfiles(doc);
  if (!profiles.ok()) return profiles.status();
  study->profile_for_type_ = *std::move(profiles);
  auto value_sets = ParseValueSets(doc, study->tables_);
  if (!value_sets.ok()) return value_sets.status();
  study->value_sets_ = *std::move(value_sets);
  for (const auto& [path, content] : files) {
    if (path.rfind("profiles/", 0) == 0 && path.size() > 5 &&
        path.compare(path.size() - 5, 5, ".json") == 0) {
      study->definition_files_[path] = content;
    }
  }
  if (auto schedule = files.find("schedule.json"); schedule != files.end()) {
    study->schedule_json_ = schedule->second;
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
