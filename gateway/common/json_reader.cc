#include "gateway/common/json_reader.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "gateway/common/status_macros.h"
#include "rapidjson/error/en.h"

namespace trialgate {
namespace {

constexpr int64_t kNoMax = std::numeric_limits<int64_t>::max();

// This absl's string_view is its own type: std::string_view does not convert by itself.
absl::string_view View(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}

std::string MemberPath(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : absl::StrCat(path, ".", View(key));
}

std::string IntegerRule(Sign sign, int64_t max) {
  const bool bounded = max != kNoMax;
  switch (sign) {
    case Sign::kPositive:
      return bounded ? absl::StrCat("must be an integer 1-", max) : "must be a positive integer";
    case Sign::kZeroOrMore:
      return bounded ? absl::StrCat("must be an integer 0-", max) : "must be an integer >= 0";
    case Sign::kAny:
      break;
  }
  return bounded ? absl::StrCat("must be an integer <= ", max) : "must be an integer";
}

bool HasSign(double number, Sign sign) {
  switch (sign) {
    case Sign::kPositive:
      return number > 0;
    case Sign::kZeroOrMore:
      return number >= 0;
    case Sign::kAny:
      break;
  }
  return true;
}

std::string NumberRule(Sign sign) {
  switch (sign) {
    case Sign::kPositive:
      return "must be a number > 0";
    case Sign::kZeroOrMore:
      return "must be a number >= 0";
    case Sign::kAny:
      break;
  }
  return "must be a number";
}

}  // namespace

absl::Status JsonFileError(std::string_view file, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(View(file), ": ", View(what)));
}

absl::Status JsonFileError(std::string_view file, std::string_view where, std::string_view what) {
  if (where.empty()) return JsonFileError(file, what);
  return absl::InvalidArgumentError(
      absl::StrCat(View(file), ": ", View(where), ": ", View(what)));
}

// --- JsonValue ---

JsonValue::JsonValue(const rapidjson::Value& value, std::string file, std::string path)
    : value_(&value), file_(std::move(file)), path_(std::move(path)) {}

absl::Status JsonValue::Error(std::string_view what) const {
  const std::string subject = path_.empty() ? "the top level" : path_;
  return JsonFileError(file_, absl::StrCat(subject, " ", View(what)));
}

absl::Status JsonValue::Problem(std::string_view what) const {
  return JsonFileError(file_, path_, what);
}

absl::StatusOr<std::string> JsonValue::String() const {
  if (!value_->IsString()) return Error("must be a string");
  return std::string(value_->GetString(), value_->GetStringLength());
}

absl::StatusOr<std::string> JsonValue::NonEmptyString() const {
  if (!value_->IsString() || value_->GetStringLength() == 0) {
    return Error("must be a non-empty string");
  }
  return std::string(value_->GetString(), value_->GetStringLength());
}

absl::StatusOr<bool> JsonValue::Bool() const {
  if (!value_->IsBool()) return Error("must be true or false");
  return value_->GetBool();
}

absl::StatusOr<int64_t> JsonValue::Int(Sign sign, int64_t max) const {
  const int64_t min = sign == Sign::kPositive     ? 1
                      : sign == Sign::kZeroOrMore ? 0
                                                  : std::numeric_limits<int64_t>::min();
  if (!value_->IsInt64() || value_->GetInt64() < min || value_->GetInt64() > max) {
    return Error(IntegerRule(sign, max));
  }
  return value_->GetInt64();
}

absl::StatusOr<double> JsonValue::Number(Sign sign) const {
  if (!value_->IsNumber() || !HasSign(value_->GetDouble(), sign)) return Error(NumberRule(sign));
  return value_->GetDouble();
}

absl::StatusOr<JsonObject> JsonValue::Object() const {
  if (!value_->IsObject()) return Error("must be an object");
  return JsonObject(*this);
}

