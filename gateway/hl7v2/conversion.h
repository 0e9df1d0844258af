#ifndef TRIALGATE_GATEWAY_HL7V2_CONVERSION_H_
#define TRIALGATE_GATEWAY_HL7V2_CONVERSION_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/hl7v2/message.h"
#include "gateway/hl7v2/oru_mapping.h"

// HL7 v2 message -> a FHIR R4 transaction Bundle (JSON text ready for pipeline::Pipeline::Ingest),
// or the issues that stop it, each with its HL7 location so that an ACK's ERR segments can be
// built from them. ConvertMessage chooses the converter by MSH-9: ORU^R01 (oru_converter.h,
// Observations) and RAS^O17 (ras_converter.h, MedicationAdministrations). Mapping rules:
// docs/hl7v2.md; tables: fhir-profiles/hl7v2/. Pure (no I/O), thread-safe.
//
// Only codes, numbers, units, times and the patient's identifier reach the output: no names,
// birth dates or other PID fields, no NTE comments (the gateway keeps no PHI).
namespace trialgate::hl7v2 {

struct RasMapping;  // ras_mapping.h

// Where in the message something is: ERR-2 (segment id, its 1-based occurrence in the message,
// field, component; 0 = the whole segment / field).
struct Hl7Location {
  std::string segment;
  int sequence = 1;
  int field = 0;
  int component = 0;
  // ERR-2 (ERL) as the ACK writes it: segment^sequence^field^repetition^component, with
  // repetition 1 and only the parts given: "OBX^2^5^1^3" (OBX-5.3), "OBX^2^5^1" (the whole
  // OBX-5), "OBX^2" (the whole segment), "" (no segment).
  std::string ToString() const;
  bool operator==(const Hl7Location&) const = default;
};

struct ConversionIssue {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  Hl7Location location;
  int hl7_error_code = 207;  // HL7 table 0357: 101 required field missing, 102 data type
                             // error, 103 table value not found, 200 unsupported message type,
                             // 201 unsupported event code, 205 duplicate key identifier,
                             // 207 application internal error
  std::string text;          // what is wrong; never quotes personal data
};

struct ConvertOptions {
  // The site time zone (IANA), for DTM values without an offset.
  absl::TimeZone site_zone = absl::UTCTimeZone();
  // The site's id, as in codes/local-codes.json ("example-hospital"). Its local codes (a coding
  // system other than those in the mapping's coding_systems) get a system of the study's
  // local-codes.json convention: lab codes (OBX-3, OBX-5) `local_code_system`, or when that is
  // empty "urn:<site_id>:lab-codes"; RAS^O17 medications (RXA-5) "urn:<site_id>:pharmacy",
  // routes (RXR-1) "urn:<site_id>:routes", reasons (RXA-18) "urn:<site_id>:reasons".
  std::string site_id;
  std::string local_code_system;
  // The identifier system for PID-3 when the identifier has no assigning authority (CX-4), as
  // configured per sender (mllp.senders[].patientIdentifierSystem, `hl7 convert
  // --patient-id-system`), e.g. "urn:oid:1.2.276.0.76.4.8". Empty: such a PID-3 is an error.
  // An assigning authority that is sent always wins.
  std::string patient_identifier_system;
  const OruMapping* mapping = nullptr;      // null: DefaultOruMapping()
  const RasMapping* ras_mapping = nullptr;  // null: DefaultRasMapping()
};

struct ConversionResult {
  std::string bundle_json;  // empty when issues hold an error
  std::vector<ConversionIssue> issues;
  // The segment each Bundle entry came from (index = Bundle.entry index; component and field
  // 0): lets an ACK point a pipeline issue at "Bundle.entry[3]..." back at its OBX or RXA.
  std::vector<Hl7Location> entry_locations;
  bool ok() const;
};

// OK when `system` can be ConvertOptions::patient_identifier_system: an absolute URI (a scheme,
// ':', then no whitespace or control characters), e.g. "urn:oid:1.2.276.0.76.4.8" or
// "https://hospital-a.example/mrn". InvalidArgument saying why otherwise.
absl::Status CheckPatientIdentifierSystem(absl::string_view system);

// "APPLICATION@FACILITY" from the namespace ids of MSH-3 and MSH-4 ("LIS@HOSPA").
std::string SendingSystem(const Message& message);

// Converts by MSH-9: ORU^R01 and RAS^O17. Another message code is an issue with code 200
// (unsupported message type), another event of ORU or RAS one with 201 (unsupported event
// code), both located at MSH-9.
ConversionResult ConvertMessage(const Message& message, const ConvertOptions& options);

}  // namespace trialgate::hl7v2

#endif  // TRIALGATE_GATEWAY_HL7V2_CONVERSION_H_
