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
