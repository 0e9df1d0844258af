#ifndef TRIALGATE_GATEWAY_PIPELINE_SUBMISSION_H_
#define TRIALGATE_GATEWAY_PIPELINE_SUBMISSION_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gateway/common/issue.h"

namespace trialgate::pipeline {

// The door a submission came in by.
enum class Channel { kGrpc, kMllp, kHttp };

// One body as a channel received it. The views must stay valid until Ingest returns.
struct Submission {
  Channel channel = Channel::kGrpc;
  absl::string_view source_system;  // the sending system the request names
  absl::string_view body;           // FHIR R4 JSON: one resource, or a Bundle
  // The channel's own message when it has one (HL7 v2: sending system and control id, e.g.
  // "hl7v2|LIS@HOSPA|MSG00042") and a digest of its content. It is committed with the
  // resources, so a resend of the same message is a duplicate and the same id with other
  // content is refused as a whole (ALREADY_EXISTS, nothing stored); the events name it by a
  // keyed pseudonym (SourceRef.message_id). Empty: none.
  absl::string_view message_key;
  absl::string_view message_digest;
};

// What became of one resource of a submission.
struct EntryResult {
  enum class Outcome { kAccepted, kDuplicate, kRejected };
  int entry = 0;  // index in Bundle.entry; 0 for a single resource
  Outcome outcome = Outcome::kRejected;
  std::vector<std::string> event_ids;
  std::vector<Issue> issues;  // errors of a rejected entry, warnings of an accepted one
  std::string resource_type;
  std::string logical_id;
};

// What became of a submission: the outcomes a channel turns into its own answer.
struct SubmissionResult {
  // Non-OK when the body as a whole could not be used (its issues say why) or the store failed;
  // then `entries` is empty and nothing was stored.
  absl::Status status;
  std::vector<Issue> issues;
  std::vector<EntryResult> entries;
};

// The answer to a validation without storing (FHIR's $validate).
struct ValidationResult {
  absl::Status status;        // non-OK when the body could not be decoded at all
  std::vector<Issue> issues;  // every problem found; empty when valid
  bool valid() const { return status.ok() && !HasErrors(issues); }
};

}  // namespace trialgate::pipeline

#endif  // TRIALGATE_GATEWAY_PIPELINE_SUBMISSION_H_
