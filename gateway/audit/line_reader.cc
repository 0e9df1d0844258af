#include "gateway/audit/line_reader.h"

#include "absl/strings/str_cat.h"

namespace trialgate::audit {

absl::StatusOr<LineReader> LineReader::Open(const std::string& path, uint64_t offset,
                                            uint64_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  in.seekg(static_cast<std::streamoff>(offset));
  if (!in) return absl::NotFoundError(absl::StrCat("cannot seek to ", offset, " in ", path));
  return LineReader(std::move(in), offset, limit);
}

bool LineReader::Next(std::string* line, bool* complete, bool* error) {
  line->clear();
  *complete = false;
  *error = false;
  if (offset_ >= limit_) return false;
  char c;
  while (offset_ < limit_ && in_.get(c)) {
    ++offset_;
    if (c == '\n') {
      *complete = true;
      return true;
    }
    line->push_back(c);
  }
  *error = in_.bad();
  return !line->empty();
}

}  // namespace trialgate::audit
