#ifndef TRIALGATE_GATEWAY_AUDIT_AUDIT_LOG_H_
#define TRIALGATE_GATEWAY_AUDIT_AUDIT_LOG_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gateway/audit/audit_file.h"
#include "gateway/audit/audit_record.h"
#include "gateway/audit/chain_verifier.h"

namespace trialgate::audit {

// The append-only, hash-chained audit log (docs/audit.md). One writer thread takes every
// record queued while it wrote the previous group, chains them, and writes them with one write
// and one fdatasync. Nothing is dropped: a caller waits while the queue is full, and a failed
// write or sync is final: that group and every later append fail with UNAVAILABLE, so a record
// is never lost without its call knowing. Thread-safe.
class AuditLog {
 public:
  struct Options {
    size_t max_queued = 16384;  // records waiting for the writer; appenders wait beyond this
  };
  // Called once a record is durable (OK) or cannot be (UNAVAILABLE). Runs on the writer
  // thread: it must not block.
  using Done = std::function<void(const absl::Status&)>;

  // Opens the log file at `path` (see OpenAuditFile) and starts the writer.
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(const std::string& path,
                                                        Options options);
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(const std::string& path) {
    return Open(path, Options());
  }

  // A log writing to `sink`, continuing the chain at `start`. Starts the writer.
  AuditLog(std::unique_ptr<AuditSink> sink, ChainPosition start, Options options,
           std::string path = "");
  ~AuditLog();  // Close()

  // Queues `record`; `done` is called when it is durable or has failed. Waits while the queue
  // is full. After a failure or Close, `done` gets UNAVAILABLE at once.
  void AppendAsync(AuditRecord record, Done done);
  // Appends `record` and waits until it is durable. For calls that never reach a service (e.g.
  // refused by the authenticator). OK, or UNAVAILABLE when the log has failed or is closed.
  // REQUIRES: not called from a Done callback (it would wait for its own thread).
  absl::Status Append(AuditRecord record);

  // OK while the log works; the final UNAVAILABLE once a write failed.
  absl::Status health() const;
  // The chain as durable on disk: what a reader may read and the head it must reach.
  ChainPosition durable() const;
  const std::string& path() const { return path_; }

  // Writes what is queued, then stops the writer; later appends fail. Idempotent.
  void Close();

 private:
  struct Pending {
    AuditRecord record;
    Done done;
  };
  void Run();
  // Chains, writes and syncs `group`; returns the status to give its callers.
  absl::Status WriteGroup(const std::deque<Pending>& group);

  const std::string path_;
  const Options options_;
  std::unique_ptr<AuditSink> sink_;  // used by the writer thread only
  ChainPosition next_;               // writer thread only: where the next group continues

  mutable std::mutex mu_;
  std::condition_variable work_;      // records queued, or closing
  std::condition_variable space_;     // the queue has room again
  std::deque<Pending> queue_;         // guarded by mu_
  bool closing_ = false;              // guarded by mu_
  absl::Status failure_;              // guarded by mu_; final once set
  ChainPosition durable_;             // guarded by mu_

  std::mutex close_mu_;
  std::thread writer_;
};

}  // namespace trialgate::audit

#endif  // TRIALGATE_GATEWAY_AUDIT_AUDIT_LOG_H_
