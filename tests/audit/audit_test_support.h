#ifndef TRIALGATE_TESTS_AUDIT_AUDIT_TEST_SUPPORT_H_
#define TRIALGATE_TESTS_AUDIT_AUDIT_TEST_SUPPORT_H_

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/audit/audit_record.h"

namespace trialgate::audit::testing {

// A fresh directory, removed at the end of the test.
class ScratchDir {
 public:
  ScratchDir() {
    path_ = std::filesystem::temp_directory_path() /
            absl::StrCat("audit-test-", getpid(), "-", counter_++);
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

inline AuditRecord SampleRecord(int n) {
  AuditRecord record;
  record.time = absl::FromUnixMillis(1795000000000 + n);
  record.identity = "site01-epic";
  record.roles = {"site"};
  record.site = "site-01";
  record.peer = "ipv4:127.0.0.1:5000";
  record.rpc = "/trialgate.v1.Gateway/Submit";
  record.target = {{"sourceSystem", std::string("site01-epic")}, {"n", uint64_t(n)}};
  record.duration = absl::Microseconds(1500);
  return record;
}

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

inline void WriteAll(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// The file's lines, each without its newline (a last line without one is kept as well).
inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

inline std::string Join(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text.append(line).push_back('\n');
  return text;
}

}  // namespace trialgate::audit::testing

#endif  // TRIALGATE_TESTS_AUDIT_AUDIT_TEST_SUPPORT_H_
