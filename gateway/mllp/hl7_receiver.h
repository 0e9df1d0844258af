#ifndef TRIALGATE_GATEWAY_MLLP_HL7_RECEIVER_H_
#define TRIALGATE_GATEWAY_MLLP_HL7_RECEIVER_H_

#include <map>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/audit/audit_log.h"
#include "gateway/common/clock.h"
#include "gateway/config/mllp_config.h"
#include "gateway/hl7v2/ack.h"
#include "gateway/hl7v2/message.h"
#include "gateway/mllp/mllp_listener.h"
#include "gateway/mllp/verdict.h"
#include "gateway/pipeline/pipeline.h"
#include "gateway/security/site_authorization.h"

// The HL7 v2 channel: each message the MLLP listener delivers is decoded (MSH-18, else the
// sender's fallback), parsed, checked (version, control id, site), converted to a FHIR R4
// transaction Bundle and ingested through the one pipeline, and answered with an ACK written
// only once the pipeline has answered, that is once the events are durable. The message's
// sending system + MSH-10 + a digest of its content is committed with its events, so a resend
// is answered AA again and stores nothing, and a reused control id is refused (AE 205).
namespace trialgate::mllp {

struct Hl7ReceiverOptions {
  std::map<std::string, config::Hl7Sender> senders;   // by "APPLICATION@FACILITY"
  std::map<std::string, std::string> site_by_system;  // config "sites", as the pipeline's
  std::map<std::string, absl::TimeZone> zone_by_site;  // a site without one: UTC
  const Clock* clock = &SystemClock();  // ACKs' MSH-7 and audit times
  audit::AuditLog* audit_log = nullptr;  // one record per message; null: none
};

class Hl7Receiver final : public MllpHandler {
 public:
  // The pipeline (and the audit log) must outlive the receiver.
  Hl7Receiver(const pipeline::Pipeline& pipeline, Hl7ReceiverOptions options);

  std::string OnMessage(const security::Caller& caller, absl::string_view raw) override;
  std::string OnTooLarge(const security::Caller& caller, size_t bytes) override;

 private:
  struct Received;
  // Everything up to the verdict; `received` keeps what the ACK and the audit record need.
  Verdict Judge(const security::Caller& caller, absl::string_view raw, Received& received) const;
  Verdict Ingest(const security::Caller& caller, const hl7v2::Message& message,
                 const std::string& system, Received& received) const;
  std::string Acknowledge(const Received& received, const Verdict& verdict);
  void Audit(const security::Caller& caller, const Received& received, const Verdict& verdict,
             absl::Time started) const;

  const pipeline::Pipeline& pipeline_;
  const Hl7ReceiverOptions options_;
  const security::SiteAuthorization sites_;
  hl7v2::AckControlIds ack_ids_;  // each ACK's own MSH-10
};

}  // namespace trialgate::mllp

#endif  // TRIALGATE_GATEWAY_MLLP_HL7_RECEIVER_H_
