#include "gateway/store/sqlite_outbox.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/common/status_macros.h"

namespace trialgate::store {
namespace {

// Every SQL text below is a constant; data only ever travels through bound parameters.
constexpr char kEnqueueSql[] =
    "INSERT INTO outbox(destination, sequence, enqueued_at) VALUES (?1, ?2, ?3)";
constexpr char kDeletePendingSql[] = "DELETE FROM outbox WHERE destination = ?1 AND sequence = ?2";
constexpr char kRaiseCursorSql[] =
    "INSERT INTO destinations(name, cursor, delivered) VALUES (?1, ?2, ?3) "
    "ON CONFLICT(name) DO UPDATE SET cursor = MAX(cursor, excluded.cursor), "
    "delivered = delivered + excluded.delivered";
// LEFT JOIN: events are never deleted, but if one were missing its row must still be able to
// leave the outbox rather than block the destination.
constexpr char kSelectForDeadLetterSql[] =
    "SELECT o.enqueued_at, e.event_id, e.subject_id, COALESCE(s.payload, e.payload) "
    "FROM outbox AS o LEFT JOIN events AS e ON e.sequence = o.sequence "
    "LEFT JOIN subject_events AS s ON s.subject_id = e.subject_id AND s.sequence = e.sequence "
    "WHERE o.destination = ?1 AND o.sequence = ?2";
// OR REPLACE: an event replayed and given up on again is recorded again, with the new reason.
constexpr char kInsertDeadLetterSql[] =
    "INSERT OR REPLACE INTO dead_letters(destination, sequence, event_id, subject_id, "
    "event_kind, code, reason, attempts, enqueued_at, dead_lettered_at, discarded_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL)";

// The selection statements name their parameters (:destination, :sequence, :subject, :now) so
// one binder serves them all; each binds only those it uses. A NULL :subject means every subject.
// Replay copies the selected rows into the outbox, then deletes them: both statements select the
// same not-discarded rows, and the delete's count is the answer. OR IGNORE only guards against a
// row that is somehow pending already; it keeps its place.
constexpr char kRequeueOneSql[] =
    "INSERT OR IGNORE INTO outbox(destination, sequence, enqueued_at) "
    "SELECT destination, sequence, :now FROM dead_letters "
    "WHERE destination = :destination AND sequence = :sequence AND discarded_at IS NULL";
constexpr char kRequeueAllSql[] =
    "INSERT OR IGNORE INTO outbox(destination, sequence, enqueued_at) "
    "SELECT destination, sequence, :now FROM dead_letters "
    "WHERE destination = :destination AND discarded_at IS NULL "
    "AND (:subject IS NULL OR subject_id = :subject)";
constexpr char kForgetOneSql[] =
    "DELETE FROM dead_letters "
    "WHERE destination = :destination AND sequence = :sequence AND discarded_at IS NULL";
constexpr char kForgetAllSql[] =
    "DELETE FROM dead_letters WHERE destination = :destination AND discarded_at IS NULL "
    "AND (:subject IS NULL OR subject_id = :subject)";
constexpr char kDiscardOneSql[] =
    "UPDATE dead_letters SET discarded_at = :now "
    "WHERE destination = :destination AND sequence = :sequence AND discarded_at IS NULL";
constexpr char kDiscardAllSql[] =
    "UPDATE dead_letters SET discarded_at = :now "
    "WHERE destination = :destination AND discarded_at IS NULL "
    "AND (:subject IS NULL OR subject_id = :subject)";

constexpr char kReadPendingSql[] =
    "SELECT o.sequence, o.enqueued_at, COALESCE(s.payload, e.payload) FROM outbox AS o "
    "JOIN events AS e ON e.sequence = o.sequence "
    "LEFT JOIN subject_events AS s ON s.subject_id = e.subject_id AND s.sequence = e.sequence "
    "WHERE o.destination = ?1 ORDER BY o.sequence LIMIT ?2";
constexpr char kPendingByDestinationSql[] =
    "SELECT destination, COUNT(*), MIN(enqueued_at) FROM outbox GROUP BY destination";
constexpr char kDeadLettersByDestinationSql[] =
    "SELECT destination, SUM(discarded_at IS NULL) FROM dead_letters GROUP BY destination";
constexpr char kDestinationsSql[] = "SELECT name, cursor, delivered FROM destinations";
constexpr char kListDeadLettersSql[] =
    "SELECT destination, sequence, event_id, subject_id, event_kind, code, reason, attempts, "
    "enqueued_at, dead_lettered_at, discarded_at FROM dead_letters "
    "WHERE (:destination IS NULL OR destination = :destination) "
    "AND (:subject IS NULL OR subject_id = :subject) "
    "AND (:include_discarded OR discarded_at IS NULL) "
    "ORDER BY destination, sequence LIMIT :limit";

// Binds a named parameter if `stmt` has it; a statement that does not use it is left alone.
absl::Status BindNamedText(sqlite3* db, sqlite3_stmt* stmt, const char* name,
                           const std::string& text) {
  const int index = sqlite3_bind_parameter_index(stmt, name);
  return index == 0 ? absl::OkStatus() : BindText(db, stmt, index, text);
}

absl::Status BindNamedInt(sqlite3* db, sqlite3_stmt* stmt, const char* name, int64_t value) {
  const int index = sqlite3_bind_parameter_index(stmt, name);
  return index == 0 ? absl::OkStatus() : BindInt(db, stmt, index, value);
}

uint64_t ColumnUint(sqlite3_stmt* stmt, int column) {
  return static_cast<uint64_t>(sqlite3_column_int64(stmt, column));
}

class SqliteOutboxReader final : public OutboxReader {
 public:
  SqliteOutboxReader(DbPtr db, StmtPtr read_pending)
      : db_(std::move(db)), read_pending_(std::move(read_pending)) {}

