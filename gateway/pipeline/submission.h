#ifndef TRIALGATE_GATEWAY_PIPELINE_SUBMISSION_H_
#define TRIALGATE_GATEWAY_PIPELINE_SUBMISSION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gateway/common/issue.h"

namespace trialgate::pipeline {

// The door a submission came in by.
enum class Channel { kGrpc, kMllp, kHttp };

// How a channel that names and versions resources itself (the FHIR REST facade) has one entry
// stored. Its versions are the server's: meta.versionId is ignored (the content tells versions
// apart) and each stored version is numbered (EntryResult::version).
struct EntryDirective {
  // Stored under this id instead of Resource.id: the id the server assigned (create) or the
  // one the request's URL names (update). Empty: Resource.id.
  std::string logical_id;
  // A conditional create (If-None-Exist): the first version stored under this id stands, and
  // any later one, whatever its content, is a duplicate of it.
  bool created_once = false;
  // FHIR If-Match: the entry is stored only if the resource has exactly this many versions;
  // otherwise the submission fails as a whole (FAILED_PRECONDITION, nothing stored).
  std::optional<uint64_t> if_match;
  // Non-empty: the channel refuses the entry (e.g. an interaction it does not support); it is
  // rejected with these issues, unread, and a transaction with it stores nothing.
  std::vector<Issue> refusal;
};

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
  // Per entry, by Bundle.entry index (a single resource is entry 0): see EntryDirective. Null:
  // every entry as sent. Must stay valid until Ingest returns.
  const std::vector<EntryDirective>* directives = nullptr;
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
  // Under an EntryDirective: the stored version's number (1-based) and when it was stored;
  // for a duplicate, those of the version it repeats.
  uint64_t version = 0;
  int64_t stored_at_unix_ms = 0;
  // Rejected only because another entry of its transaction was (all or nothing).
  bool rolled_back = false;
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
