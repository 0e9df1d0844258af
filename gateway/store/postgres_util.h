#ifndef TRIALGATE_GATEWAY_STORE_POSTGRES_UTIL_H_
#define TRIALGATE_GATEWAY_STORE_POSTGRES_UTIL_H_

// Small RAII and status helpers over libpq, shared by the PostgreSQL store's files (the
// counterpart of sqlite_util.h). Internal to gateway/store.

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace trialgate::store {

struct PgConnCloser {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
using PgConnPtr = std::unique_ptr<PGconn, PgConnCloser>;

struct PgResultClearer {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResultPtr = std::unique_ptr<PGresult, PgResultClearer>;

// Opens a connection (`conninfo`: a postgresql:// URI or key=value pairs) with the session
// settings the store relies on: synchronous_commit=on (an answer only after the WAL flush), UTC,
// and idle_in_transaction_session_timeout 10 s (a frozen replica's locks are freed).
// UNAVAILABLE when the server cannot be reached, or has not answered within the URI's
// connect_timeout (PGCONNECT_TIMEOUT's, else kDefaultConnectTimeout).
absl::StatusOr<PgConnPtr> PgConnect(const std::string& conninfo);
inline constexpr std::chrono::seconds kDefaultConnectTimeout{10};

// The parameters of one statement, kept until it has run. Text values go as text; bytes as
// binary (bytea without escaping).
class PgParams {
 public:
  PgParams& Text(std::string value);
  PgParams& Int(int64_t value);
  PgParams& Bytes(std::string value);
  PgParams& Null();
  // A text[] literal: each element quoted, with '"' and '\' escaped.
  PgParams& TextArray(const std::vector<std::string>& values);
  PgParams& IntArray(const std::vector<int64_t>& values);
  size_t size() const { return values_.size(); }

  // For PQexecParams.
  std::vector<const char*> Values() const;
  std::vector<int> Lengths() const;
  const std::vector<int>& Formats() const { return formats_; }

 private:
  std::vector<std::string> values_;
  std::vector<bool> null_;
  std::vector<int> formats_;
};

// A one-dimensional array in PostgreSQL's binary format (the server's array_send layout), for a
// parameter that unnest() turns into rows: one statement inserts a group's rows, with no text to
// parse and bytea without escaping. Elements are added in row order.
class PgBinaryArray {
 public:
  // Element types by OID (PostgreSQL's pg_type.dat): int8 20, text 25, bytea 17.
  static constexpr uint32_t kInt8 = 20;
  static constexpr uint32_t kText = 25;
  static constexpr uint32_t kBytea = 17;

  explicit PgBinaryArray(uint32_t element_oid) : element_oid_(element_oid) {}
  void Add(absl::string_view bytes);  // text or bytea
  void AddOrNull(absl::string_view bytes);  // as Add; empty: NULL
  void AddInt8(int64_t value);
  void AddNull();
  // The encoded array, for PgParams::Bytes.
  std::string Encode() const;

 private:
  uint32_t element_oid_;
  uint32_t count_ = 0;
  bool has_null_ = false;
  std::string elements_;
};

// Runs `sql` with `params`. Rows come back as text, or all in binary with `binary_result`.
// A failure is PgError's status.
absl::StatusOr<PgResultPtr> PgExec(PGconn* conn, const std::string& sql, const PgParams& params,
                                   absl::string_view what, bool binary_result = false);
// Runs `sql` on *conn, connecting first when there is no connection or it is known lost; when
// the statement fails for want of the server (UNAVAILABLE: a connection that died while idle
// shows it only then), connects again and runs it once more. For statements that may run twice.
absl::StatusOr<PgResultPtr> PgExecReconnecting(PgConnPtr* conn, const std::string& conninfo,
                                               const std::string& sql, const PgParams& params,
                                               absl::string_view what,
                                               bool binary_result = false);

// A statement the store runs often, prepared once per connection under `name` (unique per
// statement, constant). Prepared statements live as long as the connection, whatever becomes of
// the transaction that prepared them (the protocol's Parse message is not transactional); a new
// connection prepares its own. Not for a server behind a pooler in transaction mode that hands
// a session's statements to another's connection (PgBouncer before 1.21).
struct PgStatement {
  const char* name;
  const char* sql;
};

// Statements sent together in libpq's pipeline mode: one round trip for all of them, each with
// its own parameters (the extended protocol; no multi-statement strings). After a failure the
// server skips the rest up to the end of the pipeline; inside a transaction, the transaction is
// then failed and wants a ROLLBACK.
class PgPipeline {
 public:
  // Queues `sql`; its result is results[i] of Run, i counting from 0 in the order queued.
  PgPipeline& Add(std::string sql, PgParams params = {}, bool binary_result = false);
  // Queues a statement run by name: prepared on a connection the first time it is run there
  // (the Parse goes in the same round trip), so the server parses and plans it once per
  // connection instead of once per run. Its result is counted as Add's.
  PgPipeline& Add(const PgStatement& statement, PgParams params = {}, bool binary_result = false);
  // Sends everything, waits for every result. Non-OK: the first statement that failed (what it
  // was queued as, and the server's message), or UNAVAILABLE when the connection was lost.
  absl::StatusOr<std::vector<PgResultPtr>> Run(PGconn* conn, absl::string_view what);

 private:
  struct Statement {
    std::string sql;
    PgParams params;
    bool binary_result;
    const char* prepared_name;  // null: parsed with each run
  };
  std::vector<Statement> statements_;
};

// Runs parameterless SQL (may be several statements; no rows wanted).
absl::Status PgExecCommand(PGconn* conn, const char* sql, absl::string_view what);

// A failed statement as a status: a lost connection or a server shutting down is UNAVAILABLE
// (the store reconnects and retries), a serialization failure or deadlock ABORTED, the rest
// INTERNAL; the message names `what` and carries the server's.
absl::Status PgError(PGconn* conn, const PGresult* result, absl::string_view what);

// Ends a failed transaction on `conn`: ROLLBACK, unless the connection is gone (which ended it);
// its own error is of no use.
void PgRollback(PGconn* conn);

// Runs `body` inside BEGIN ... COMMIT on `conn` (`begin`: the BEGIN statement, e.g. with an
// isolation level); rolls back when it fails. Returns the body's status, or COMMIT's.
absl::Status PgInTransaction(PGconn* conn, const std::function<absl::Status()>& body,
                             const char* begin = "BEGIN");

// How many rows the statement changed (PQcmdTuples).
size_t PgChangedRows(const PGresult* result);

// Whether the connection is gone (the store must reconnect before using it again).
bool PgConnectionLost(PGconn* conn);

// Columns of text-format rows.
int64_t PgInt(const PGresult* result, int row, int column);  // 0 for NULL
std::string PgText(const PGresult* result, int row, int column);  // empty for NULL
bool PgIsNull(const PGresult* result, int row, int column);
// Columns of binary-format rows: an int8, and a bytea's bytes.
int64_t PgBinaryInt8(const PGresult* result, int row, int column);
absl::string_view PgBinaryBytes(const PGresult* result, int row, int column);

// An unsigned count or sequence as PostgreSQL's bigint, clamped (sequences never come near).
int64_t PgBigint(uint64_t value);

// "$first, $first+1, ..." placeholders of one row of `columns` values: "($3, $4)".
std::string PgRowPlaceholders(size_t first, size_t columns);

}  // namespace trialgate::store

#endif  // TRIALGATE_GATEWAY_STORE_POSTGRES_UTIL_H_