  absl::StatusOr<std::vector<OutboxEntry>> ReadPending(const std::string& destination,
                                                       size_t limit) override {
    std::vector<OutboxEntry> entries;
    if (limit == 0) return entries;
    sqlite3_stmt* stmt = read_pending_.get();
    ScopedReset reset(stmt);
    RETURN_IF_ERROR(BindText(db_.get(), stmt, 1, destination));
    RETURN_IF_ERROR(BindInt(db_.get(), stmt, 2, ClampToInt64(limit)));
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      OutboxEntry& entry = entries.emplace_back();
      entry.sequence = ColumnUint(stmt, 0);
      entry.enqueued_unix_ms = sqlite3_column_int64(stmt, 1);
      if (!entry.event.ParseFromArray(sqlite3_column_blob(stmt, 2),
                                      sqlite3_column_bytes(stmt, 2))) {
        return absl::DataLossError(
            absl::StrCat("event at sequence ", entry.sequence, " cannot be parsed"));
      }
      entry.event.set_sequence(entry.sequence);
    }
    if (rc != SQLITE_DONE) return SqliteError(db_.get(), rc, "cannot read the outbox");
    return entries;
  }

 private:
  DbPtr db_;
  StmtPtr read_pending_;  // declared after db_: finalized before the connection closes
};

}  // namespace

std::string EventKind(const v1::Event& event) {
  if (event.payload_case() == v1::Event::PAYLOAD_NOT_SET) return std::string();
  const google::protobuf::FieldDescriptor* field =
      v1::Event::descriptor()->FindFieldByNumber(event.payload_case());
  return field == nullptr ? std::string() : std::string(field->name());
}

absl::StatusOr<std::unique_ptr<OutboxWriter>> OutboxWriter::Prepare(sqlite3* db) {
  std::unique_ptr<OutboxWriter> writer(new OutboxWriter(db));
  ASSIGN_OR_RETURN(writer->enqueue_, store::Prepare(db, kEnqueueSql));
  ASSIGN_OR_RETURN(writer->delete_pending_, store::Prepare(db, kDeletePendingSql));
  ASSIGN_OR_RETURN(writer->raise_cursor_, store::Prepare(db, kRaiseCursorSql));
  ASSIGN_OR_RETURN(writer->select_for_dead_letter_, store::Prepare(db, kSelectForDeadLetterSql));
  ASSIGN_OR_RETURN(writer->insert_dead_letter_, store::Prepare(db, kInsertDeadLetterSql));
  ASSIGN_OR_RETURN(writer->requeue_one_, store::Prepare(db, kRequeueOneSql));
  ASSIGN_OR_RETURN(writer->requeue_all_, store::Prepare(db, kRequeueAllSql));
  ASSIGN_OR_RETURN(writer->forget_one_, store::Prepare(db, kForgetOneSql));
  ASSIGN_OR_RETURN(writer->forget_all_, store::Prepare(db, kForgetAllSql));
  ASSIGN_OR_RETURN(writer->discard_one_, store::Prepare(db, kDiscardOneSql));
  ASSIGN_OR_RETURN(writer->discard_all_, store::Prepare(db, kDiscardAllSql));
  return writer;
}

