#include "gateway/store/sqlite_util.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"

namespace trialgate::store {

absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what) {
  std::string message = absl::StrCat(what, ": ", db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc),
                                     " (SQLite code ", rc, ")");
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PROTOCOL:
      return absl::UnavailableError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::StatusOr<DbPtr> OpenConnection(const std::string& path, int flags,
                                     std::chrono::milliseconds busy_timeout) {
  sqlite3* raw = nullptr;
  // NOMUTEX: each connection is used by one thread at a time (the writer, or one reader's caller).
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  DbPtr db(raw);  // sqlite3_open_v2 allocates a handle even when it fails; it must be closed.
  if (rc != SQLITE_OK) {
    return SqliteError(raw, rc, absl::StrCat("cannot open SQLite database '", path, "'"));
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, static_cast<int>(std::min<int64_t>(
                                busy_timeout.count(), std::numeric_limits<int>::max())));
  return db;
}

absl::StatusOr<StmtPtr> Prepare(sqlite3* db, absl::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db, rc, absl::StrCat("cannot prepare '", sql, "'"));
  return StmtPtr(stmt);
}

absl::Status Run(sqlite3* db, sqlite3_stmt* stmt, absl::string_view what) {
  ScopedReset reset(stmt);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
  }
  if (rc != SQLITE_DONE) return SqliteError(db, rc, what);
  return absl::OkStatus();
}

absl::Status Exec(sqlite3* db, const char* sql, absl::string_view what) {
  char* error = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return absl::OkStatus();
  absl::Status status = SqliteError(db, rc, what);
  sqlite3_free(error);
  return status;
}

absl::Status BindText(sqlite3* db, sqlite3_stmt* stmt, int index, absl::string_view text) {
  // SQLITE_STATIC: the text outlives the step; ScopedReset clears the binding afterwards.
  int rc = sqlite3_bind_text64(stmt, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
  if (rc != SQLITE_OK) return SqliteError(db, rc, "cannot bind text");
  return absl::OkStatus();
}

absl::Status BindBlob(sqlite3* db, sqlite3_stmt* stmt, int index, absl::string_view bytes) {
  int rc = sqlite3_bind_blob64(stmt, index, bytes.data(), bytes.size(), SQLITE_STATIC);
  if (rc != SQLITE_OK) return SqliteError(db, rc, "cannot bind a blob");
  return absl::OkStatus();
}

absl::Status BindInt(sqlite3* db, sqlite3_stmt* stmt, int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt, index, value);
  if (rc != SQLITE_OK) return SqliteError(db, rc, "cannot bind integer");
  return absl::OkStatus();
}

int64_t ClampToInt64(uint64_t value) {
  return static_cast<int64_t>(
      std::min<uint64_t>(value, static_cast<uint64_t>(std::numeric_limits<int64_t>::max())));
}

std::string ColumnText(sqlite3_stmt* stmt, int column) {
  const unsigned char* text = sqlite3_column_text(stmt, column);
  if (text == nullptr) return std::string();
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt, column)));
}

}  // namespace trialgate::store
