#include "gateway/registry_sink/jsonl_event_sink.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "gateway/common/status_macros.h"
#include "gateway/registry_sink/event_lines.h"

namespace trialgate::registry_sink {
namespace {

absl::StatusOr<std::string> ReadWholeFile(int fd, const std::string& name) {
  std::string content;
  char buffer[1 << 16];
  for (off_t offset = 0;;) {
    const ssize_t got = ::pread(fd, buffer, sizeof buffer, offset);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return absl::ErrnoToStatus(errno, absl::StrCat("cannot read ", name));
    if (got == 0) return content;
    content.append(buffer, static_cast<size_t>(got));
    offset += got;
  }
}

// A new file's directory entry is durable only once its directory is synced.
absl::Status SyncDirectoryOf(const std::filesystem::path& path) {
  std::filesystem::path directory = path.parent_path();
  if (directory.empty()) directory = ".";
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot open directory ", directory.string()));
  }
  const int result = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (result != 0) {
    return absl::ErrnoToStatus(error, absl::StrCat("cannot sync directory ", directory.string()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<JsonlEventSink>> JsonlEventSink::Open(
    const std::filesystem::path& path) {
  const std::string name = path.string();
  bool created = true;
  int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0 && errno == EEXIST) {
    created = false;
    fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
  }
  if (fd < 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot open ", name, " for appending"));
  }
  // From here the sink owns (and closes) the descriptor.
  std::unique_ptr<JsonlEventSink> sink(new JsonlEventSink(path, fd));

  struct stat info;
  if (::fstat(fd, &info) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot stat ", name));
  }
  if (!S_ISREG(info.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(name, " is not a regular file"));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return absl::FailedPreconditionError(
          absl::StrCat(name, " is in use by another registry sink"));
    }
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot lock ", name));
  }
  if (created) RETURN_IF_ERROR(SyncDirectoryOf(path));
  RETURN_IF_ERROR(sink->Load());
  return sink;
}

JsonlEventSink::~JsonlEventSink() { ::close(fd_); }

absl::Status JsonlEventSink::Load() {
  const std::string name = path_.string();
  ASSIGN_OR_RETURN(const std::string content, ReadWholeFile(fd_, name));
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<size_t> complete = ParseEventLines(
      content, [&](v1::Event&& event) { held_.insert(std::move(*event.mutable_event_id())); });
  if (!complete.ok()) {
    return absl::DataLossError(absl::StrCat(name, ": ", complete.status().message(),
                                            " (move the file aside or repair that line)"));
  }
  // A torn last line was never acknowledged (the fsync comes after the whole batch), so its
  // events will be sent again: cutting it away loses nothing.
  if (*complete < content.size()) {
    if (::ftruncate(fd_, static_cast<off_t>(*complete)) != 0 || ::fsync(fd_) != 0) {
      return absl::ErrnoToStatus(errno, absl::StrCat("cannot cut the torn last line of ", name));
    }
    recovery_.torn_bytes = content.size() - *complete;
  }
  size_ = *complete;
  recovery_.events = held_.size();
  return absl::OkStatus();
}

absl::StatusOr<KeepResult> JsonlEventSink::Keep(
    const google::protobuf::RepeatedPtrField<v1::Event>& events) {
  for (const v1::Event& event : events) {
    if (event.event_id().empty()) {
      return absl::InvalidArgumentError("an event has no event_id: it cannot be deduplicated");
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (failed_) {
    return absl::UnavailableError(absl::StrCat("an earlier fsync of ", path_.string(),
                                               " failed: restart the sink to re-read the file"));
  }
  KeepResult result;
  absl::flat_hash_set<std::string> new_ids;
  std::string lines;
  for (const v1::Event& event : events) {
    if (held_.contains(event.event_id()) || !new_ids.insert(event.event_id()).second) {
      ++result.duplicates;
      continue;
    }
    RETURN_IF_ERROR(AppendEventLine(event, &lines));
    ++result.kept;
  }
  if (lines.empty()) return result;
  RETURN_IF_ERROR(Append(lines));
  if (::fsync(fd_) != 0) {
    // Linux may drop the failed pages and report success on the next fsync: nothing written
    // from now on could be trusted.
    failed_ = true;
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot fsync ", path_.string()));
  }
  size_ += lines.size();
  held_.merge(new_ids);
  return result;
}

absl::Status JsonlEventSink::Append(const std::string& bytes) {
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t result = ::write(fd_, bytes.data() + written, bytes.size() - written);
    if (result < 0 && errno == EINTR) continue;
    if (result < 0) {
      const int error = errno;
      // Take back a partial batch so that the file stays whole lines; if even that fails,
      // the next restart cuts it as a torn line.
      if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) failed_ = true;
      return absl::UnavailableError(
          absl::StrCat("cannot append to ", path_.string(), ": ", std::strerror(error)));
    }
    written += static_cast<size_t>(result);
  }
  return absl::OkStatus();
}

size_t JsonlEventSink::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return held_.size();
}

bool JsonlEventSink::Holds(const std::string& event_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return held_.contains(event_id);
}

}  // namespace trialgate::registry_sink
