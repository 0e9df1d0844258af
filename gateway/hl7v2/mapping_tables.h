#ifndef TRIALGATE_GATEWAY_HL7V2_MAPPING_TABLES_H_
#define TRIALGATE_GATEWAY_HL7V2_MAPPING_TABLES_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fhir-profiles/embedded.h"
#include "rapidjson/document.h"

// Reading the mapping files of fhir-profiles/hl7v2/ (oru_mapping.cc, ras_mapping.cc) and the
// unit rule they share. Internal to trialgate_hl7v2; pure.
namespace trialgate::hl7v2 {

// `object`'s member `name`, or nullptr (also when `object` is not an object).
const rapidjson::Value* Member(const rapidjson::Value& object, const char* name);

// The string `value` holds, or "".
std::string StringOf(const rapidjson::Value* value);

// Reads the string members of `object` (skipping "_comment") into `out`; InvalidArgument naming
// `what` when it is not an object of strings.
absl::Status ReadStringMap(const rapidjson::Value& object, absl::string_view what,
                           std::map<std::string, std::string>* out);

// Reads the "units" object of a mapping file ({"system": ..., "aliases": {...}}): the unit
// system and the aliases keyed by their lower-case spelling.
absl::Status ReadUnits(const rapidjson::Value& doc, std::string* system,
                       std::map<std::string, std::string>* aliases);

// The mapping parsed from the embedded file fhir-profiles/hl7v2/<file> by `parse`; aborts with
// the file's name and the parse error when the embedded file is broken (a build defect that
// profiles_test catches first).
template <typename Mapping>
Mapping ParseEmbeddedOrDie(const char* file,
                           absl::StatusOr<Mapping> (*parse)(absl::string_view text));

// The UCUM code for a unit as sent (OBX-6.1, RXA-7.1) with coding system name
// `unit_system_name` (OBX-6.3, RXA-7.3): as sent when the name is "UCUM" or it equals one of
// the table's UCUM codes; else the table's entry for its lower-case spelling (`aliases` keys
// are lower case); "" when unknown or empty.
std::string UcumFor(const std::map<std::string, std::string>& aliases, absl::string_view unit,
                    absl::string_view unit_system_name);

// Prints which embedded file is broken and why, and aborts.
[[noreturn]] void AbortOnBrokenEmbeddedFile(const char* file, const absl::Status& status);

template <typename Mapping>
Mapping ParseEmbeddedOrDie(const char* file,
                           absl::StatusOr<Mapping> (*parse)(absl::string_view text)) {
  absl::StatusOr<Mapping> parsed = parse(profiles::EmbeddedHl7v2Mapping(file));
  if (!parsed.ok()) AbortOnBrokenEmbeddedFile(file, parsed.status());
  return *std::move(parsed);
}

}  // namespace trialgate::hl7v2

#endif  // TRIALGATE_GATEWAY_HL7V2_MAPPING_TABLES_H_
