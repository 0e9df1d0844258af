#ifndef TRIALGATE_GATEWAY_AUDIT_AUDIT_FILE_H_
#define TRIALGATE_GATEWAY_AUDIT_AUDIT_FILE_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "gateway/audit/chain_verifier.h"

namespace trialgate::audit {

// Where the audit writer's bytes go: the one outside dependency of AuditLog, so that tests can
// make writing fail. Used by one thread at a time.
class AuditSink {
 public:
  virtual ~AuditSink() = default;
  // Appends all of `bytes`. A non-OK status means some of them may have been written.
  virtual absl::Status Write(std::string_view bytes) = 0;
  // Makes everything written so far durable (fdatasync).
  virtual absl::Status Sync() = 0;
};

// An opened log: the sink to append to and where its chain stands.
struct OpenedAuditFile {
  std::unique_ptr<AuditSink> sink;
  ChainPosition position;
};

// Opens (creating, mode 0600) the log at `path` for appending and holds an exclusive lock on
// it for the sink's lifetime. Checks the chain already in it: a torn last line (a crash during
// a write) is cut away with a warning and the chain continues from the last whole line; any
// other damage is FAILED_PRECONDITION naming the line and why (the file is left untouched as
// evidence). FAILED_PRECONDITION also when another process holds the lock; UNAVAILABLE when
// the file cannot be opened or repaired.
absl::StatusOr<OpenedAuditFile> OpenAuditFile(const std::string& path);

}  // namespace trialgate::audit

#endif  // TRIALGATE_GATEWAY_AUDIT_AUDIT_FILE_H_
