#ifndef TRIALGATE_GATEWAY_STORE_OUTBOX_H_
#define TRIALGATE_GATEWAY_STORE_OUTBOX_H_

// The store side of forwarding to downstream registries: per destination, an outbox row for
// each event it is to receive (written in the event's own transaction), the destination's cursor,
// and dead letters. The delivery workers (gateway/delivery/) read and settle through this.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "trialgate/v1/events.pb.h"

namespace trialgate::store {

// The payload's field name ("dose_administered"), from the descriptor; empty when unset.
std::string EventKind(const v1::Event& event);

// Which committed events a destination receives. `accepts` runs on the store's writer thread
// for every new event, inside the commit's transaction; it must be fast and must not block.
struct OutboxRoute {
  std::string destination;
  std::function<bool(const v1::Event&)> accepts;
};

// One event waiting for one destination.
struct OutboxEntry {
  uint64_t sequence = 0;
  int64_t enqueued_unix_ms = 0;  // when it entered the outbox (its commit, or its replay)
  v1::Event event;               // with sequence set
};

// A dead letter: an event a destination will not get unless an operator replays it.
struct DeadLetterRecord {
  std::string destination;
  uint64_t sequence = 0;
  std::string event_id;
  std::string subject_id;
  std::string event_kind;        // the payload's field name, e.g. "dose_administered"
  int code = 0;                  // google.rpc.Code
  std::string reason;
  uint32_t attempts = 0;
  int64_t enqueued_unix_ms = 0;
  int64_t dead_lettered_unix_ms = 0;
  int64_t discarded_unix_ms = 0;  // 0 unless discarded
};

// The result of delivering (part of) a batch, settled in one transaction: delivered entries
// leave the outbox and advance the cursor; dead entries leave the outbox for the dead letters.
struct DeliverySettlement {
  std::string destination;
  std::vector<uint64_t> delivered;
  // Destination (empty, or the settlement's) and sequence name an outbox row. The store keeps
  // code, reason and attempts, and fills in the rest from the stored event and its clock.
  std::vector<DeadLetterRecord> dead;
};

// A destination's durable progress.
struct DestinationProgress {
  std::string destination;
  uint64_t cursor = 0;                 // highest sequence ever acknowledged
  uint64_t delivered_events = 0;       // acknowledged since the destination was first seen
  uint64_t pending_events = 0;         // outbox rows
  int64_t oldest_pending_unix_ms = 0;  // 0 when none
  uint64_t dead_letters = 0;           // not discarded
};

struct DeadLetterQuery {
  std::string destination;  // empty: all
  std::string subject_id;   // empty: all
  bool include_discarded = false;
  size_t limit = 0;         // 0: no limit
};

// Selects dead letters of one destination: those with `sequences`, or with `all` every one not
// discarded (of `subject_id` when set). Exactly one of `sequences` and `all`, and `subject_id`
// only with `all`: anything else is INVALID_ARGUMENT, as an action cannot be undone.
struct DeadLetterSelection {
  std::string destination;
  std::vector<uint64_t> sequences;
  bool all = false;
  std::string subject_id;
};

// Reads one destination's outbox. One reader serves one thread (like EventReader).
class OutboxReader {
 public:
  virtual ~OutboxReader() = default;
  // Up to `limit` entries of `destination` in sequence order, each with its event.
  virtual absl::StatusOr<std::vector<OutboxEntry>> ReadPending(const std::string& destination,
                                                               size_t limit) = 0;
};

// Thread-safe. Writes go through the store's single writer (and its group commit); every
// method that writes returns only once the change is durable, or failed without effect.
class Outbox {
 public:
  virtual ~Outbox() = default;

  virtual absl::StatusOr<std::unique_ptr<OutboxReader>> OpenOutboxReader() = 0;

  // Applies a delivery result atomically: delivered rows removed and the cursor raised to the
  // highest delivered sequence; dead rows moved into dead_letters. Sequences no longer in the
  // outbox (settled already) are ignored, so settling twice is harmless.
  virtual absl::Status Settle(DeliverySettlement settlement) = 0;

  // Progress of every destination that has or had rows, plus those named in `destinations`
  // (reported with zeros when never seen), sorted by name.
  virtual absl::StatusOr<std::vector<DestinationProgress>> Progress(
      const std::vector<std::string>& destinations) = 0;

  virtual absl::StatusOr<std::vector<DeadLetterRecord>> ListDeadLetters(
      const DeadLetterQuery& query) = 0;
  // Moves the selected (not discarded) dead letters back into the outbox with their original
  // sequence, enqueued now. Returns how many moved.
  virtual absl::StatusOr<size_t> ReplayDeadLetters(const DeadLetterSelection& selection) = 0;
  // Marks the selected (not discarded) dead letters discarded. Returns how many.
  virtual absl::StatusOr<size_t> DiscardDeadLetters(const DeadLetterSelection& selection) = 0;
};

}  // namespace trialgate::store

#endif  // TRIALGATE_GATEWAY_STORE_OUTBOX_H_
