#include "gateway/validation/study_definitions.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "fhir-profiles/embedded.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace trialgate::validation {

std::vector<std::string> StudyValueSetResources(const mappers::Study& study) {
  std::vector<std::string> out;
  for (const mappers::StudyValueSet& value_set : study.value_sets()) {
    std::map<std::string, std::vector<const mappers::TableCode*>> by_system;
    for (const mappers::TableCode& code : value_set.codes) by_system[code.system].push_back(&code);
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> json(buffer);
    json.StartObject();
    json.Key("resourceType");
    json.String("ValueSet");
    json.Key("url");
    json.String(value_set.url.c_str());
    json.Key("title");
    json.String(value_set.title.c_str());
    json.Key("status");
    json.String("active");
    json.Key("compose");
    json.StartObject();
    json.Key("include");
    json.StartArray();
    for (const auto& [system, codes] : by_system) {
      json.StartObject();
      json.Key("system");
      json.String(system.c_str());
      json.Key("concept");
      json.StartArray();
      for (const mappers::TableCode* code : codes) {
        json.StartObject();
        json.Key("code");
        json.String(code->code.c_str());
        if (!code->display.empty()) {
          json.Key("display");
          json.String(code->display.c_str());
        }
        json.EndObject();
      }
      json.EndArray();
      json.EndObject();
    }
    json.EndArray();
    json.EndObject();
    json.EndObject();
    out.emplace_back(buffer.GetString(), buffer.GetSize());
  }
  return out;
}

absl::StatusOr<std::unique_ptr<ProfileSet>> LoadDefinitions(const mappers::Study& study) {
  const std::map<std::string, std::string> r4 = profiles::EmbeddedR4Definitions();
  const std::vector<std::string> value_sets = StudyValueSetResources(study);
  std::vector<std::string_view> texts;
  for (const auto& [path, content] : r4) {
    if (path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0) texts.push_back(content);
  }
  for (const auto& [path, content] : study.definition_files()) texts.push_back(content);
  for (const std::string& value_set : value_sets) texts.push_back(value_set);
  absl::StatusOr<std::unique_ptr<ProfileSet>> set = ProfileSet::Create(texts);
  if (!set.ok()) return set.status();
  for (const auto& [type, url] : study.profile_for_type()) {
    const TypeDef* profile = (*set)->FindProfile(url);
    if (profile == nullptr || profile->name != type) {
      return absl::InvalidArgumentError(absl::StrCat(
          "study.json: profiles.", type, " names ", url,
          ", which is not a profile of ", type, " among the study's profiles/*.json"));
    }
  }
  return set;
}

absl::StatusOr<StudyValidator> LoadStudyValidator(const mappers::Study& study,
                                                  bool require_study_profiles) {
  absl::StatusOr<std::unique_ptr<ProfileSet>> definitions = LoadDefinitions(study);
  if (!definitions.ok()) return definitions.status();
  StudyValidator loaded;
  loaded.definitions = *std::move(definitions);
  loaded.validator = std::make_unique<Validator>(
      *loaded.definitions, require_study_profiles ? study.profile_for_type()
                                                  : std::map<std::string, std::string>{});
  return loaded;
}

}  // namespace trialgate::validation
