#include "gateway/store/postgres_outbox.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/common/status_macros.h"

namespace trialgate::store {
namespace {

// Every SQL text below is a constant; data only ever travels through bound parameters.
constexpr char kDeliverSql[] =
    "DELETE FROM outbox WHERE destination = $1 AND seq = ANY($2::bigint[]) RETURNING seq";
constexpr char kRaiseCursorSql[] =
    "INSERT INTO destinations(name, cursor, delivered) VALUES ($1, $2, $3) "
    "ON CONFLICT (name) DO UPDATE SET cursor = GREATEST(destinations.cursor, excluded.cursor), "
    "delivered = destinations.delivered + excluded.delivered";
// LEFT JOIN: if an event were missing its row must still be able to leave the outbox.
constexpr char kSelectForDeadLetterSql[] =
    "SELECT o.enqueued_at, e.event_id, e.subject_id, e.payload FROM outbox AS o "
    "LEFT JOIN events AS e ON e.seq = o.seq WHERE o.destination = $1 AND o.seq = $2";
// An event replayed and given up on again is recorded again, with the new reason.
constexpr char kInsertDeadLetterSql[] =
    "INSERT INTO dead_letters(destination, seq, event_id, subject_id, event_kind, code, reason, "
    "attempts, enqueued_at, dead_lettered_at, discarded_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL) "
    "ON CONFLICT (destination, seq) DO UPDATE SET event_id = excluded.event_id, "
    "subject_id = excluded.subject_id, event_kind = excluded.event_kind, code = excluded.code, "
    "reason = excluded.reason, attempts = excluded.attempts, enqueued_at = excluded.enqueued_at, "
    "dead_lettered_at = excluded.dead_lettered_at, discarded_at = NULL";
constexpr char kDeletePendingSql[] = "DELETE FROM outbox WHERE destination = $1 AND seq = $2";

// The selection statements take ($1 destination, $2 sequences, $3 subject or NULL[, $4 now]);
// `all` selects by $3 instead of $2 (NULL: every subject). Replay copies the selected rows into
// the outbox, then deletes them; DO NOTHING only guards against a row somehow pending already.
constexpr char kSelectedRows[] =
    " destination = $1 AND discarded_at IS NULL AND "
    "(CASE WHEN $2::bigint[] IS NULL THEN ($3::text IS NULL OR subject_id = $3) "
    "ELSE seq = ANY($2::bigint[]) END)";
constexpr char kRequeueSql[] =
    "INSERT INTO outbox(destination, seq, enqueued_at) SELECT destination, seq, $4::bigint "
    "FROM dead_letters WHERE";
constexpr char kRequeueConflictSql[] = " ON CONFLICT (destination, seq) DO NOTHING";
constexpr char kForgetSql[] = "DELETE FROM dead_letters WHERE";
constexpr char kDiscardSql[] = "UPDATE dead_letters SET discarded_at = $4::bigint WHERE";

constexpr char kReadPendingSql[] =
    "SELECT o.seq, o.enqueued_at, e.payload FROM outbox AS o JOIN events AS e ON e.seq = o.seq "
    "WHERE o.destination = $1 ORDER BY o.seq LIMIT $2";
constexpr char kPendingByDestinationSql[] =
    "SELECT destination, count(*), min(enqueued_at) FROM outbox GROUP BY destination";
constexpr char kDeadLettersByDestinationSql[] =
    "SELECT destination, count(*) FILTER (WHERE discarded_at IS NULL) FROM dead_letters "
    "GROUP BY destination";
constexpr char kDestinationsSql[] = "SELECT name, cursor, delivered FROM destinations";
// LIMIT NULL is no limit.
constexpr char kListDeadLettersSql[] =
    "SELECT destination, seq, event_id, subject_id, event_kind, code, reason, attempts, "
    "enqueued_at, dead_lettered_at, discarded_at FROM dead_letters "
    "WHERE ($1::text IS NULL OR destination = $1) AND ($2::text IS NULL OR subject_id = $2) "
    "AND ($3::boolean OR discarded_at IS NULL) ORDER BY destination, seq LIMIT $4";

std::string Text(absl::string_view bytes) { return std::string(bytes); }

PgParams SelectionParams(const DeadLetterSelection& selection) {
  PgParams params;
  params.Text(selection.destination);
  if (selection.all) {
    params.Null();
  } else {
    params.IntArray(std::vector<int64_t>(selection.sequences.begin(), selection.sequences.end()));
  }
  if (selection.subject_id.empty()) {
    params.Null();
  } else {
    params.Text(selection.subject_id);
  }
  return params;
}

absl::Status DeadLetter(PGconn* conn, const std::string& destination,
                        const DeadLetterRecord& dead, int64_t now_unix_ms, size_t* settled) {
  // The record's identity fields come from the store, not the caller: they describe the event
  // as stored, whatever the delivery layer had in hand.
  const int64_t sequence = static_cast<int64_t>(dead.sequence);
  ASSIGN_OR_RETURN(PgResultPtr found,
                   PgExec(conn, kSelectForDeadLetterSql, PgParams().Text(destination).Int(sequence),
                          "cannot look up a dead event", /*binary_result=*/true));
  if (PQntuples(found.get()) == 0) return absl::OkStatus();  // settled before: nothing to move
  std::string kind;
  v1::Event event;
  const absl::string_view payload = PgBinaryBytes(found.get(), 0, 3);
  // An unparsable payload leaves the kind empty: the row still has to leave the outbox.
  if (!PgIsNull(found.get(), 0, 3) && event.ParseFromArray(payload.data(), payload.size())) {
    kind = EventKind(event);
  }
  PgParams insert;
  insert.Text(destination)
      .Int(sequence)
      .Text(Text(PgBinaryBytes(found.get(), 0, 1)))
      .Text(Text(PgBinaryBytes(found.get(), 0, 2)))
      .Text(kind)
      .Int(dead.code)
      .Text(dead.reason)
      .Int(dead.attempts)
      .Int(PgBinaryInt8(found.get(), 0, 0))
      .Int(now_unix_ms);
  RETURN_IF_ERROR(
      PgExec(conn, kInsertDeadLetterSql, insert, "cannot record a dead letter").status());
  RETURN_IF_ERROR(PgExec(conn, kDeletePendingSql, PgParams().Text(destination).Int(sequence),
                         "cannot remove a dead event")
                      .status());
  ++*settled;
  return absl::OkStatus();
}

class PostgresOutboxReader final : public OutboxReader {
 public:
  PostgresOutboxReader(PgConnPtr conn, std::string conninfo)
      : conn_(std::move(conn)), conninfo_(std::move(conninfo)) {}

