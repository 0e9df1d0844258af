#ifndef TRIALGATE_GATEWAY_AUDIT_LINE_READER_H_
#define TRIALGATE_GATEWAY_AUDIT_LINE_READER_H_

#include <cstdint>
#include <fstream>
#include <limits>
#include <string>

#include "absl/status/statusor.h"

namespace trialgate::audit {

// Reads a file's lines from a byte offset up to a byte limit (what a writer has made durable,
// so that a line being appended is not read half). Not thread-safe.
class LineReader {
 public:
  // NOT_FOUND when the file cannot be opened.
  static absl::StatusOr<LineReader> Open(const std::string& path, uint64_t offset = 0,
                                         uint64_t limit = std::numeric_limits<uint64_t>::max());

  // The next line without its newline. *complete is false for a last line with no newline.
  // Returns false at the end (or at the limit); *error says whether reading failed there.
  bool Next(std::string* line, bool* complete, bool* error);

  // The offset of the next line to read.
  uint64_t offset() const { return offset_; }

 private:
  LineReader(std::ifstream in, uint64_t offset, uint64_t limit)
      : in_(std::move(in)), offset_(offset), limit_(limit) {}

  std::ifstream in_;
  uint64_t offset_;
  uint64_t limit_;
};

}  // namespace trialgate::audit

#endif  // TRIALGATE_GATEWAY_AUDIT_LINE_READER_H_
