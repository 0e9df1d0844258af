#include "gateway/hl7v2/mapping_tables.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace trialgate::hl7v2 {

const rapidjson::Value* Member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::string StringOf(const rapidjson::Value* value) {
  return value != nullptr && value->IsString() ? value->GetString() : "";
}

absl::Status ReadStringMap(const rapidjson::Value& object, absl::string_view what,
                           std::map<std::string, std::string>* out) {
  if (!object.IsObject()) return absl::InvalidArgumentError(absl::StrCat(what, " is not an object"));
  for (const auto& member : object.GetObject()) {
    const std::string key = member.name.GetString();
    if (key == "_comment") continue;
    if (!member.value.IsString()) {
      return absl::InvalidArgumentError(absl::StrCat(what, ".", key, " is not a string"));
    }
    (*out)[key] = member.value.GetString();
  }
  return absl::OkStatus();
}

std::string UcumFor(const std::map<std::string, std::string>& aliases, absl::string_view unit,
                    absl::string_view unit_system_name) {
  if (unit.empty()) return "";
  if (unit_system_name == "UCUM") return std::string(unit);
  for (const auto& [alias, code] : aliases) {
    if (code == unit) return code;
  }
  auto it = aliases.find(absl::AsciiStrToLower(unit));
  return it == aliases.end() ? "" : it->second;
}

absl::Status ReadUnits(const rapidjson::Value& doc, std::string* system,
                       std::map<std::string, std::string>* aliases) {
  const rapidjson::Value* units = Member(doc, "units");
  *system = units == nullptr ? "" : StringOf(Member(*units, "system"));
  const rapidjson::Value* spellings = units == nullptr ? nullptr : Member(*units, "aliases");
  if (system->empty() || spellings == nullptr) {
    return absl::InvalidArgumentError("units needs system and aliases");
  }
  std::map<std::string, std::string> raw;
  absl::Status status = ReadStringMap(*spellings, "units.aliases", &raw);
  if (!status.ok()) return status;
  for (auto& [alias, code] : raw) (*aliases)[absl::AsciiStrToLower(alias)] = code;
  return absl::OkStatus();
}

void AbortOnBrokenEmbeddedFile(const char* file, const absl::Status& status) {
  std::fprintf(stderr, "embedded fhir-profiles/hl7v2/%s: %s\n", file,
               std::string(status.message()).c_str());
  std::abort();
}

}  // namespace trialgate::hl7v2
