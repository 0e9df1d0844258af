#ifndef TRIALGATE_GATEWAY_VALIDATION_DEFINITION_JSON_H_
#define TRIALGATE_GATEWAY_VALIDATION_DEFINITION_JSON_H_

// Small readers of definition resources (StructureDefinition, ValueSet) shared by the
// ProfileSet builder and the differential compiler.

#include <string>

#include "absl/strings/string_view.h"
#include "gateway/validation/profile_set.h"
#include "rapidjson/document.h"

namespace trialgate::validation::definition_json {

// "http://x|4.0.1" -> "http://x".
absl::string_view StripVersion(absl::string_view url);
// A string member, or "" when absent or not a string.
absl::string_view Str(const rapidjson::Value& object, const char* name);
const rapidjson::Value* Member(const rapidjson::Value& object, const char* name);
// An array member, or nullptr.
const rapidjson::Value* Array(const rapidjson::Value& object, const char* name);
// "dateTime" -> "DateTime": the suffix of a choice element's JSON name.
std::string ChoiceSuffix(absl::string_view code);
// The FHIR type code of an ElementDefinition.type entry (R4 snapshots name FHIRPath system
// types, as used for ids and primitive values, in the structuredefinition-fhir-type extension).
std::string FhirTypeCode(const rapidjson::Value& type);
// "http://hl7.org/fhir/StructureDefinition/Patient" -> "Patient".
std::string TypeFromProfileUrl(absl::string_view url);
// Reads an ElementDefinition.type entry's `profile` (when exactly one) and `targetProfile` into
// `ref`, replacing what `ref` had for each that is present. Targets stay canonical URLs (the
// builder resolves them to type names); a Resource or DomainResource target means any.
void ReadTypeProfiles(const rapidjson::Value& type, TypeRef* ref);

}  // namespace trialgate::validation::definition_json

#endif  // TRIALGATE_GATEWAY_VALIDATION_DEFINITION_JSON_H_
