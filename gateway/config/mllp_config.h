#ifndef TRIALGATE_GATEWAY_CONFIG_MLLP_CONFIG_H_
#define TRIALGATE_GATEWAY_CONFIG_MLLP_CONFIG_H_

#include <cstddef>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "gateway/common/json_reader.h"

namespace trialgate::config {

// What the gateway knows of one HL7 v2 sending system (config "mllp.senders").
struct Hl7Sender {
  std::string system;  // "APPLICATION@FACILITY" from MSH-3 and MSH-4, e.g. "LIS@HOSPA"
  // iconv name used when MSH-18 is empty or not in table 0211, e.g. "WINDOWS-1252".
  std::string fallback_charset;
  // The system of its local codes (OBX-3/RXA-5 outside LOINC etc.); empty:
  // "urn:<site>:lab-codes".
  std::string local_code_system;
  // The system of its patient identifiers when PID-3 has no assigning authority (CX-4), e.g.
  // "urn:oid:1.2.276.0.76.4.8"; empty: such a message is refused (AE 101 at PID-3.4).
  std::string patient_identifier_system;
};

// The MLLP listener (config "mllp"). Listens by default: hospital lab and pharmacy systems
// speak HL7 v2 over MLLP, and 2575 is its registered port.
struct MllpConfig {
  std::string listen = "127.0.0.1:2575";  // "" or "off": no MLLP listener
  size_t max_message_bytes = size_t{16} << 20;
  int idle_timeout_seconds = 600;
  int keepalive_seconds = 60;  // 0: no TCP keepalive
  size_t max_connections = 256;
  std::map<std::string, Hl7Sender> senders;  // by system

  bool enabled() const { return !listen.empty() && listen != "off"; }
};

// Reads the "mllp" object over the defaults; unknown keys and bad values name their path.
absl::StatusOr<MllpConfig> ReadMllpConfig(const JsonObject& mllp);

}  // namespace trialgate::config

#endif  // TRIALGATE_GATEWAY_CONFIG_MLLP_CONFIG_H_