absl::Status OutboxWriter::Enqueue(const std::string& destination, uint64_t sequence,
                                   int64_t now_unix_ms) {
  sqlite3_stmt* stmt = enqueue_.get();
  ScopedReset reset(stmt);
  RETURN_IF_ERROR(BindText(db_, stmt, 1, destination));
  RETURN_IF_ERROR(BindInt(db_, stmt, 2, ClampToInt64(sequence)));
  RETURN_IF_ERROR(BindInt(db_, stmt, 3, now_unix_ms));
  const int rc = sqlite3_step(stmt);
  if (rc != SQLITE_DONE) return SqliteError(db_, rc, "cannot enqueue an event for forwarding");
  return absl::OkStatus();
}

absl::StatusOr<size_t> OutboxWriter::Settle(const DeliverySettlement& settlement,
                                            int64_t now_unix_ms) {
  size_t settled = 0;
  RETURN_IF_ERROR(Deliver(settlement.destination, settlement.delivered, &settled));
  for (const DeadLetterRecord& dead : settlement.dead) {
    RETURN_IF_ERROR(DeadLetter(settlement.destination, dead, now_unix_ms, &settled));
  }
  return settled;
}

absl::Status OutboxWriter::Deliver(const std::string& destination,
                                   const std::vector<uint64_t>& sequences, size_t* settled) {
  // Only rows still pending count: a sequence settled before (a retried Settle) changes nothing,
  // neither the count nor the cursor.
  uint64_t delivered = 0;
  uint64_t highest = 0;
  for (const uint64_t sequence : sequences) {
    sqlite3_stmt* stmt = delete_pending_.get();
    ScopedReset reset(stmt);
    RETURN_IF_ERROR(BindText(db_, stmt, 1, destination));
    RETURN_IF_ERROR(BindInt(db_, stmt, 2, ClampToInt64(sequence)));
    const int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "cannot remove a delivered event");
    if (sqlite3_changes(db_) == 0) continue;
    ++delivered;
    highest = std::max(highest, sequence);
  }
  if (delivered == 0) return absl::OkStatus();
  *settled += delivered;
  sqlite3_stmt* stmt = raise_cursor_.get();
  ScopedReset reset(stmt);
  RETURN_IF_ERROR(BindText(db_, stmt, 1, destination));
  RETURN_IF_ERROR(BindInt(db_, stmt, 2, ClampToInt64(highest)));
  RETURN_IF_ERROR(BindInt(db_, stmt, 3, ClampToInt64(delivered)));
  const int rc = sqlite3_step(stmt);
  if (rc != SQLITE_DONE) return SqliteError(db_, rc, "cannot raise the destination's cursor");
  return absl::OkStatus();
}

