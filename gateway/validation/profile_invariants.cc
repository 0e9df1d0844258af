#include "gateway/validation/profile_invariants.h"

#include <cctype>
#include <string>

namespace trialgate::validation {
namespace {

using rapidjson::Value;

// YYYY-MM-DD is 10 characters; anything shorter is a year or a month.
std::optional<std::string> AtLeastDay(const Value& value, const TypeRef& type) {
  const Value* date = &value;
  if (type.code == "Period") {
    if (!value.IsObject()) return std::nullopt;  // a type error, reported by the walker
    auto start = value.FindMember("start");
    if (start == value.MemberEnd()) return "the period has no start";
    date = &start->value;
  }
  if (!date->IsString()) return std::nullopt;
  if (date->GetStringLength() >= 10) return std::nullopt;
  return std::string("'") + date->GetString() + "' is not precise to the day";
}

std::string WithoutSpaces(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) out.push_back(c);
  }
  return out;
}

}  // namespace

NativeInvariant FindNativeInvariant(std::string_view expression) {
  const std::string key = WithoutSpaces(expression);
  if (key == WithoutSpaces("($this as dateTime).toString().length() >= 10 or "
                           "($this as Period).start.toString().length() >= 10")) {
    return &AtLeastDay;
  }
  return nullptr;
}

}  // namespace trialgate::validation
