#ifndef TRIALGATE_GATEWAY_HL7V2_RAS_CONVERTER_H_
#define TRIALGATE_GATEWAY_HL7V2_RAS_CONVERTER_H_

#include "gateway/hl7v2/conversion.h"
#include "gateway/hl7v2/message.h"
#include "gateway/hl7v2/ras_mapping.h"

// RAS^O17 (pharmacy/treatment administration) -> a FHIR R4 transaction Bundle of
// MedicationAdministrations, one per RXA with the RXR that follows it (see conversion.h for the
// result and ConvertMessage, which calls this for RAS^O17). RDE^O11 and RDS^O13 are orders and
// dispenses, never doses given, and are not converted. Mapping rules: docs/hl7v2.md; tables:
// fhir-profiles/hl7v2/ras_o17.json. Pure (no I/O), thread-safe.
namespace trialgate::hl7v2 {

// Converts a RAS^O17 (MSH-9 "RAS^O17"; anything else is an issue with code 200).
ConversionResult ConvertRasO17(const Message& message, const ConvertOptions& options);

}  // namespace trialgate::hl7v2

#endif  // TRIALGATE_GATEWAY_HL7V2_RAS_CONVERTER_H_