absl::Status OutboxWriter::DeadLetter(const std::string& destination, const DeadLetterRecord& dead,
                                      int64_t now_unix_ms, size_t* settled) {
  // The record's identity fields come from the store, not the caller: they describe the event
  // as stored, whatever the delivery layer had in hand.
  int64_t enqueued_unix_ms = 0;
  std::string event_id, subject_id, kind;
  {
    sqlite3_stmt* stmt = select_for_dead_letter_.get();
    ScopedReset reset(stmt);
    RETURN_IF_ERROR(BindText(db_, stmt, 1, destination));
    RETURN_IF_ERROR(BindInt(db_, stmt, 2, ClampToInt64(dead.sequence)));
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) return absl::OkStatus();  // settled before: nothing to move
    if (rc != SQLITE_ROW) return SqliteError(db_, rc, "cannot look up a dead event");
    enqueued_unix_ms = sqlite3_column_int64(stmt, 0);
    event_id = ColumnText(stmt, 1);
    subject_id = ColumnText(stmt, 2);
    v1::Event event;
    // An unparsable payload leaves the kind empty: the row still has to leave the outbox.
    if (event.ParseFromArray(sqlite3_column_blob(stmt, 3), sqlite3_column_bytes(stmt, 3))) {
      kind = EventKind(event);
    }
  }
  {
    sqlite3_stmt* stmt = insert_dead_letter_.get();
    ScopedReset reset(stmt);
    RETURN_IF_ERROR(BindText(db_, stmt, 1, destination));
    RETURN_IF_ERROR(BindInt(db_, stmt, 2, ClampToInt64(dead.sequence)));
    RETURN_IF_ERROR(BindText(db_, stmt, 3, event_id));
    RETURN_IF_ERROR(BindText(db_, stmt, 4, subject_id));
    RETURN_IF_ERROR(BindText(db_, stmt, 5, kind));
    RETURN_IF_ERROR(BindInt(db_, stmt, 6, dead.code));
    RETURN_IF_ERROR(BindText(db_, stmt, 7, dead.reason));
    RETURN_IF_ERROR(BindInt(db_, stmt, 8, dead.attempts));
    RETURN_IF_ERROR(BindInt(db_, stmt, 9, enqueued_unix_ms));
    RETURN_IF_ERROR(BindInt(db_, stmt, 10, now_unix_ms));
    const int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "cannot record a dead letter");
  }
  sqlite3_stmt* stmt = delete_pending_.get();
  ScopedReset reset(stmt);
  RETURN_IF_ERROR(BindText(db_, stmt, 1, destination));
  RETURN_IF_ERROR(BindInt(db_, stmt, 2, ClampToInt64(dead.sequence)));
  const int rc = sqlite3_step(stmt);
  if (rc != SQLITE_DONE) return SqliteError(db_, rc, "cannot remove a dead event");
  ++*settled;
  return absl::OkStatus();
}

absl::StatusOr<size_t> OutboxWriter::Replay(const DeadLetterSelection& selection,
                                            int64_t now_unix_ms) {
  RETURN_IF_ERROR(
      RunForSelection(requeue_one_.get(), requeue_all_.get(), selection, now_unix_ms).status());
  return RunForSelection(forget_one_.get(), forget_all_.get(), selection, now_unix_ms);
}

absl::StatusOr<size_t> OutboxWriter::Discard(const DeadLetterSelection& selection,
                                             int64_t now_unix_ms) {
  return RunForSelection(discard_one_.get(), discard_all_.get(), selection, now_unix_ms);
}

absl::StatusOr<size_t> OutboxWriter::RunForSelection(sqlite3_stmt* one, sqlite3_stmt* all,
                                                     const DeadLetterSelection& selection,
                                                     int64_t now_unix_ms) {
  if (selection.all) {
    ScopedReset reset(all);
    RETURN_IF_ERROR(BindNamedText(db_, all, ":destination", selection.destination));
    if (!selection.subject_id.empty()) {
      RETURN_IF_ERROR(BindNamedText(db_, all, ":subject", selection.subject_id));
    }
    RETURN_IF_ERROR(BindNamedInt(db_, all, ":now", now_unix_ms));
    return Changes(all, "cannot change the selected dead letters");
  }
  size_t changed = 0;
  for (const uint64_t sequence : selection.sequences) {
    ScopedReset reset(one);
    RETURN_IF_ERROR(BindNamedText(db_, one, ":destination", selection.destination));
    RETURN_IF_ERROR(BindNamedInt(db_, one, ":sequence", ClampToInt64(sequence)));
    RETURN_IF_ERROR(BindNamedInt(db_, one, ":now", now_unix_ms));
    ASSIGN_OR_RETURN(const size_t rows, Changes(one, "cannot change a selected dead letter"));
    changed += rows;
  }
  return changed;
}

absl::StatusOr<size_t> OutboxWriter::Changes(sqlite3_stmt* stmt, const char* what) {
  const int rc = sqlite3_step(stmt);
  if (rc != SQLITE_DONE) return SqliteError(db_, rc, what);
  return static_cast<size_t>(sqlite3_changes(db_));
}

absl::StatusOr<std::unique_ptr<OutboxReader>> NewSqliteOutboxReader(DbPtr db) {
  ASSIGN_OR_RETURN(StmtPtr read_pending, Prepare(db.get(), kReadPendingSql));
  return std::make_unique<SqliteOutboxReader>(std::move(db), std::move(read_pending));
}

