#include "gateway/mllp/hl7_receiver.h"

#include <future>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/audit/caller_record.h"
#include "gateway/hl7v2/charset.h"
#include "gateway/hl7v2/message_identity.h"
#include "gateway/hl7v2/conversion.h"
#include "gateway/identity/source_identity.h"
#include "spdlog/spdlog.h"

namespace trialgate::mllp {
namespace {

using hl7v2::AckOutcome;

// The status code name an audit record carries for an outcome.
const char* AuditCode(AckOutcome outcome) {
  switch (outcome) {
    case AckOutcome::kAccept:
      return "OK";
    case AckOutcome::kError:
      return "INVALID_ARGUMENT";
    case AckOutcome::kReject:
      return "UNAVAILABLE";
  }
  return "UNKNOWN";
}

}  // namespace

// What one message yielded on its way, for its ACK and its audit record.
struct Hl7Receiver::Received {
  hl7v2::InboundHeader header;            // as far as it could be read
  std::string system;                     // APPLICATION@FACILITY
  std::string message_type;               // "ORU^R01"
  std::string control_id;
  size_t events = 0;
};

Hl7Receiver::Hl7Receiver(const pipeline::Pipeline& pipeline, Hl7ReceiverOptions options)
    : pipeline_(pipeline), options_(std::move(options)), sites_(options_.site_by_system) {}

std::string Hl7Receiver::OnMessage(const security::Caller& caller, absl::string_view raw) {
  const absl::Time started = options_.clock->Now();
  Received received;
  const Verdict verdict = Judge(caller, raw, received);
  const hl7v2::AckDecision decision = hl7v2::DecideAck(received.header, verdict.outcome);
  spdlog::info("mllp: {} {} {} control id {}: {}{}", caller.peer,
               received.system.empty() ? "(unknown system)" : received.system,
               received.message_type.empty() ? "(unparsed)" : received.message_type,
               hl7v2::QuoteCode(received.control_id, 64), decision.code,
               verdict.outcome == AckOutcome::kAccept
                   ? absl::StrCat(" (", received.events, " events)")
                   : absl::StrCat(" (", verdict.errors.size(), " errors)"));
  Audit(caller, received, verdict, started);
  return decision.send ? Acknowledge(received, verdict) : "";
}

std::string Hl7Receiver::OnTooLarge(const security::Caller& caller, size_t bytes) {
  Received received;
  const Verdict verdict = Refusal(
      AckOutcome::kReject, {}, 207,
      absl::StrCat("the message is ", bytes, " bytes, over this gateway's limit "
                   "(mllp.maxMessageBytes): nothing of it was read or stored"));
  Audit(caller, received, verdict, options_.clock->Now());
  return Acknowledge(received, verdict);
}

Verdict Hl7Receiver::Judge(const security::Caller& caller, absl::string_view raw,
                           Received& received) const {
  received.header = hl7v2::ReadInboundHeader(hl7v2::RawHeaderSegment(raw));
  received.control_id = received.header.control_id;
  received.system = hl7v2::RawSendingSystem(raw);
  // The fallback belongs to the sender, so it is looked up before the bytes are decoded.
  auto sender = options_.senders.find(received.system);
  hl7v2::DecodeOptions decode;
  if (sender != options_.senders.end()) decode.fallback_charset = sender->second.fallback_charset;
  absl::StatusOr<hl7v2::Decoded> decoded = hl7v2::DecodeToUtf8(raw, decode);
  if (!decoded.ok()) {
    return Refusal(AckOutcome::kError, {"MSH", 1, 18, 0}, 102,
                  std::string(decoded.status().message()));
  }
  absl::StatusOr<hl7v2::Message> message = hl7v2::Message::Parse(std::move(decoded->text));
  if (!message.ok()) {
    return Refusal(AckOutcome::kError, {}, 100, std::string(message.status().message()));
  }
  const hl7v2::Message& parsed = *message;
  received.header = hl7v2::HeaderOf(parsed);
  received.message_type = absl::StrCat(parsed.message_code(), "^", parsed.trigger_event());
  received.control_id = parsed.control_id();
  if (absl::Status version = hl7v2::CheckVersion(parsed.version()); !version.ok()) {
    return Refusal(AckOutcome::kReject, {"MSH", 1, 12, 0}, 203,
                  std::string(version.message()));
  }
  if (received.control_id.empty()) {
    return Refusal(AckOutcome::kReject, {"MSH", 1, 10, 0}, 101,
                  "MSH-10 (message control id) is required: it is how a resend is recognised");
  }
  // MSH-4 is optional in HL7 ("LIS@" then), MSH-3 is what names a feed.
  if (received.system.empty() || received.system.front() == '@') {
    return Refusal(AckOutcome::kReject, {"MSH", 1, 3, 1}, 101,
                   "MSH-3 (sending application) is required: with MSH-4 it names the sending "
                   "system");
  }
  return Ingest(caller, parsed, received.system, received);
}

Verdict Hl7Receiver::Ingest(const security::Caller& caller, const hl7v2::Message& message,
                            const std::string& system, Received& received) const {
  // The pipeline applies the same rule again; the converter needs the site first, for its
  // time zone and local codes.
  absl::StatusOr<std::string> site = sites_.SiteFor(caller, system);
  if (!site.ok()) {
    return Refusal(AckOutcome::kReject, {"MSH", 1, 4, 0}, 207,
                   std::string(site.status().message()));
  }
  hl7v2::ConvertOptions convert;
  convert.site_id = *site;
  if (auto zone = options_.zone_by_site.find(*site); zone != options_.zone_by_site.end()) {
    convert.site_zone = zone->second;
  }
  if (auto sender = options_.senders.find(system); sender != options_.senders.end()) {
    convert.local_code_system = sender->second.local_code_system;
    convert.patient_identifier_system = sender->second.patient_identifier_system;
  }
  hl7v2::ConversionResult converted = hl7v2::ConvertMessage(message, convert);
  if (!converted.ok()) return VerdictOnConversion(converted.issues);

  const std::string message_key = absl::StrCat("hl7v2|", system, "|", message.control_id());
  const std::string digest = hl7v2::ContentDigest(message);
  pipeline::Submission submission;
  submission.channel = pipeline::Channel::kMllp;
  submission.source_system = system;
  submission.body = converted.bundle_json;
  submission.message_key = message_key;
  submission.message_digest = digest;
  // The listener's thread waits: the sender waits for this ACK anyway, and the ACK must not
  // leave before the commit.
  std::promise<pipeline::SubmissionResult> answered;
  std::future<pipeline::SubmissionResult> answer = answered.get_future();
  pipeline_.Ingest(caller, submission, [&answered](pipeline::SubmissionResult result) {
    answered.set_value(std::move(result));
  });
  const pipeline::SubmissionResult result = answer.get();
  Verdict verdict = VerdictOnSubmission(result, converted.entry_locations);
  if (verdict.outcome == AckOutcome::kAccept) {
    for (const pipeline::EntryResult& entry : result.entries) {
      received.events += entry.event_ids.size();
    }
    // The conversion's notes (a unit it could not map, ...) travel with the accept.
    for (hl7v2::AckError& note : hl7v2::AckErrorsFrom(converted.issues)) {
      verdict.errors.push_back(std::move(note));
    }
  }
  return verdict;
}

std::string Hl7Receiver::Acknowledge(const Received& received, const Verdict& verdict) {
  hl7v2::AckParams params;
  params.outcome = verdict.outcome;
  params.errors = verdict.errors;
  params.now = options_.clock->Now();
  params.control_id = ack_ids_.Next();
  return hl7v2::BuildAck(received.header, params);
}

void Hl7Receiver::Audit(const security::Caller& caller, const Received& received,
                        const Verdict& verdict, absl::Time started) const {
  if (options_.audit_log == nullptr) return;
  audit::AuditRecord record = audit::RecordFor(caller, started);
  record.rpc = absl::StrCat("mllp:", received.message_type.empty() ? "(unparsed)"
                                                                   : received.message_type);
  record.target = {{"sendingSystem", received.system},
                   {"controlId", received.control_id},
                   {"ack", hl7v2::DecideAck(received.header, verdict.outcome).code},
                   {"events", static_cast<uint64_t>(received.events)}};
  record.code = AuditCode(verdict.outcome);
  if (!verdict.errors.empty()) {
    // Codes and places only: an error's text may quote what the sender sent (a patient's
    // identifier), which the ACK may carry back but the audit log must not keep.
    const hl7v2::AckError& first = verdict.errors.front();
    record.message = absl::StrCat(verdict.errors.size(), " error(s); first: HL7 error ", first.code,
                                  first.location.segment.empty() ? "" : " at ",
                                  first.location.ToString());
  }
  record.duration = options_.clock->Now() - started;
  options_.audit_log->AppendAsync(std::move(record), [](const absl::Status&) {});
}

}  // namespace trialgate::mllp
