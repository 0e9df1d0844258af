#include "gateway/config/mllp_config.h"

#include <iconv.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/common/status_macros.h"
#include "gateway/hl7v2/conversion.h"

namespace trialgate::config {
namespace {

bool IconvKnows(const std::string& charset) {
  iconv_t descriptor = iconv_open("UTF-8", charset.c_str());
  if (descriptor == reinterpret_cast<iconv_t>(-1)) return false;
  iconv_close(descriptor);
  return true;
}

}  // namespace

absl::StatusOr<MllpConfig> ReadMllpConfig(const JsonObject& mllp) {
  RETURN_IF_ERROR(mllp.OnlyKeys({"listen", "maxMessageBytes", "idleTimeoutSeconds",
                                 "keepaliveSeconds", "maxConnections", "senders"}));
  constexpr int64_t kMaxInt = std::numeric_limits<int>::max();
  MllpConfig config;
  ASSIGN_OR_RETURN(config.listen, mllp.OptionalString("listen", config.listen));
  ASSIGN_OR_RETURN(const int64_t max_bytes,
                   mllp.OptionalInt("maxMessageBytes", static_cast<int64_t>(config.max_message_bytes),
                                    Sign::kPositive, int64_t{1} << 30));
  config.max_message_bytes = static_cast<size_t>(max_bytes);
  ASSIGN_OR_RETURN(const int64_t idle, mllp.OptionalInt("idleTimeoutSeconds",
                                                        config.idle_timeout_seconds,
                                                        Sign::kPositive, kMaxInt));
  config.idle_timeout_seconds = static_cast<int>(idle);
  ASSIGN_OR_RETURN(const int64_t keepalive,
                   mllp.OptionalInt("keepaliveSeconds", config.keepalive_seconds,
                                    Sign::kZeroOrMore, kMaxInt));
  config.keepalive_seconds = static_cast<int>(keepalive);
  ASSIGN_OR_RETURN(const int64_t connections,
                   mllp.OptionalInt("maxConnections",
                                    static_cast<int64_t>(config.max_connections),
                                    Sign::kPositive, 100000));
  config.max_connections = static_cast<size_t>(connections);
  ASSIGN_OR_RETURN(const std::vector<JsonObject> senders, mllp.OptionalObjects("senders"));
  for (const JsonObject& sender : senders) {
    RETURN_IF_ERROR(sender.OnlyKeys(
        {"system", "fallbackCharset", "localCodeSystem", "patientIdentifierSystem"}));
    Hl7Sender read;
    ASSIGN_OR_RETURN(read.system, sender.RequiredNonEmptyString("system"));
    ASSIGN_OR_RETURN(read.fallback_charset, sender.OptionalString("fallbackCharset"));
    if (!read.fallback_charset.empty() && !IconvKnows(read.fallback_charset)) {
      return sender.Problem(absl::StrCat("fallbackCharset ", read.fallback_charset,
                                         " is not a character set iconv knows (iconv -l)"));
    }
    ASSIGN_OR_RETURN(read.local_code_system, sender.OptionalString("localCodeSystem"));
    ASSIGN_OR_RETURN(read.patient_identifier_system,
                     sender.OptionalString("patientIdentifierSystem"));
    if (!read.patient_identifier_system.empty()) {
      if (absl::Status uri = hl7v2::CheckPatientIdentifierSystem(read.patient_identifier_system);
          !uri.ok()) {
        return sender.Problem(absl::StrCat("patientIdentifierSystem: ", uri.message()));
      }
    }
    if (!config.senders.emplace(read.system, read).second) {
      return sender.Problem(absl::StrCat("sender ", read.system, " is configured twice"));
    }
  }
  return config;
}

}  // namespace trialgate::config
