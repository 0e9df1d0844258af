#ifndef TRIALGATE_MAPPERS_FHIR_JSON_H_
#define TRIALGATE_MAPPERS_FHIR_JSON_H_

// Lenient reading of FHIR JSON: any JSON shape may arrive, so every accessor checks the type and
// turns a mismatch into an error issue at the element's FHIRPath instead of failing. Absent
// optional elements are simply absent; absent required ones are "required" errors.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/common/issue.h"
#include "mappers/number_texts.h"
#include "rapidjson/document.h"

namespace trialgate::mappers {

enum class Presence { kOptional, kRequired };

void AddIssue(Issue::Severity severity, std::string code, std::string expression,
              std::string diagnostics, std::vector<Issue>* issues);
inline void AddError(std::string code, std::string expression, std::string diagnostics,
                     std::vector<Issue>* issues) {
  AddIssue(Issue::Severity::kError, std::move(code), std::move(expression),
           std::move(diagnostics), issues);
}
inline void AddWarning(std::string code, std::string expression, std::string diagnostics,
                       std::vector<Issue>* issues) {
  AddIssue(Issue::Severity::kWarning, std::move(code), std::move(expression),
           std::move(diagnostics), issues);
}

// "null", "a boolean", "an object", "an array", "a string" or "a number": for messages.
const char* JsonTypeName(const rapidjson::Value& value);

// The FHIRPath of an element, for issue messages: a whole path ("Observation", or one already
// built), or a parent Path and a member name or array index. Joined into a string only when an
// issue needs it: most elements read report none, and building every path was most of the
// mappers' time. Like std::string_view it refers to what it was made from, which must outlive
// it (never name a Path made from a temporary string).
class Path {
 public:
  constexpr Path(const char* whole) : text_(whole) {}  // NOLINT(runtime/explicit)
  Path(const std::string& whole) : text_(whole) {}      // NOLINT(runtime/explicit)
  constexpr Path(const Path& parent, std::string_view name) : parent_(&parent), text_(name) {}
  constexpr Path(const Path& parent, size_t index) : parent_(&parent), index_(index) {}

  std::string str() const;

 private:
  void AppendTo(std::string* out) const;

  static constexpr size_t kNoIndex = static_cast<size_t>(-1);
  const Path* parent_ = nullptr;
  std::string_view text_;  // the whole path, or the member name
  size_t index_ = kNoIndex;
};

// True when `object` is a JSON object holding member `name` (of any type).
bool Has(const rapidjson::Value& object, std::string_view name);

// Member `name` of `object` (`path` is the member's FHIRPath). Each returns nullptr/nullopt
// when the member is absent (adding a "required" error when kRequired) or of the wrong JSON
// type (adding a "structure" error). `object` itself must be a JSON object or nothing is read.
const rapidjson::Value* GetObject(const rapidjson::Value& object, std::string_view name,
                                  const Path& path, Presence presence, std::vector<Issue>* issues);
const rapidjson::Value* GetArray(const rapidjson::Value& object, std::string_view name,
                                 const Path& path, Presence presence, std::vector<Issue>* issues);
// A non-empty JSON string (FHIR forbids empty strings; "" is reported as a "value" error).
std::optional<std::string> GetString(const rapidjson::Value& object, std::string_view name,
                                     const Path& path, Presence presence,
                                     std::vector<Issue>* issues);
// A FHIR decimal (or integer) as sent: its value, for arithmetic, and its exact JSON text, which
// keeps the precision the value cannot ("1.50").
struct Decimal {
  double value = 0;
  std::string text;
};

// A JSON number (FHIR JSON sends decimals and integers as numbers, never as strings), its text
// from `numbers` (see NumberText; `numbers` may be null).
std::optional<Decimal> GetDecimal(const rapidjson::Value& object, std::string_view name,
                                  const Path& path, Presence presence, const NumberTexts* numbers,
                                  std::vector<Issue>* issues);

struct Coding {
  std::string system;
  std::string code;
  std::string display;
  std::string path;  // FHIRPath of the coding, e.g. "Observation.code.coding[1]"
};

struct CodeableConcept {
  std::vector<Coding> codings;
  std::string text;
};

// Reads a CodeableConcept held in `value` (at `path`); a non-object is a "structure" error and
// yields nullopt. Malformed codings are reported and skipped.
std::optional<CodeableConcept> ReadCodeableConcept(const rapidjson::Value& value,
                                                   const Path& path, std::vector<Issue>* issues);
// The CodeableConcept member `name` of `object`, with GetObject's presence rules.
std::optional<CodeableConcept> GetCodeableConcept(const rapidjson::Value& object,
                                                  std::string_view name, const Path& path,
                                                  Presence presence, std::vector<Issue>* issues);

struct Reference {
  std::string reference;
  std::string identifier_system;
  std::string identifier_value;
  std::string display;
};

// The Reference member `name` of `object`. A Reference with neither `reference` nor
// `identifier.value` is useless for mapping: reported as "required" (when kRequired) and nullopt.
std::optional<Reference> GetReference(const rapidjson::Value& object, std::string_view name,
                                      const Path& path, Presence presence,
                                      std::vector<Issue>* issues);

struct QuantityValue {
  std::optional<Decimal> value;
  std::string unit;    // human-readable unit as sent
  std::string system;  // unit system, normally UCUM
  std::string code;    // coded unit
};

// Reads a Quantity (or SimpleQuantity) held in `value` at `path`; nullopt for a non-object.
// `numbers` (may be null) gives the value's text.
std::optional<QuantityValue> ReadQuantity(const rapidjson::Value& value, const Path& path,
                                          const NumberTexts* numbers, std::vector<Issue>* issues);

}  // namespace trialgate::mappers

#endif  // TRIALGATE_MAPPERS_FHIR_JSON_H_