  absl::StatusOr<std::vector<OutboxEntry>> ReadPending(const std::string& destination,
                                                       size_t limit) override {
    std::vector<OutboxEntry> entries;
    if (limit == 0) return entries;
    ASSIGN_OR_RETURN(
        PgResultPtr rows,
        PgExecReconnecting(&conn_, conninfo_, kReadPendingSql,
               PgParams().Text(destination).Int(PgBigint(limit)),
               "cannot read the outbox", /*binary_result=*/true));
    for (int row = 0; row < PQntuples(rows.get()); ++row) {
      OutboxEntry& entry = entries.emplace_back();
      entry.sequence = static_cast<uint64_t>(PgBinaryInt8(rows.get(), row, 0));
      entry.enqueued_unix_ms = PgBinaryInt8(rows.get(), row, 1);
      const absl::string_view payload = PgBinaryBytes(rows.get(), row, 2);
      if (!entry.event.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
        return absl::DataLossError(
            absl::StrCat("event at sequence ", entry.sequence, " cannot be parsed"));
      }
      entry.event.set_sequence(entry.sequence);
    }
    return entries;
  }

 private:
  PgConnPtr conn_;
  const std::string conninfo_;
};

}  // namespace

absl::StatusOr<size_t> PgSettle(PGconn* conn, const DeliverySettlement& settlement,
                                int64_t now_unix_ms) {
  size_t settled = 0;
  if (!settlement.delivered.empty()) {
    // Only rows still pending count: a sequence settled before (a retried Settle) changes
    // nothing, neither the count nor the cursor.
    PgParams params;
    params.Text(settlement.destination)
        .IntArray(std::vector<int64_t>(settlement.delivered.begin(), settlement.delivered.end()));
    ASSIGN_OR_RETURN(PgResultPtr deleted,
                     PgExec(conn, kDeliverSql, params, "cannot remove delivered events"));
    int64_t highest = 0;
    const int rows = PQntuples(deleted.get());
    for (int row = 0; row < rows; ++row) highest = std::max(highest, PgInt(deleted.get(), row, 0));
    if (rows > 0) {
      settled += static_cast<size_t>(rows);
      RETURN_IF_ERROR(PgExec(conn, kRaiseCursorSql,
                             PgParams().Text(settlement.destination).Int(highest).Int(rows),
                             "cannot raise the destination's cursor")
                          .status());
    }
  }
  for (const DeadLetterRecord& dead : settlement.dead) {
    RETURN_IF_ERROR(DeadLetter(conn, settlement.destination, dead, now_unix_ms, &settled));
  }
  return settled;
}

absl::StatusOr<size_t> PgReplay(PGconn* conn, const DeadLetterSelection& selection,
                                int64_t now_unix_ms) {
  PgParams requeue = SelectionParams(selection);
  RETURN_IF_ERROR(PgExec(conn, absl::StrCat(kRequeueSql, kSelectedRows, kRequeueConflictSql),
                         requeue.Int(now_unix_ms), "cannot requeue the selected dead letters")
                      .status());
  ASSIGN_OR_RETURN(PgResultPtr forgotten,
                   PgExec(conn, absl::StrCat(kForgetSql, kSelectedRows),
                          SelectionParams(selection), "cannot remove replayed dead letters"));
  return PgChangedRows(forgotten.get());
}

absl::StatusOr<size_t> PgDiscard(PGconn* conn, const DeadLetterSelection& selection,
                                 int64_t now_unix_ms) {
  ASSIGN_OR_RETURN(PgResultPtr discarded,
                   PgExec(conn, absl::StrCat(kDiscardSql, kSelectedRows),
                          SelectionParams(selection).Int(now_unix_ms),
                          "cannot discard the selected dead letters"));
  return PgChangedRows(discarded.get());
}

absl::StatusOr<std::vector<DestinationProgress>> PgReadProgress(
    PGconn* conn, const std::vector<std::string>& destinations) {
  std::map<std::string, DestinationProgress> by_name;
  auto entry = [&by_name](std::string name) -> DestinationProgress& {
    DestinationProgress& progress = by_name[name];
    progress.destination = std::move(name);
    return progress;
  };
  for (const std::string& name : destinations) entry(name);
  // One snapshot: the three figures agree even while another session settles between them.
  RETURN_IF_ERROR(PgInTransaction(
      conn,
      [&]() -> absl::Status {
        ASSIGN_OR_RETURN(PgResultPtr pending, PgExec(conn, kPendingByDestinationSql, {},
                                                     "cannot count pending events"));
        for (int row = 0; row < PQntuples(pending.get()); ++row) {
          DestinationProgress& progress = entry(PgText(pending.get(), row, 0));
          progress.pending_events = static_cast<uint64_t>(PgInt(pending.get(), row, 1));
          progress.oldest_pending_unix_ms = PgInt(pending.get(), row, 2);
        }
        ASSIGN_OR_RETURN(PgResultPtr dead, PgExec(conn, kDeadLettersByDestinationSql, {},
                                                  "cannot count dead letters"));
        for (int row = 0; row < PQntuples(dead.get()); ++row) {
          entry(PgText(dead.get(), row, 0)).dead_letters =
              static_cast<uint64_t>(PgInt(dead.get(), row, 1));
        }
        ASSIGN_OR_RETURN(PgResultPtr cursors,
                         PgExec(conn, kDestinationsSql, {}, "cannot read the destinations"));
        for (int row = 0; row < PQntuples(cursors.get()); ++row) {
          DestinationProgress& progress = entry(PgText(cursors.get(), row, 0));
          progress.cursor = static_cast<uint64_t>(PgInt(cursors.get(), row, 1));
          progress.delivered_events = static_cast<uint64_t>(PgInt(cursors.get(), row, 2));
        }
        return absl::OkStatus();
      },
      "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  std::vector<DestinationProgress> progress;
  progress.reserve(by_name.size());
  for (auto& [name, value] : by_name) progress.push_back(std::move(value));
  return progress;
}

absl::StatusOr<std::vector<DeadLetterRecord>> PgReadDeadLetters(PGconn* conn,
                                                                const DeadLetterQuery& query) {
  PgParams params;
  // Empty filters are NULL: "all".
  if (query.destination.empty()) {
    params.Null();
  } else {
    params.Text(query.destination);
  }
  if (query.subject_id.empty()) {
    params.Null();
  } else {
    params.Text(query.subject_id);
  }
  params.Text(query.include_discarded ? "true" : "false");
  if (query.limit == 0) {
    params.Null();
  } else {
    params.Int(PgBigint(query.limit));
  }
  ASSIGN_OR_RETURN(PgResultPtr rows,
                   PgExec(conn, kListDeadLettersSql, params, "cannot list dead letters"));
  std::vector<DeadLetterRecord> records;
  for (int row = 0; row < PQntuples(rows.get()); ++row) {
    DeadLetterRecord& record = records.emplace_back();
    record.destination = PgText(rows.get(), row, 0);
    record.sequence = static_cast<uint64_t>(PgInt(rows.get(), row, 1));
    record.event_id = PgText(rows.get(), row, 2);
    record.subject_id = PgText(rows.get(), row, 3);
    record.event_kind = PgText(rows.get(), row, 4);
    record.code = static_cast<int>(PgInt(rows.get(), row, 5));
    record.reason = PgText(rows.get(), row, 6);
    record.attempts = static_cast<uint32_t>(PgInt(rows.get(), row, 7));
    record.enqueued_unix_ms = PgInt(rows.get(), row, 8);
    record.dead_lettered_unix_ms = PgInt(rows.get(), row, 9);
    record.discarded_unix_ms = PgInt(rows.get(), row, 10);  // NULL reads as 0
  }
  return records;
}

std::unique_ptr<OutboxReader> NewPostgresOutboxReader(PgConnPtr conn, std::string conninfo) {
  return std::make_unique<PostgresOutboxReader>(std::move(conn), std::move(conninfo));
}

}  // namespace trialgate::store
