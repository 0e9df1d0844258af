#ifndef TRIALGATE_GATEWAY_HL7V2_ORU_CONVERTER_H_
#define TRIALGATE_GATEWAY_HL7V2_ORU_CONVERTER_H_

#include "gateway/hl7v2/conversion.h"
#include "gateway/hl7v2/message.h"
#include "gateway/hl7v2/oru_mapping.h"

// ORU^R01 -> a FHIR R4 transaction Bundle of Observations, one per OBX (see conversion.h for
// the result and ConvertMessage, which calls this for ORU^R01). Mapping rules: docs/hl7v2.md;
// tables: fhir-profiles/hl7v2/oru_r01.json. Pure (no I/O), thread-safe.
namespace trialgate::hl7v2 {

// Converts an ORU^R01 (MSH-9 "ORU^R01"; anything else is an issue with code 200).
ConversionResult ConvertOruR01(const Message& message, const ConvertOptions& options);

}  // namespace trialgate::hl7v2

#endif  // TRIALGATE_GATEWAY_HL7V2_ORU_CONVERTER_H_
