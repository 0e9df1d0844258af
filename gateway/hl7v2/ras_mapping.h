#ifndef TRIALGATE_GATEWAY_HL7V2_RAS_MAPPING_H_
#define TRIALGATE_GATEWAY_HL7V2_RAS_MAPPING_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

// The RAS^O17 -> FHIR R4 MedicationAdministration mapping tables, as data
// (fhir-profiles/hl7v2/ras_o17.json, embedded; documented in docs/hl7v2.md): coding systems,
// the RXA-20 completion-status and RXA-21 action-code policies, routes and units. Immutable
// once loaded, so thread-safe.
namespace trialgate::hl7v2 {

struct CompletionRule {
  std::string status;           // MedicationAdministration.status
  bool takes_reason = false;    // true: RXA-18 becomes statusReason
  std::string why;
};

struct ActionRule {
  std::string status;  // overrides the completion status when not empty
  std::string why;
};

struct RouteRule {
  std::string display;              // of the HL7 table 0162 code
  std::string translation;          // a code of `RasMapping::route_translation_system`, or ""
  std::string translation_display;
};

struct RasMapping {
  std::map<std::string, std::string> coding_systems;       // HL7 table 0396 name -> FHIR system
  std::map<std::string, CompletionRule> completion_status;  // RXA-20 (table 0322) -> rule
  std::map<std::string, ActionRule> action_codes;           // RXA-21 (table 0323) -> rule
  std::string route_system;                                 // HL7 table 0162 as a FHIR system
  std::string route_translation_system;
  std::map<std::string, RouteRule> routes;                  // RXR-1 (table 0162) -> rule
  std::string unit_system;
  std::map<std::string, std::string> unit_aliases;          // lower-case spelling -> UCUM code

  // The UCUM code for RXA-7.1 `unit` with coding system `unit_system_name` (RXA-7.3); "" when
  // unknown (the rule of mapping_tables.h UcumFor).
  std::string UcumFor(absl::string_view unit, absl::string_view unit_system_name) const;
};

// Parses a mapping file's text. InvalidArgument naming what is missing or malformed.
absl::StatusOr<RasMapping> ParseRasMapping(absl::string_view json);

// The embedded fhir-profiles/hl7v2/ras_o17.json, parsed once (a broken embedded file is a build
// defect: the process aborts with the reason).
const RasMapping& DefaultRasMapping();

}  // namespace trialgate::hl7v2

#endif  // TRIALGATE_GATEWAY_HL7V2_RAS_MAPPING_H_
