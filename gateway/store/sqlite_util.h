#ifndef TRIALGATE_GATEWAY_STORE_SQLITE_UTIL_H_
#define TRIALGATE_GATEWAY_STORE_SQLITE_UTIL_H_

// Small RAII and status helpers over the SQLite C API, shared by the store's files. Internal to
// gateway/store.

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace trialgate::store {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;

struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// Resets a reused statement on every exit path, so it is ready to run again and holds no read
// snapshot or bound pointer into caller data once the scope ends.
class ScopedReset {
 public:
  explicit ScopedReset(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ScopedReset(const ScopedReset&) = delete;
  ScopedReset& operator=(const ScopedReset&) = delete;
  ~ScopedReset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

 private:
  sqlite3_stmt* stmt_;
};

// Maps a SQLite result to the most specific canonical code: conditions that may clear by
// themselves (I/O, locks, disk full) are UNAVAILABLE, the rest INTERNAL.
absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what);

absl::StatusOr<DbPtr> OpenConnection(const std::string& path, int flags,
                                     std::chrono::milliseconds busy_timeout);

// Prepares a statement meant to be reused for the connection's lifetime.
absl::StatusOr<StmtPtr> Prepare(sqlite3* db, absl::string_view sql);

// Runs a statement that returns no rows (or whose rows are not needed) and resets it.
absl::Status Run(sqlite3* db, sqlite3_stmt* stmt, absl::string_view what);

absl::Status Exec(sqlite3* db, const char* sql, absl::string_view what);

// Binds text without copying: the text must outlive the step; ScopedReset clears the binding.
absl::Status BindText(sqlite3* db, sqlite3_stmt* stmt, int index, absl::string_view text);
absl::Status BindInt(sqlite3* db, sqlite3_stmt* stmt, int index, int64_t value);
// Binds bytes as a blob without copying, as BindText; an empty view with a null data pointer
// would bind NULL, not an empty blob.
absl::Status BindBlob(sqlite3* db, sqlite3_stmt* stmt, int index, absl::string_view bytes);

int64_t ClampToInt64(uint64_t value);

// The column as text; empty for NULL.
std::string ColumnText(sqlite3_stmt* stmt, int column);

}  // namespace trialgate::store

#endif  // TRIALGATE_GATEWAY_STORE_SQLITE_UTIL_H_
