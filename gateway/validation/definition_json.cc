#include "gateway/validation/definition_json.h"

#include <cctype>

namespace trialgate::validation::definition_json {

using rapidjson::Value;

absl::string_view StripVersion(absl::string_view url) {
  const size_t bar = url.find('|');
  return bar == absl::string_view::npos ? url : url.substr(0, bar);
}

absl::string_view Str(const Value& object, const char* name) {
  if (!object.IsObject()) return {};
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

const Value* Member(const Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

const Value* Array(const Value& object, const char* name) {
  const Value* v = Member(object, name);
  return v != nullptr && v->IsArray() ? v : nullptr;
}

// "dateTime" -> "DateTime": the suffix of a choice element's JSON name.
std::string ChoiceSuffix(absl::string_view code) {
  std::string out(code);
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

// The FHIR type of an element whose type code is a FHIRPath system type (element ids, primitive
// values): R4 snapshots name it in the structuredefinition-fhir-type extension.
std::string FhirTypeCode(const Value& type) {
  absl::string_view code = Str(type, "code");
  if (code.rfind("http://hl7.org/fhirpath/System.", 0) != 0) return std::string(code);
  if (const Value* extensions = Array(type, "extension")) {
    for (const Value& ext : extensions->GetArray()) {
      if (Str(ext, "url") == "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type") {
        absl::string_view value = Str(ext, "valueUrl");
        if (value.empty()) value = Str(ext, "valueUri");
        if (!value.empty()) return std::string(value);
      }
    }
  }
  code.remove_prefix(sizeof("http://hl7.org/fhirpath/System.") - 1);
  if (code == "String") return "string";
  if (code == "Boolean") return "boolean";
  if (code == "Integer") return "integer";
  if (code == "Decimal") return "decimal";
  if (code == "DateTime") return "dateTime";
  if (code == "Date") return "date";
  if (code == "Time") return "time";
  return "string";
}

// "http://hl7.org/fhir/StructureDefinition/Patient" -> "Patient".
std::string TypeFromProfileUrl(absl::string_view url) {
  url = StripVersion(url);
  const size_t slash = url.rfind('/');
  return std::string(slash == absl::string_view::npos ? url : url.substr(slash + 1));
}

void ReadTypeProfiles(const Value& type, TypeRef* ref) {
  if (const Value* profiles = Array(type, "profile");
      profiles != nullptr && profiles->Size() == 1 && (*profiles)[0].IsString()) {
    ref->profile = std::string(StripVersion((*profiles)[0].GetString()));
  }
  const Value* targets = Array(type, "targetProfile");
  if (targets == nullptr) return;
  ref->target_types.clear();
  ref->any_target = true;
  for (const Value& target : targets->GetArray()) {
    if (!target.IsString()) continue;
    std::string name(StripVersion(target.GetString()));
    if (TypeFromProfileUrl(name) == "Resource" || TypeFromProfileUrl(name) == "DomainResource") {
      ref->any_target = true;
      ref->target_types.clear();
      return;
    }
    ref->any_target = false;
    ref->target_types.push_back(std::move(name));
  }
}

}  // namespace trialgate::validation::definition_json
