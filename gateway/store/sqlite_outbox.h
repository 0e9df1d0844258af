#ifndef TRIALGATE_GATEWAY_STORE_SQLITE_OUTBOX_H_
#define TRIALGATE_GATEWAY_STORE_SQLITE_OUTBOX_H_

// The SQL of the outbox tables (schema in sqlite_schema.cc): the writes, which the store's writer
// thread runs inside its group transaction, and the reads, on read-only connections. Internal to
// gateway/store; SqliteEventStore is the public face.

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gateway/store/outbox.h"
#include "gateway/store/sqlite_util.h"
#include "trialgate/v1/events.pb.h"

namespace trialgate::store {

// The outbox writes, as statements prepared once on the writer's connection. Used only by the
// writer thread, inside an open transaction; a non-OK status is a SQLite failure (the caller
// fails the group) unless it is INVALID_ARGUMENT.
class OutboxWriter {
 public:
  static absl::StatusOr<std::unique_ptr<OutboxWriter>> Prepare(sqlite3* db);

  // One event owed to one destination.
  absl::Status Enqueue(const std::string& destination, uint64_t sequence, int64_t now_unix_ms);
  // Returns how many outbox rows it settled (delivered or dead).
  absl::StatusOr<size_t> Settle(const DeliverySettlement& settlement, int64_t now_unix_ms);
  // Return how many dead letters they changed.
  absl::StatusOr<size_t> Replay(const DeadLetterSelection& selection, int64_t now_unix_ms);
  absl::StatusOr<size_t> Discard(const DeadLetterSelection& selection, int64_t now_unix_ms);

 private:
  explicit OutboxWriter(sqlite3* db) : db_(db) {}

  absl::Status Deliver(const std::string& destination, const std::vector<uint64_t>& sequences,
                       size_t* settled);
  absl::Status DeadLetter(const std::string& destination, const DeadLetterRecord& dead,
                          int64_t now_unix_ms, size_t* settled);
  // Runs `stmt`, bound to (destination, sequence, now) for each sequence or once for the whole
  // selection (destination, now, subject), and returns the rows it changed.
  absl::StatusOr<size_t> RunForSelection(sqlite3_stmt* one, sqlite3_stmt* all,
                                         const DeadLetterSelection& selection,
                                         int64_t now_unix_ms);
  absl::StatusOr<size_t> Changes(sqlite3_stmt* stmt, const char* what);

  sqlite3* db_;  // the writer's connection, owned by the store
  StmtPtr enqueue_;
  StmtPtr delete_pending_;
  StmtPtr raise_cursor_;
  StmtPtr select_for_dead_letter_;
  StmtPtr insert_dead_letter_;
  StmtPtr requeue_one_;
  StmtPtr requeue_all_;
  StmtPtr forget_one_;
  StmtPtr forget_all_;
  StmtPtr discard_one_;
  StmtPtr discard_all_;
};

// Reads one destination's outbox on a read-only connection of its own.
absl::StatusOr<std::unique_ptr<OutboxReader>> NewSqliteOutboxReader(DbPtr db);

// Progress and dead letters, read on `db` (a read-only connection).
absl::StatusOr<std::vector<DestinationProgress>> ReadProgress(
    sqlite3* db, const std::vector<std::string>& destinations);
absl::StatusOr<std::vector<DeadLetterRecord>> ReadDeadLetters(sqlite3* db,
                                                              const DeadLetterQuery& query);

}  // namespace trialgate::store

#endif  // TRIALGATE_GATEWAY_STORE_SQLITE_OUTBOX_H_