absl::StatusOr<std::vector<JsonValue>> JsonValue::Array(Items items) const {
  if (!value_->IsArray() || (items == Items::kAtLeastOne && value_->Empty())) {
    return Error(items == Items::kAtLeastOne ? "must be a non-empty array" : "must be an array");
  }
  std::vector<JsonValue> out;
  out.reserve(value_->Size());
  for (rapidjson::SizeType i = 0; i < value_->Size(); ++i) {
    out.emplace_back((*value_)[i], file_, absl::StrCat(path_, "[", i, "]"));
  }
  return out;
}

absl::StatusOr<std::vector<JsonObject>> JsonValue::Objects(Items items) const {
  ASSIGN_OR_RETURN(std::vector<JsonValue> array, Array(items));
  return ReadEach<JsonObject>(array, [](const JsonValue& item) { return item.Object(); });
}

absl::StatusOr<std::vector<std::string>> JsonValue::Strings(Items items) const {
  ASSIGN_OR_RETURN(std::vector<JsonValue> array, Array(items));
  return ReadEach<std::string>(array, [](const JsonValue& item) { return item.String(); });
}

// --- JsonObject ---

absl::StatusOr<JsonObject> JsonObject::Top(const rapidjson::Value& document, std::string file) {
  return JsonValue(document, std::move(file), "").Object();
}

std::optional<JsonValue> JsonObject::Find(std::string_view key) const {
  const rapidjson::Value& object = value_.json();
  auto it = object.FindMember(rapidjson::Value(rapidjson::StringRef(key.data(), key.size())));
  if (it == object.MemberEnd()) return std::nullopt;
  return JsonValue(it->value, value_.file(), MemberPath(path(), key));
}

absl::StatusOr<JsonValue> JsonObject::Required(std::string_view key) const {
  std::optional<JsonValue> member = Find(key);
  if (!member) return JsonFileError(value_.file(), MemberPath(path(), key) + " is missing");
  return *std::move(member);
}

