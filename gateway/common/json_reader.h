#ifndef TRIALGATE_GATEWAY_COMMON_JSON_READER_H_
#define TRIALGATE_GATEWAY_COMMON_JSON_READER_H_

// Strict reading of the project's own JSON files: the configuration, a study's study.json,
// code tables and schedule.json. Every value read knows its file and its path in the file
// ("destinations[2].tls.certFile"; "" for the top level), so every error names both, in one of
// three shapes (all INVALID_ARGUMENT):
//   "<file>: <path> <what>"       Error(): `what` goes on from the path, "must be a string",
//                                 "is missing" (the path of the top level reads "the top level")
//   "<file>: <path>: <what>"      Problem(): `what` is a sentence of its own
//   "<file>: unknown key <path>"  OnlyKeys(), where a file rejects members it does not know
// Submitted FHIR bodies are not read with this: the validator reports on those.
//
// Values refer into a rapidjson document, which must outlive them; a JsonFile owns its own.

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gateway/common/status_macros.h"
#include "rapidjson/document.h"

namespace trialgate {

// INVALID_ARGUMENT "<file>: <what>": a problem of the file as a whole.
absl::Status JsonFileError(std::string_view file, std::string_view what);
// INVALID_ARGUMENT "<file>: <where>: <what>", `where` naming a part of the file in words the
// reader knows (a path, or an id the file gives); just "<file>: <what>" when `where` is empty.
absl::Status JsonFileError(std::string_view file, std::string_view where, std::string_view what);

// Which numbers a getter takes.
enum class Sign { kAny, kZeroOrMore, kPositive };
// Whether an array may be empty.
enum class Items { kAny, kAtLeastOne };

class JsonObject;

// A value of a JSON file and where it is.
class JsonValue {
 public:
  JsonValue(const rapidjson::Value& value, std::string file, std::string path);

  const rapidjson::Value& json() const { return *value_; }
  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }

  absl::Status Error(std::string_view what) const;
  absl::Status Problem(std::string_view what) const;

  // The value as a type; each error says what it must be ("must be a positive integer").
  absl::StatusOr<std::string> String() const;
  absl::StatusOr<std::string> NonEmptyString() const;
  absl::StatusOr<bool> Bool() const;
  // An integer of `sign` and at most `max`.
  absl::StatusOr<int64_t> Int(Sign sign = Sign::kAny,
                              int64_t max = std::numeric_limits<int64_t>::max()) const;
  absl::StatusOr<double> Number(Sign sign = Sign::kAny) const;
  absl::StatusOr<JsonObject> Object() const;
  // An array, and arrays whose every item is an object or a string.
  absl::StatusOr<std::vector<JsonValue>> Array(Items items = Items::kAny) const;
  absl::StatusOr<std::vector<JsonObject>> Objects(Items items = Items::kAny) const;
  absl::StatusOr<std::vector<std::string>> Strings(Items items = Items::kAny) const;

 private:
  const rapidjson::Value* value_;
  std::string file_;
  std::string path_;
};

// A JSON object of a file: its members read as required (absent: "<path> is missing") or
// optional (absent: the fallback, or nothing). A member of the wrong type is an error either way.
class JsonObject {
 public:
  // The top level of `document`, parsed from `file`; an error unless it is an object.
  static absl::StatusOr<JsonObject> Top(const rapidjson::Value& document, std::string file);

  const JsonValue& value() const { return value_; }
  const std::string& path() const { return value_.path(); }
  absl::Status Error(std::string_view what) const { return value_.Error(what); }
  absl::Status Problem(std::string_view what) const { return value_.Problem(what); }

  std::optional<JsonValue> Find(std::string_view key) const;
  absl::StatusOr<JsonValue> Required(std::string_view key) const;
  // Every member, in the file's order.
  std::vector<std::pair<std::string, JsonValue>> Members() const;
  // "unknown key <path>" for the first member whose name is not in `known`.
  absl::Status OnlyKeys(std::initializer_list<std::string_view> known) const;

