#include "mappers/fhir_json.h"

#include <charconv>
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
const Value* Present(const Value& object, std::string_view name, const Path& path,
                     Presence presence, std::vector<Issue>* issues) {
  const Value* member = Member(object, name);
  if (member == nullptr && presence == Presence::kRequired) {
    std::string where = path.str();
    std::string message = absl::StrCat(where, " is required for this mapping");
    AddError("required", std::move(where), std::move(message), issues);
  }
  return member;
}

void WrongType(const Value& value, const Path& path, std::string_view expected,
               std::vector<Issue>* issues) {
  std::string where = path.str();
  std::string message =
      absl::StrCat(where, " must be ", std::string(expected), ", not ", JsonTypeName(value));
  AddError("structure", std::move(where), std::move(message), issues);
}

}  // namespace

void AddIssue(Issue::Severity severity, std::string code, std::string expression,
              std::string diagnostics, std::vector<Issue>* issues) {
  issues->push_back(
      Issue{severity, std::move(code), std::move(expression), std::move(diagnostics)});
}

std::string Path::str() const {
  std::string out;
  out.reserve(64);
  AppendTo(&out);
  return out;
}

void Path::AppendTo(std::string* out) const {
  if (parent_ == nullptr) {
    out->append(text_);
    return;
  }
  parent_->AppendTo(out);
  if (index_ == kNoIndex) {
    out->append(1, '.').append(text_);
    return;
  }
  char digits[20];
  const char* end = std::to_chars(digits, digits + sizeof(digits), index_).ptr;
  out->append(1, '[').append(digits, end - digits).append(1, ']');
}

bool Has(const Value& object, std::string_view name) { return Member(object, name) != nullptr; }

const Value* GetObject(const Value& object, std::string_view name, const Path& path,
                       Presence presence, std::vector<Issue>* issues) {
  const Value* member = Present(object, name, path, presence, issues);
  if (member == nullptr) return nullptr;
  if (!member->IsObject()) {
    WrongType(*member, path, "an object", issues);
    return nullptr;
  }
  return member;
}

const Value* GetArray(const Value& object, std::string_view name, const Path& path,
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
                                     const Path& path, Presence presence,
                                     std::vector<Issue>* issues) {
  const Value* member = Present(object, name, path, presence, issues);
  if (member == nullptr) return std::nullopt;
  if (!member->IsString()) {
    WrongType(*member, path, "a string", issues);
    return std::nullopt;
  }
  if (member->GetStringLength() == 0) {
    std::string where = path.str();
    std::string message = absl::StrCat(where, " must not be an empty string");
    AddError("value", std::move(where), std::move(message), issues);
    return std::nullopt;
  }
  return std::string(member->GetString(), member->GetStringLength());
}

std::optional<Decimal> GetDecimal(const Value& object, std::string_view name,
                                  const Path& path, Presence presence,
                                  const NumberTexts* numbers, std::vector<Issue>* issues) {
  const Value* member = Present(object, name, path, presence, issues);
  if (member == nullptr) return std::nullopt;
  if (!member->IsNumber()) {
    WrongType(*member, path, "a JSON number", issues);
    return std::nullopt;
  }
  return Decimal{member->GetDouble(), NumberText(*member, numbers)};
}

std::optional<CodeableConcept> ReadCodeableConcept(const Value& value, const Path& path,
                                                   std::vector<Issue>* issues) {
  if (!value.IsObject()) {
    WrongType(value, path, "an object (CodeableConcept)", issues);
    return std::nullopt;
  }
  CodeableConcept result;
  const Path codings_path(path, "coding");
  if (const Value* codings = GetArray(value, "coding", codings_path, Presence::kOptional, issues)) {
    for (rapidjson::SizeType i = 0; i < codings->Size(); ++i) {
      const Value& item = (*codings)[i];
      const Path item_path(codings_path, i);
      if (!item.IsObject()) {
        WrongType(item, item_path, "an object (Coding)", issues);
        continue;
      }
      Coding coding;
      coding.path = item_path.str();
      coding.system = GetString(item, "system", Path(item_path, "system"), Presence::kOptional,
                                issues).value_or("");
      coding.code = GetString(item, "code", Path(item_path, "code"), Presence::kOptional, issues)
                        .value_or("");
      coding.display = GetString(item, "display", Path(item_path, "display"),
                                 Presence::kOptional, issues).value_or("");
      result.codings.push_back(std::move(coding));
    }
  }
  result.text = GetString(value, "text", Path(path, "text"), Presence::kOptional, issues)
                     .value_or("");
  return result;
}

std::optional<CodeableConcept> GetCodeableConcept(const Value& object, std::string_view name,
                                                  const Path& path, Presence presence,
                                                  std::vector<Issue>* issues) {
  const Value* member = Present(object, name, path, presence, issues);
  if (member == nullptr) return std::nullopt;
  return ReadCodeableConcept(*member, path, issues);
}

std::optional<Reference> GetReference(const Value& object, std::string_view name,
                                      const Path& path, Presence presence,
                                      std::vector<Issue>* issues) {
  const Value* member = GetObject(object, name, path, presence, issues);
  if (member == nullptr) return std::nullopt;
  Reference reference;
  reference.reference = GetString(*member, "reference", Path(path, "reference"),
                                  Presence::kOptional, issues).value_or("");
  reference.display = GetString(*member, "display", Path(path, "display"), Presence::kOptional,
                                issues).value_or("");
  const Path identifier_path(path, "identifier");
  if (const Value* identifier =
          GetObject(*member, "identifier", identifier_path, Presence::kOptional, issues)) {
    reference.identifier_system = GetString(*identifier, "system", Path(identifier_path, "system"),
                                            Presence::kOptional, issues).value_or("");
    reference.identifier_value = GetString(*identifier, "value", Path(identifier_path, "value"),
                                           Presence::kOptional, issues).value_or("");
  }
  if (reference.reference.empty() && reference.identifier_value.empty()) {
    if (presence == Presence::kRequired) {
      std::string where = path.str();
      std::string message = absl::StrCat(where, " needs a reference or an identifier.value");
      AddError("required", std::move(where), std::move(message), issues);
    }
    return std::nullopt;
  }
  return reference;
}

std::optional<QuantityValue> ReadQuantity(const Value& value, const Path& path,
                                          const NumberTexts* numbers, std::vector<Issue>* issues) {
  if (!value.IsObject()) {
    WrongType(value, path, "an object (Quantity)", issues);
    return std::nullopt;
  }
  QuantityValue quantity;
  quantity.value = GetDecimal(value, "value", Path(path, "value"), Presence::kOptional, numbers,
                              issues);
  quantity.unit = GetString(value, "unit", Path(path, "unit"), Presence::kOptional, issues)
                      .value_or("");
  quantity.system = GetString(value, "system", Path(path, "system"), Presence::kOptional, issues)
                        .value_or("");
  quantity.code = GetString(value, "code", Path(path, "code"), Presence::kOptional, issues)
                      .value_or("");
  return quantity;
}

}  // namespace trialgate::mappers
