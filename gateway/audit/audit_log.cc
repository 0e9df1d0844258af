#include "gateway/audit/audit_log.h"

#include <future>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace trialgate::audit {

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& path,
                                                         Options options) {
  absl::StatusOr<OpenedAuditFile> file = OpenAuditFile(path);
  if (!file.ok()) return file.status();
  return std::make_unique<AuditLog>(std::move(file->sink), std::move(file->position), options,
                                    path);
}

AuditLog::AuditLog(std::unique_ptr<AuditSink> sink, ChainPosition start, Options options,
                   std::string path)
    : path_(std::move(path)),
      options_(options),
      sink_(std::move(sink)),
      next_(start),
      durable_(std::move(start)) {
  writer_ = std::thread([this] { Run(); });
}

AuditLog::~AuditLog() { Close(); }

void AuditLog::AppendAsync(AuditRecord record, Done done) {
  absl::Status refused;
  {
    std::unique_lock<std::mutex> lock(mu_);
    // The writer thread itself must never wait for room it alone can make.
    if (std::this_thread::get_id() != writer_.get_id()) {
      space_.wait(lock, [&] {
        return queue_.size() < options_.max_queued || closing_ || !failure_.ok();
      });
    }
    if (!failure_.ok()) {
      refused = failure_;
    } else if (closing_) {
      refused = absl::UnavailableError("the audit log is closed");
    } else {
      queue_.push_back(Pending{std::move(record), std::move(done)});
      if (queue_.size() == 1) work_.notify_one();
      return;
    }
  }
  done(refused);
}

absl::Status AuditLog::Append(AuditRecord record) {
  std::promise<absl::Status> written;
  std::future<absl::Status> result = written.get_future();
  AppendAsync(std::move(record),
              [&written](const absl::Status& status) { written.set_value(status); });
  return result.get();
}

absl::Status AuditLog::health() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failure_;
}

ChainPosition AuditLog::durable() const {
  std::lock_guard<std::mutex> lock(mu_);
  return durable_;
}

void AuditLog::Close() {
  std::lock_guard<std::mutex> close_lock(close_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
  }
  work_.notify_one();
  space_.notify_all();
  if (writer_.joinable()) writer_.join();
  sink_.reset();  // closes the file and releases its lock
}

void AuditLog::Run() {
  std::deque<Pending> group;
  while (true) {
    absl::Status failed;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_.wait(lock, [&] { return !queue_.empty() || closing_; });
      if (queue_.empty()) return;  // closing, everything written
      group.swap(queue_);
      failed = failure_;
    }
    space_.notify_all();
    const absl::Status status = failed.ok() ? WriteGroup(group) : failed;
    for (Pending& pending : group) pending.done(status);
    group.clear();
  }
}

absl::Status AuditLog::WriteGroup(const std::deque<Pending>& group) {
  std::string bytes;
  ChainPosition next = next_;
  for (const Pending& pending : group) {
    std::string line = FormatAuditLine(pending.record, next.records + 1, next.head);
    next.records += 1;
    next.head = Sha256Hex(line);
    bytes.append(line).push_back('\n');
  }
  next.bytes += bytes.size();
  absl::Status status = sink_->Write(bytes);
  if (status.ok()) status = sink_->Sync();
  std::lock_guard<std::mutex> lock(mu_);
  if (!status.ok()) {
    // After a failed write the file's end is unknown (part of the group may be on disk), and
    // after a failed fdatasync the kernel may have dropped the dirty pages: the only honest
    // answer from now on is "not audited". The torn tail is cut at the next start.
    failure_ = absl::UnavailableError(absl::StrCat(
        "audit log ", path_, " failed (", status.message(),
        "): calls cannot be audited; restart the gateway once the cause is fixed"));
    spdlog::error("{}", std::string(failure_.message()));
    space_.notify_all();
    return failure_;
  }
  next_ = next;
  durable_ = std::move(next);
  return absl::OkStatus();
}

}  // namespace trialgate::audit
