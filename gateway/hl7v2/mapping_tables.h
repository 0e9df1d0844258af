#ifndef TRIALGATE_GATEWAY_HL7V2_MAPPING_TABLES_H_
#define TRIALGATE_GATEWAY_HL7V2_MAPPING_TABLES_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
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

// The UCUM code for a unit as sent (OBX-6.1, RXA-7.1) with coding system name
// `unit_system_name` (OBX-6.3, RXA-7.3): as sent when the name is "UCUM" or it equals one of
// the table's UCUM codes; else the table's entry for its lower-case spelling (`aliases` keys
// are lower case); "" when unknown or empty.
std::string UcumFor(const std::map<std::string, std::string>& aliases, absl::string_view unit,
                    absl::string_view unit_system_name);

}  // namespace trialgate::hl7v2

#endif  // TRIALGATE_GATEWAY_HL7V2_MAPPING_TABLES_H_