std::vector<std::pair<std::string, JsonValue>> JsonObject::Members() const {
  std::vector<std::pair<std::string, JsonValue>> out;
  for (const auto& member : value_.json().GetObject()) {
    std::string key(member.name.GetString(), member.name.GetStringLength());
    JsonValue value(member.value, value_.file(), MemberPath(path(), key));
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

absl::Status JsonObject::OnlyKeys(std::initializer_list<std::string_view> known) const {
  for (const auto& member : value_.json().GetObject()) {
    const std::string_view key(member.name.GetString(), member.name.GetStringLength());
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return JsonFileError(value_.file(), "unknown key " + MemberPath(path(), key));
    }
  }
  return absl::OkStatus();
}

template <typename Read>
auto JsonObject::ReadRequired(std::string_view key, Read read) const
    -> decltype(read(std::declval<const JsonValue&>())) {
  ASSIGN_OR_RETURN(JsonValue member, Required(key));
  return read(member);
}

template <typename T, typename Read>
absl::StatusOr<T> JsonObject::ReadOptional(std::string_view key, T fallback, Read read) const {
  std::optional<JsonValue> member = Find(key);
  if (!member) return fallback;
  return read(*member);
}

absl::StatusOr<std::string> JsonObject::RequiredString(std::string_view key) const {
  return ReadRequired(key, [](const JsonValue& v) { return v.String(); });
}

absl::StatusOr<std::string> JsonObject::OptionalString(std::string_view key,
                                                       std::string fallback) const {
  return ReadOptional(key, std::move(fallback), [](const JsonValue& v) { return v.String(); });
}

absl::StatusOr<std::string> JsonObject::RequiredNonEmptyString(std::string_view key) const {
  return ReadRequired(key, [](const JsonValue& v) { return v.NonEmptyString(); });
}

absl::StatusOr<std::string> JsonObject::OptionalNonEmptyString(std::string_view key,
                                                               std::string fallback) const {
  return ReadOptional(key, std::move(fallback),
                      [](const JsonValue& v) { return v.NonEmptyString(); });
}

absl::StatusOr<std::string> JsonObject::RequiredOneOf(
    std::string_view key, std::initializer_list<std::string_view> choices) const {
  ASSIGN_OR_RETURN(const JsonValue member, Required(key));
  ASSIGN_OR_RETURN(std::string text, member.String());
  if (std::find(choices.begin(), choices.end(), text) != choices.end()) return text;
  std::string rule = "must be ";
  for (size_t i = 0; i < choices.size(); ++i) {
    const char* separator = i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ";
    absl::StrAppend(&rule, separator, View(choices.begin()[i]));
  }
  return member.Error(rule);
}

absl::StatusOr<bool> JsonObject::RequiredBool(std::string_view key) const {
  return ReadRequired(key, [](const JsonValue& v) { return v.Bool(); });
}

absl::StatusOr<bool> JsonObject::OptionalBool(std::string_view key, bool fallback) const {
  return ReadOptional(key, fallback, [](const JsonValue& v) { return v.Bool(); });
}

absl::StatusOr<int64_t> JsonObject::RequiredInt(std::string_view key, Sign sign,
                                                int64_t max) const {
  return ReadRequired(key, [&](const JsonValue& v) { return v.Int(sign, max); });
}

absl::StatusOr<int64_t> JsonObject::OptionalInt(std::string_view key, int64_t fallback, Sign sign,
                                                int64_t max) const {
  return ReadOptional(key, fallback, [&](const JsonValue& v) { return v.Int(sign, max); });
}

absl::StatusOr<double> JsonObject::RequiredNumber(std::string_view key, Sign sign) const {
  return ReadRequired(key, [&](const JsonValue& v) { return v.Number(sign); });
}

absl::StatusOr<double> JsonObject::OptionalNumber(std::string_view key, double fallback,
                                                  Sign sign) const {
  return ReadOptional(key, fallback, [&](const JsonValue& v) { return v.Number(sign); });
}

absl::StatusOr<JsonObject> JsonObject::RequiredObject(std::string_view key) const {
  return ReadRequired(key, [](const JsonValue& v) { return v.Object(); });
}

absl::StatusOr<std::optional<JsonObject>> JsonObject::OptionalObject(std::string_view key) const {
  std::optional<JsonValue> member = Find(key);
  if (!member) return std::nullopt;
  ASSIGN_OR_RETURN(JsonObject object, member->Object());
  return object;
}

absl::StatusOr<std::vector<JsonValue>> JsonObject::RequiredArray(std::string_view key,
                                                                 Items items) const {
  return ReadRequired(key, [&](const JsonValue& v) { return v.Array(items); });
}

absl::StatusOr<std::vector<JsonValue>> JsonObject::OptionalArray(std::string_view key) const {
  return ReadOptional(key, std::vector<JsonValue>(), [](const JsonValue& v) { return v.Array(); });
}

absl::StatusOr<std::vector<JsonObject>> JsonObject::RequiredObjects(std::string_view key,
                                                                    Items items) const {
  return ReadRequired(key, [&](const JsonValue& v) { return v.Objects(items); });
}

absl::StatusOr<std::vector<JsonObject>> JsonObject::OptionalObjects(std::string_view key) const {
  return ReadOptional(key, std::vector<JsonObject>(),
                      [](const JsonValue& v) { return v.Objects(); });
}

absl::StatusOr<std::vector<std::string>> JsonObject::RequiredStrings(std::string_view key,
                                                                     Items items) const {
  return ReadRequired(key, [&](const JsonValue& v) { return v.Strings(items); });
}

absl::StatusOr<std::vector<std::string>> JsonObject::OptionalStrings(std::string_view key) const {
  return ReadOptional(key, std::vector<std::string>(),
                      [](const JsonValue& v) { return v.Strings(); });
}

// --- JsonFile ---

absl::StatusOr<JsonFile> JsonFile::Parse(std::string name, std::string_view text) {
  auto document = std::make_unique<rapidjson::Document>();
  document->Parse(text.data(), text.size());
  if (document->HasParseError()) {
    return JsonFileError(
        name, absl::StrCat("invalid JSON at offset ", document->GetErrorOffset(), ": ",
                           rapidjson::GetParseError_En(document->GetParseError())));
  }
  ASSIGN_OR_RETURN(JsonObject top, JsonObject::Top(*document, std::move(name)));
  return JsonFile(std::move(document), std::move(top));
}

}  // namespace trialgate
