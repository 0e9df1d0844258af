#include "mappers/fhir_json.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace trialgate::mappers {

const char* JsonTypeName(const rapidjson::Value& value) {
  switch (value.GetType()) {
    case rapidjson::kNullType: return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType: return "a boolean";
    case rapidjson::kObjectType: return "an object";
    case rapidjson::kArrayType: return "an array";
    case rapidjson::kStringType: return "a string";
    case rapidjson::kNumberType: return "a number";
  }
  return "unknown";
}

namespace {

using rapidjson::Value;


// The member, or nullptr when absent or when `object` is not an object.
const Value* Member(const Value& object, std::string_view name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(
      Value(rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size()))));
  return it == object.MemberEnd() ? nullptr : &it->value;
}

// The member if present; reports a missing required member.
const Value* Present(const Value& object, std::string_view name, const std::string& path,
                     Presence presence, std::vector<Issue>* issues) {
  const Value* member = Member(object, name);
  if (member == nullptr && presence == Presence::kRequired) {
    AddError("required", path, absl::StrCat(path, " is required for this mapping"), issues);
  }
  return member;
}

void WrongType(const Value& value, const std::string& path, std::string_view expected,
               std::vector<Issue>* issues) {
  AddError("structure", path,
           absl::StrCat(path, " must be ", std::string(expected), ", not ", JsonTypeName(value)), issues);
}

}  // namespace

void AddIssue(Issue::Severity severity, std::string code, std::string expression,
              std::string diagnostics, std::vector<Issue>* issues) {
  issues->push_back(
      Issue{severity, std::move(code), std::move(expression), std::move(diagnostics)});
}

std::string Child(std::string_view path, std::string_view name) {
  return absl::StrCat(std::string(path), ".", std::string(name));
}

std::string Index(std::string_view path, size_t index) {
  return absl::StrCat(std::string(path), "[", index, "]");
}

bool Has(const Value& object, std::string_view name) { return Member(object, name) != nullptr; }

const Value* GetObject(const Value& object, std::string_view name, const std::string& path,
                       Presence presence, std::vector<Issue>* issues) {
  const Value* member = Present(object, name, path, presence, issues);
  if (member == nullptr) return nullptr;
  if (!member->IsObject()) {
    WrongType(*member, path, "an object", issues);
    return nullptr;
  }
  return member;
}

const Value* GetArray(const Value& object, std::string_view name, const std::string& path,
                      Presence presence, std::vector<Issue>* issues) {
  const Value* member = Present(object, name, path, presence, issues);
  if (member == nullptr) return nullptr;
  if (!member->IsArray()) {
    WrongType(*member, path, "an array", issues);
    return nullptr;
  }
  return member;
}

std::optional<std::string> GetString(const Value& object, std::string_view name,
                                     const std::string& path, Presence presence,
                                     std::vector<Issue>* issues) {
  const Value* member = Present(object, name, path, presence, issues);
  if (member == nullptr) return std::nullopt;
  if (!member->IsString()) {
    WrongType(*member, path, "a string", issues);
    return std::nullopt;
  }
  if (member->GetStringLength() == 0) {
    AddError("value", path, absl::StrCat(path, " must not be an empty string"), issues);
    return std::nullopt;
  }
  return std::string(member->GetString(), member->GetStringLength());
}

std::optional<Decimal> GetDecimal(const Value& object, std::string_view name,
                                  const std::string& path, Presence presence,
                                  const NumberTexts* numbers, std::vector<Issue>* issues) {
  const Value* member = Present(object, name, path, presence, issues);
  if (member == nullptr) return std::nullopt;
  if (!member->IsNumber()) {
    WrongType(*member, path, "a JSON number", issues);
    return std::nullopt;
  }
  return Decimal{member->GetDouble(), NumberText(*member, numbers)};
}

std::optional<CodeableConcept> ReadCodeableConcept(const Value& value, const std::string& path,
                                                   std::vector<Issue>* issues) {
  if (!value.IsObject()) {
    WrongType(value, path, "an object (CodeableConcept)", issues);
    return std::nullopt;
  }
  CodeableConcept result;
  const std::string codings_path = Child(path, "coding");
  if (const Value* codings = GetArray(value, "coding", codings_path, Presence::kOptional, issues)) {
    for (rapidjson::SizeType i = 0; i < codings->Size(); ++i) {
      const Value& item = (*codings)[i];
      const std::string item_path = Index(codings_path, i);
      if (!item.IsObject()) {
        WrongType(item, item_path, "an object (Coding)", issues);
        continue;
      }
      Coding coding;
      coding.path = item_path;
      coding.system = GetString(item, "system", Child(item_path, "system"), Presence::kOptional,
                                issues).value_or("");
      coding.code = GetString(item, "code", Child(item_path, "code"), Presence::kOptional, issues)
                        .value_or("");
      coding.display = GetString(item, "display", Child(item_path, "display"),
                                 Presence::kOptional, issues).value_or("");
      result.codings.push_back(std::move(coding));
    }
  }
  result.text = GetString(value, "text", Child(path, "text"), Presence::kOptional, issues)
                     .value_or("");
  return result;
}

std::optional<CodeableConcept> GetCodeableConcept(const Value& object, std::string_view name,
                                                  const std::string& path, Presence presence,
                                                  std::vector<Issue>* issues) {
  const Value* member = Present(object, name, path, presence, issues);
  if (member == nullptr) return std::nullopt;
  return ReadCodeableConcept(*member, path, issues);
}

std::optional<Reference> GetReference(const Value& object, std::string_view name,
                                      const std::string& path, Presence presence,
                                      std::vector<Issue>* issues) {
  const Value* member = GetObject(object, name, path, presence, issues);
  if (member == nullptr) return std::nullopt;
  Reference reference;
  reference.reference = GetString(*member, "reference", Child(path, "reference"),
                                  Presence::kOptional, issues).value_or("");
  reference.display = GetString(*member, "display", Child(path, "display"), Presence::kOptional,
                                issues).value_or("");
  const std::string identifier_path = Child(path, "identifier");
  if (const Value* identifier =
          GetObject(*member, "identifier", identifier_path, Presence::kOptional, issues)) {
    reference.identifier_system = GetString(*identifier, "system", Child(identifier_path, "system"),
                                            Presence::kOptional, issues).value_or("");
    reference.identifier_value = GetString(*identifier, "value", Child(identifier_path, "value"),
                                           Presence::kOptional, issues).value_or("");
  }
  if (reference.reference.empty() && reference.identifier_value.empty()) {
    if (presence == Presence::kRequired) {
      AddError("required", path,
               absl::StrCat(path, " needs a reference or an identifier.value"), issues);
    }
    return std::nullopt;
  }
  return reference;
}

std::optional<QuantityValue> ReadQuantity(const Value& value, const std::string& path,
                                          const NumberTexts* numbers, std::vector<Issue>* issues) {
  if (!value.IsObject()) {
    WrongType(value, path, "an object (Quantity)", issues);
    return std::nullopt;
  }
  QuantityValue quantity;
  quantity.value = GetDecimal(value, "value", Child(path, "value"), Presence::kOptional, numbers,
                              issues);
  quantity.unit = GetString(value, "unit", Child(path, "unit"), Presence::kOptional, issues)
                      .value_or("");
  quantity.system = GetString(value, "system", Child(path, "system"), Presence::kOptional, issues)
                        .value_or("");
  quantity.code = GetString(value, "code", Child(path, "code"), Presence::kOptional, issues)
                      .value_or("");
  return quantity;
}

}  // namespace trialgate::mappers
