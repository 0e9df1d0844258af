#ifndef TRIALGATE_GATEWAY_AUDIT_CHAIN_VERIFIER_H_
#define TRIALGATE_GATEWAY_AUDIT_CHAIN_VERIFIER_H_

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "gateway/audit/chain.h"

namespace trialgate::audit {

// Where a chain stands after its last good record: what the next record continues from.
struct ChainPosition {
  uint64_t records = 0;         // whole, good records
  std::string head = kGenesisHash;  // SHA-256 of the last good line: the next record's prev
  uint64_t bytes = 0;           // bytes of those lines, newlines included
};

// What checking a log found.
struct ChainReport {
  bool intact = true;
  ChainPosition good;           // up to the first problem (everything when intact)
  uint64_t first_bad_line = 0;  // 1-based; 0 when intact
  std::string problem;          // why that line is bad
  // The only problem is a last line without a newline: a write cut by a crash, which the
  // gateway cuts away when it opens the log.
  bool torn_tail = false;
};

// Checks a log line by line, in order: each line must be a record whose hash matches its
// content (else: edited), whose prev is the SHA-256 of the line before (else: a record was
// removed, inserted, repeated or reordered there) and whose seq is its line number. Stops at
// the first bad line. Not thread-safe.
class ChainVerifier {
 public:
  // Adds the next line (without its newline); `complete` is false for a last line that has no
  // newline. Returns false once a line was bad: report() says which and why.
  bool Add(std::string_view line, bool complete = true);
  const ChainReport& report() const { return report_; }

 private:
  bool Fail(std::string problem);
  ChainReport report_;
};

// Checks the file at `path` (its first `limit` bytes). NOT_FOUND / DATA_LOSS when it cannot be
// read; a missing file is not an empty log.
absl::StatusOr<ChainReport> VerifyChainFile(
    const std::string& path, uint64_t limit = std::numeric_limits<uint64_t>::max());

}  // namespace trialgate::audit

#endif  // TRIALGATE_GATEWAY_AUDIT_CHAIN_VERIFIER_H_
