#ifndef TRIALGATE_GATEWAY_REGISTRY_SINK_JSONL_EVENT_SINK_H_
#define TRIALGATE_GATEWAY_REGISTRY_SINK_JSONL_EVENT_SINK_H_

// The core of the reference receiver: keeps each event once, durably, in a JSON-lines file
// (see event_lines.h), and remembers across restarts which event ids it holds.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "trialgate/v1/events.pb.h"

namespace trialgate::registry_sink {

// What opening the file found.
struct SinkRecovery {
  size_t events = 0;        // distinct event ids already in the file
  uint64_t torn_bytes = 0;  // a torn last line cut away (0: none)
};

struct KeepResult {
  size_t kept = 0;        // new events appended
  size_t duplicates = 0;  // events already held (or repeated within the batch): skipped
};

// Thread-safe. Keep() calls are serialised: each appends and fsyncs before the next starts,
// which is all a reference receiver needs (no group commit).
class JsonlEventSink {
 public:
  // Opens (or creates) the file, loads the event ids it holds and cuts away a torn last line.
  // Takes an exclusive lock on the file: a second sink on the same file is refused. Errors name
  // the file and say what is wrong (cannot create, not writable, damaged line N, in use).
  static absl::StatusOr<std::unique_ptr<JsonlEventSink>> Open(const std::filesystem::path& path);

  ~JsonlEventSink();
  JsonlEventSink(const JsonlEventSink&) = delete;
  JsonlEventSink& operator=(const JsonlEventSink&) = delete;

  // Appends the events not held yet, in the given order, and returns once they are on disk
  // (written and fsync'd). Every event needs an event_id (else INVALID_ARGUMENT, nothing kept).
  // A failed write keeps nothing and answers UNAVAILABLE; after a failed fsync the sink
  // refuses every later call (what reached the disk is unknown until a restart re-reads it).
  absl::StatusOr<KeepResult> Keep(const google::protobuf::RepeatedPtrField<v1::Event>& events);

  const std::filesystem::path& path() const { return path_; }
  const SinkRecovery& recovery() const { return recovery_; }
  // Distinct events held.
  size_t size() const;
  bool Holds(const std::string& event_id) const;

 private:
  JsonlEventSink(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  absl::Status Load();
  // Writes all of `bytes` at the end of the file; on failure cuts the file back to size_.
  absl::Status Append(const std::string& bytes);

  const std::filesystem::path path_;
  const int fd_;
  SinkRecovery recovery_;

  mutable std::mutex mu_;
  absl::flat_hash_set<std::string> held_;  // guarded by mu_
  uint64_t size_ = 0;                      // bytes of kept lines; guarded by mu_
  bool failed_ = false;                    // an fsync failed; guarded by mu_
};

}  // namespace trialgate::registry_sink

#endif  // TRIALGATE_GATEWAY_REGISTRY_SINK_JSONL_EVENT_SINK_H_
