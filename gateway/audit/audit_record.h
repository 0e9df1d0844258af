#ifndef TRIALGATE_GATEWAY_AUDIT_AUDIT_RECORD_H_
#define TRIALGATE_GATEWAY_AUDIT_AUDIT_RECORD_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/time/time.h"

namespace trialgate::audit {

// One value of a record's `target`: what the call was about. Ids and counts only, never a
// body or anything read from one besides its resource types (docs/audit.md).
using AuditValue = std::variant<std::string, uint64_t, bool, std::vector<std::string>,
                                std::map<std::string, uint64_t>>;
// Members of `target` in the order they are written.
using AuditTarget = std::vector<std::pair<std::string, AuditValue>>;

// What the audit log keeps of one call.
struct AuditRecord {
  absl::Time time;                 // when the call started
  std::string identity;            // who: the caller's configured identity
  std::vector<std::string> roles;  // role names, e.g. "site"
  std::string site;                // the site a site caller acts for; empty otherwise
  std::string peer;                // gRPC peer address
  std::string rpc;                 // full method, e.g. "/trialgate.v1.Gateway/Submit"
  AuditTarget target;
  std::string code = "OK";         // gRPC status code name, e.g. "PERMISSION_DENIED"
  std::string message;             // status message; cut to kMaxMessageBytes when written
  absl::Duration duration;         // from the start to the status
};

// Longest status message kept, in bytes (cut at a character boundary).
inline constexpr size_t kMaxMessageBytes = 256;

// The record as its line in the log, without the newline: a JSON object with the members
//   seq, time, identity, roles, site, peer, rpc, target, code, message, durationUs, prev, hash
// in that order, no whitespace. `seq` is the record's 1-based position, `prev` the previous
// line's SHA-256 (kGenesisHash for the first), `hash` RecordHash over the line before
// `,"hash":` (see chain.h). Strings that are not valid UTF-8 have the bad bytes replaced by
// U+FFFD, so that every line is JSON any reader accepts.
std::string FormatAuditLine(const AuditRecord& record, uint64_t seq, const std::string& prev);

}  // namespace trialgate::audit

#endif  // TRIALGATE_GATEWAY_AUDIT_AUDIT_RECORD_H_