  absl::StatusOr<std::string> RequiredString(std::string_view key) const;
  absl::StatusOr<std::string> OptionalString(std::string_view key, std::string fallback = "") const;
  absl::StatusOr<std::string> RequiredNonEmptyString(std::string_view key) const;
  absl::StatusOr<std::string> OptionalNonEmptyString(std::string_view key,
                                                     std::string fallback = "") const;
  // A string that must be one of `choices` ("must be sum or max").
  absl::StatusOr<std::string> RequiredOneOf(std::string_view key,
                                            std::initializer_list<std::string_view> choices) const;
  absl::StatusOr<bool> RequiredBool(std::string_view key) const;
  absl::StatusOr<bool> OptionalBool(std::string_view key, bool fallback) const;
  absl::StatusOr<int64_t> RequiredInt(std::string_view key, Sign sign = Sign::kAny,
                                      int64_t max = std::numeric_limits<int64_t>::max()) const;
  absl::StatusOr<int64_t> OptionalInt(std::string_view key, int64_t fallback,
                                      Sign sign = Sign::kAny,
                                      int64_t max = std::numeric_limits<int64_t>::max()) const;
  absl::StatusOr<double> RequiredNumber(std::string_view key, Sign sign = Sign::kAny) const;
  absl::StatusOr<double> OptionalNumber(std::string_view key, double fallback,
                                        Sign sign = Sign::kAny) const;
  absl::StatusOr<JsonObject> RequiredObject(std::string_view key) const;
  absl::StatusOr<std::optional<JsonObject>> OptionalObject(std::string_view key) const;
  // Optional arrays read as empty when absent.
  absl::StatusOr<std::vector<JsonValue>> RequiredArray(std::string_view key,
                                                       Items items = Items::kAny) const;
  absl::StatusOr<std::vector<JsonValue>> OptionalArray(std::string_view key) const;
  absl::StatusOr<std::vector<JsonObject>> RequiredObjects(std::string_view key,
                                                          Items items = Items::kAny) const;
  absl::StatusOr<std::vector<JsonObject>> OptionalObjects(std::string_view key) const;
  absl::StatusOr<std::vector<std::string>> RequiredStrings(std::string_view key,
                                                           Items items = Items::kAny) const;
  absl::StatusOr<std::vector<std::string>> OptionalStrings(std::string_view key) const;

 private:
  friend class JsonValue;
  explicit JsonObject(JsonValue value) : value_(std::move(value)) {}

  // Member `key` read by `read`, or its "is missing" error.
  template <typename Read>
  auto ReadRequired(std::string_view key, Read read) const
      -> decltype(read(std::declval<const JsonValue&>()));
  // Member `key` read by `read`, or `fallback` when it is absent.
  template <typename T, typename Read>
  absl::StatusOr<T> ReadOptional(std::string_view key, T fallback, Read read) const;

  JsonValue value_;
};

// A parsed JSON file whose top level is an object.
class JsonFile {
 public:
  // Parses `text`, the content of the file `name`. Errors: "<name>: invalid JSON at offset N:
  // <reason>", "<name>: the top level must be an object".
  static absl::StatusOr<JsonFile> Parse(std::string name, std::string_view text);

  const std::string& name() const { return top_.value().file(); }
  const JsonObject& top() const { return top_; }

 private:
  JsonFile(std::unique_ptr<rapidjson::Document> document, JsonObject top)
      : document_(std::move(document)), top_(std::move(top)) {}

  std::unique_ptr<rapidjson::Document> document_;  // top_ refers into it
  JsonObject top_;
};

// `read` (a function of an item returning absl::StatusOr<T>) applied to every item, in order;
// the first error stops it.
template <typename T, typename Item, typename Read>
absl::StatusOr<std::vector<T>> ReadEach(const std::vector<Item>& items, Read read) {
  std::vector<T> out;
  out.reserve(items.size());
  for (const Item& item : items) {
    ASSIGN_OR_RETURN(T value, read(item));
    out.push_back(std::move(value));
  }
  return out;
}

}  // namespace trialgate

#endif  // TRIALGATE_GATEWAY_COMMON_JSON_READER_H_
