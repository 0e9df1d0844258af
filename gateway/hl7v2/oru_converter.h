#ifndef TRIALGATE_GATEWAY_HL7V2_ORU_CONVERTER_H_
#define TRIALGATE_GATEWAY_HL7V2_ORU_CONVERTER_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gateway/hl7v2/message.h"
#include "gateway/hl7v2/oru_mapping.h"

// ORU^R01 -> a FHIR R4 transaction Bundle of Observations, one per OBX, as JSON text ready for
// pipeline::Pipeline::Ingest; or the issues that stop it, each with its HL7 location so that an
// ACK's ERR segments can be built from them. Mapping rules: docs/hl7v2.md; tables:
// fhir-profiles/hl7v2/oru_r01.json. Pure (no I/O), thread-safe.
//
// Only codes, numbers, units, times and the patient's identifier reach the output: no names,
// birth dates or other PID fields, no NTE comments (the gateway keeps no PHI).
namespace trialgate::hl7v2 {

// Where in the message a problem is: ERR-2 (segment id, its 1-based occurrence in the message,
// field, component; 0 = the whole segment / field).
struct Hl7Location {
  std::string segment;
  int sequence = 1;
  int field = 0;
  int component = 0;
  std::string ToString() const;  // "OBX^2^5^1", as ERR-2 writes it
};

struct ConversionIssue {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  Hl7Location location;
  int hl7_error_code = 207;  // HL7 table 0357: 101 required field missing, 102 data type
                             // error, 103 table value not found, 200 unsupported message type,
                             // 207 application internal error
  std::string text;          // what is wrong; never quotes personal data
};

struct ConvertOptions {
  // The site time zone (IANA), for DTM values without an offset.
  absl::TimeZone site_zone = absl::UTCTimeZone();
  // The site's id, as in codes/local-codes.json ("example-hospital"). Its local codes (OBX-3 or
  // OBX-5 with a coding system other than those in the mapping's coding_systems) get the system
  // `local_code_system`, or when that is empty "urn:<site_id>:lab-codes", the convention of the
  // study's local-codes.json entries.
  std::string site_id;
  std::string local_code_system;
  const OruMapping* mapping = nullptr;  // null: DefaultOruMapping()
};

struct ConversionResult {
  std::string bundle_json;  // empty when issues hold an error
  std::vector<ConversionIssue> issues;
  bool ok() const;
};

// "APPLICATION@FACILITY" from the namespace ids of MSH-3 and MSH-4 ("LIS@HOSPA").
std::string SendingSystem(const Message& message);

// Converts an ORU^R01 (MSH-9 "ORU^R01"; anything else is an issue with code 200).
ConversionResult ConvertOruR01(const Message& message, const ConvertOptions& options);

}  // namespace trialgate::hl7v2

#endif  // TRIALGATE_GATEWAY_HL7V2_ORU_CONVERTER_H_
