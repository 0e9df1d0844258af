#ifndef TRIALGATE_GATEWAY_HL7V2_ORU_MAPPING_H_
#define TRIALGATE_GATEWAY_HL7V2_ORU_MAPPING_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

// The ORU^R01 -> FHIR R4 Observation mapping tables, as data (fhir-profiles/hl7v2/oru_r01.json,
// embedded; documented in docs/hl7v2.md): value types, coding systems, the OBX-11 status
// policy, interpretation codes and units. Immutable once loaded, so thread-safe.
namespace trialgate::hl7v2 {

struct StatusRule {
  std::string status;            // FHIR Observation.status
  bool convert = false;          // false: not a result; the OBX is skipped with a warning
  bool requires_value = false;   // true: converted only when OBX-5 holds a value
  std::string reason;
};

struct OruMapping {
  std::map<std::string, std::string> value_types;     // OBX-2 -> "valueQuantity", ...
  std::map<std::string, std::string> coding_systems;   // HL7 table 0396 name -> FHIR system
  std::map<std::string, StatusRule> status_policy;     // OBX-11 (table 0085) -> rule
  StatusRule missing_status;                           // the rule for an empty OBX-11
  std::string interpretation_system;
  std::map<std::string, std::string> interpretation;   // OBX-8 (table 0078) -> v3 code
  std::string unit_system;
  std::map<std::string, std::string> unit_aliases;     // lower-case spelling -> UCUM code

  // The UCUM code for OBX-6.1 `unit` with coding system `unit_system_name` (OBX-6.3); "" when
  // unknown (see the file's "units" comment for the rule).
  std::string UcumFor(absl::string_view unit, absl::string_view unit_system_name) const;
};

// Parses a mapping file's text. InvalidArgument naming what is missing or malformed.
absl::StatusOr<OruMapping> ParseOruMapping(absl::string_view json);

// The embedded fhir-profiles/hl7v2/oru_r01.json, parsed once (a broken embedded file is a build
// defect: the process aborts with the reason).
const OruMapping& DefaultOruMapping();

}  // namespace trialgate::hl7v2

#endif  // TRIALGATE_GATEWAY_HL7V2_ORU_MAPPING_H_
