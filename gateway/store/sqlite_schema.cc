#include "gateway/store/sqlite_schema.h"

#include "absl/strings/str_cat.h"
#include "gateway/common/status_macros.h"
#include "gateway/store/sqlite_util.h"

namespace trialgate::store {
namespace {

// Bump with a migration step in CreateOrCheckSchema whenever the tables change.
constexpr int kSchemaVersion = 1;

// Every SQL text below is a constant; data only ever travels through bound parameters.
constexpr char kCreateMetaSql[] =
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID";

// Schema v1. `sources` holds every idempotency key ever committed, including those of writes
// with no events, which `events` alone could not remember, and the sequence range its events
// got: the one writer inserts a source's events back to back, so they are contiguous. AUTOINCREMENT
// makes sequences strictly increasing and never reused, even if rows were ever deleted. `payload`
// is the serialized Event without its sequence: the row's own key is the one source of truth for
// the order. There is deliberately no index on event_id: ids are derived from the source key,
// whose primary key already makes them unique, and a second index on random hex would make every
// commit write as many scattered pages as it has events (measured: it dominated the WAL writes).
// The index on subject_id serves the timeline (one subject's events). Its keys repeat (a subject
// has many events), so a commit touches about one index page per subject in it, not per event;
// an older file gets it on open, and an older build ignores it, so the schema version stays 1.
constexpr char kCreateTablesSql[] = R"sql(
CREATE TABLE IF NOT EXISTS sources (
  source_key     TEXT PRIMARY KEY,
  first_sequence INTEGER NOT NULL,
  event_count    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
  sequence   INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id   TEXT NOT NULL,
  subject_id TEXT,
  payload    BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_subject ON events(subject_id);
CREATE TABLE IF NOT EXISTS enrollments (
  site_id          TEXT NOT NULL,
  patient_key_hmac TEXT NOT NULL,
  subject_id       TEXT NOT NULL,
  status           TEXT NOT NULL,
  enrolled_on      TEXT NOT NULL,
  PRIMARY KEY (site_id, patient_key_hmac)
) WITHOUT ROWID;
)sql";

constexpr char kSelectSchemaVersionSql[] = "SELECT value FROM meta WHERE key = 'schema_version'";
constexpr char kInsertSchemaVersionSql[] =
    "INSERT INTO meta(key, value) VALUES ('schema_version', ?1)";

}  // namespace

absl::Status CreateOrCheckSchema(sqlite3* db) {
  RETURN_IF_ERROR(Exec(db, "BEGIN IMMEDIATE", "cannot start the schema transaction"));
  absl::Status status = [db]() -> absl::Status {
    RETURN_IF_ERROR(Exec(db, kCreateMetaSql, "cannot create table meta"));
    ASSIGN_OR_RETURN(StmtPtr select, Prepare(db, kSelectSchemaVersionSql));
    int rc = sqlite3_step(select.get());
    if (rc == SQLITE_ROW) {
      int version = sqlite3_column_int(select.get(), 0);
      if (version > kSchemaVersion) {
        return absl::FailedPreconditionError(
            absl::StrCat("event store schema version ", version,
                         " is newer than this build supports (", kSchemaVersion, ")"));
      }
      if (version < 1) {
        return absl::FailedPreconditionError(
            absl::StrCat("event store has an invalid schema version '",
                         ColumnText(select.get(), 0), "'"));
      }
      // Migrations from older versions go here once there is more than one.
    } else if (rc != SQLITE_DONE) {
      return SqliteError(db, rc, "cannot read the schema version");
    }
    const bool fresh = rc == SQLITE_DONE;
    RETURN_IF_ERROR(Exec(db, kCreateTablesSql, "cannot create the event store tables"));
    if (fresh) {
      ASSIGN_OR_RETURN(StmtPtr insert, Prepare(db, kInsertSchemaVersionSql));
      RETURN_IF_ERROR(BindInt(db, insert.get(), 1, kSchemaVersion));
      RETURN_IF_ERROR(Run(db, insert.get(), "cannot record the schema version"));
    }
    return absl::OkStatus();
  }();
  if (!status.ok()) {
    Exec(db, "ROLLBACK", "rollback").IgnoreError();
    return status;
  }
  return Exec(db, "COMMIT", "cannot commit the schema");
}

}  // namespace trialgate::store