absl::StatusOr<std::vector<DestinationProgress>> ReadProgress(
    sqlite3* db, const std::vector<std::string>& destinations) {
  std::map<std::string, DestinationProgress> by_name;
  auto entry = [&by_name](std::string name) -> DestinationProgress& {
    DestinationProgress& progress = by_name[name];
    progress.destination = std::move(name);
    return progress;
  };
  for (const std::string& name : destinations) entry(name);

  ASSIGN_OR_RETURN(StmtPtr pending, Prepare(db, kPendingByDestinationSql));
  ASSIGN_OR_RETURN(StmtPtr dead, Prepare(db, kDeadLettersByDestinationSql));
  ASSIGN_OR_RETURN(StmtPtr cursors, Prepare(db, kDestinationsSql));
  // One read transaction: the three figures come from the same snapshot, even while the writer
  // settles between the statements.
  RETURN_IF_ERROR(Exec(db, "BEGIN", "cannot start a read transaction"));
  absl::Status status = [&]() -> absl::Status {
    int rc;
    while ((rc = sqlite3_step(pending.get())) == SQLITE_ROW) {
      DestinationProgress& progress = entry(ColumnText(pending.get(), 0));
      progress.pending_events = ColumnUint(pending.get(), 1);
      progress.oldest_pending_unix_ms = sqlite3_column_int64(pending.get(), 2);
    }
    if (rc != SQLITE_DONE) return SqliteError(db, rc, "cannot count pending events");
    while ((rc = sqlite3_step(dead.get())) == SQLITE_ROW) {
      entry(ColumnText(dead.get(), 0)).dead_letters = ColumnUint(dead.get(), 1);
    }
    if (rc != SQLITE_DONE) return SqliteError(db, rc, "cannot count dead letters");
    while ((rc = sqlite3_step(cursors.get())) == SQLITE_ROW) {
      DestinationProgress& progress = entry(ColumnText(cursors.get(), 0));
      progress.cursor = ColumnUint(cursors.get(), 1);
      progress.delivered_events = ColumnUint(cursors.get(), 2);
    }
    if (rc != SQLITE_DONE) return SqliteError(db, rc, "cannot read the destinations");
    return absl::OkStatus();
  }();
  Exec(db, "COMMIT", "cannot end a read transaction").IgnoreError();  // read only: nothing to lose
  RETURN_IF_ERROR(status);

  std::vector<DestinationProgress> progress;
  progress.reserve(by_name.size());
  for (auto& [name, value] : by_name) progress.push_back(std::move(value));
  return progress;
}

absl::StatusOr<std::vector<DeadLetterRecord>> ReadDeadLetters(sqlite3* db,
                                                              const DeadLetterQuery& query) {
  ASSIGN_OR_RETURN(StmtPtr stmt, Prepare(db, kListDeadLettersSql));
  sqlite3_stmt* list = stmt.get();
  // Empty filters stay unbound, i.e. NULL: "all".
  if (!query.destination.empty()) {
    RETURN_IF_ERROR(BindNamedText(db, list, ":destination", query.destination));
  }
  if (!query.subject_id.empty()) {
    RETURN_IF_ERROR(BindNamedText(db, list, ":subject", query.subject_id));
  }
  RETURN_IF_ERROR(BindNamedInt(db, list, ":include_discarded", query.include_discarded ? 1 : 0));
  // A negative LIMIT is no limit in SQLite.
  RETURN_IF_ERROR(
      BindNamedInt(db, list, ":limit", query.limit == 0 ? -1 : ClampToInt64(query.limit)));
  std::vector<DeadLetterRecord> records;
  int rc;
  while ((rc = sqlite3_step(list)) == SQLITE_ROW) {
    DeadLetterRecord& record = records.emplace_back();
    record.destination = ColumnText(list, 0);
    record.sequence = ColumnUint(list, 1);
    record.event_id = ColumnText(list, 2);
    record.subject_id = ColumnText(list, 3);
    record.event_kind = ColumnText(list, 4);
    record.code = sqlite3_column_int(list, 5);
    record.reason = ColumnText(list, 6);
    record.attempts = static_cast<uint32_t>(sqlite3_column_int64(list, 7));
    record.enqueued_unix_ms = sqlite3_column_int64(list, 8);
    record.dead_lettered_unix_ms = sqlite3_column_int64(list, 9);
    record.discarded_unix_ms = sqlite3_column_int64(list, 10);  // NULL reads as 0
  }
  if (rc != SQLITE_DONE) return SqliteError(db, rc, "cannot list dead letters");
  return records;
}

}  // namespace trialgate::store
