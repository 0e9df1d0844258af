#include "gateway/audit/audit_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace trialgate::audit {
namespace {

std::string Errno() { return std::strerror(errno); }

class FileSink final : public AuditSink {
 public:
  explicit FileSink(int fd) : fd_(fd) {}
  ~FileSink() override { close(fd_); }  // also releases the lock

  absl::Status Write(std::string_view bytes) override {
    while (!bytes.empty()) {
      const ssize_t written = write(fd_, bytes.data(), bytes.size());
      if (written < 0 && errno == EINTR) continue;
      if (written <= 0) return absl::UnavailableError(absl::StrCat("write: ", Errno()));
      bytes.remove_prefix(static_cast<size_t>(written));
    }
    return absl::OkStatus();
  }

  absl::Status Sync() override {
    if (fdatasync(fd_) != 0) return absl::UnavailableError(absl::StrCat("fdatasync: ", Errno()));
    return absl::OkStatus();
  }

 private:
  int fd_;
};

// Makes the file's directory entry durable, for a log that was just created.
void SyncDirectory(const std::string& path) {
  std::filesystem::path directory = std::filesystem::path(path).parent_path();
  if (directory.empty()) directory = ".";
  const int fd = open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  fsync(fd);
  close(fd);
}

}  // namespace

absl::StatusOr<OpenedAuditFile> OpenAuditFile(const std::string& path) {
  const bool existed = std::filesystem::exists(path);
  const int fd = open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat("cannot open audit log ", path, ": ", Errno()));
  }
  auto sink = std::make_unique<FileSink>(fd);
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "audit log ", path, " is in use by another process (another gateway on the same log?)"));
  }
  struct stat info;
  if (fstat(fd, &info) == 0 && (info.st_mode & 077) != 0) {
    spdlog::warn("audit log {} was readable by others (mode {:o}): set to 0600", path,
                 info.st_mode & 0777);
    fchmod(fd, 0600);
  }
  if (!existed) SyncDirectory(path);

  absl::StatusOr<ChainReport> report = VerifyChainFile(path);
  if (!report.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot read audit log ", path, ": ", report.status().message()));
  }
  if (!report->intact && !report->torn_tail) {
    return absl::FailedPreconditionError(absl::StrCat(
        "audit log ", path, " fails verification at line ", report->first_bad_line, " (",
        report->problem, "); it has been tampered with or damaged. Keep it as evidence: move it "
        "aside (e.g. to ", path, ".damaged) and start again to begin a new chain"));
  }
  if (report->torn_tail) {
    if (ftruncate(fd, static_cast<off_t>(report->good.bytes)) != 0 || fdatasync(fd) != 0) {
      return absl::UnavailableError(
          absl::StrCat("cannot cut the torn last line of audit log ", path, ": ", Errno()));
    }
    spdlog::warn("audit log {}: cut a torn last line (a write cut short by a crash); the chain "
                 "continues from record {}", path, report->good.records);
  }
  return OpenedAuditFile{std::move(sink), report->good};
}

}  // namespace trialgate::audit
