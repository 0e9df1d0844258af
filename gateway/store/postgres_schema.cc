#include "gateway/store/postgres_schema.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/status_macros.h"
#include "gateway/store/postgres_util.h"

namespace trialgate::store {
namespace {

// Bump with a migration step in CreateOrCheckPostgresSchema whenever the tables change.
constexpr int kSchemaVersion = 1;

// Schema v1: what sqlite_schema.cc v2 holds, shaped for several writers (docs/storage.md,
// "PostgreSQL"). Differences, each for a reason:
// - `log_head` is the log's one-row counter. A writer locks its row first (FOR UPDATE) and
//   numbers its events from it, so sequences are given in commit order: PostgreSQL makes a
//   transaction visible before it releases its locks, so a reader never sees sequence N+1
//   without N (no sequence or identity column, which would number at insert, not at commit).
// - `sources` keeps the digest and version of the sources that have them (three SQLite tables in
//   one), and `attempt_id`: the group attempt that wrote it, so a retry after a lost COMMIT
//   answers what that attempt stored instead of "duplicate".
// - `subjects` lists the subjects with events (ListSubjects without scanning the log).
// - `enrollments.changed_seq`: the log's counter when the row last changed, written under the
//   log's lock: a replica reads the enrolments of the others in that order (LoadEnrollmentChanges).
// - Keys compare bytewise (COLLATE "C") whatever the database's locale, as in SQLite: the version
//   count reads a source key range, and listings are sorted like SQLite's.
constexpr char kCreateTablesSql[] = R"sql(
CREATE TABLE IF NOT EXISTS log_head (
  id       smallint PRIMARY KEY CHECK (id = 1),
  last_seq bigint NOT NULL
);
INSERT INTO log_head(id, last_seq) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
CREATE TABLE IF NOT EXISTS events (
  seq        bigint PRIMARY KEY,
  event_id   text NOT NULL,
  subject_id text COLLATE "C",
  payload    bytea NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_subject ON events (subject_id, seq)
  WHERE subject_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS subjects (
  subject_id text COLLATE "C" PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS sources (
  source_key   text COLLATE "C" PRIMARY KEY,
  first_seq    bigint NOT NULL,
  event_count  integer NOT NULL,
  attempt_id   text NOT NULL,
  digest       text,
  version      bigint,
  stored_at_ms bigint
);
CREATE TABLE IF NOT EXISTS enrollments (
  site_id          text COLLATE "C" NOT NULL,
  patient_key_hmac text COLLATE "C" NOT NULL,
  subject_id       text NOT NULL,
  status           text NOT NULL,
  enrolled_on      text NOT NULL,
  changed_seq      bigint NOT NULL,
  PRIMARY KEY (site_id, patient_key_hmac)
);
CREATE INDEX IF NOT EXISTS enrollments_by_subject ON enrollments (subject_id);
CREATE INDEX IF NOT EXISTS enrollments_by_change ON enrollments (changed_seq);
CREATE TABLE IF NOT EXISTS outbox (
  destination text COLLATE "C" NOT NULL,
  seq         bigint NOT NULL,
  enqueued_at bigint NOT NULL,
  PRIMARY KEY (destination, seq)
);
CREATE TABLE IF NOT EXISTS dead_letters (
  destination      text COLLATE "C" NOT NULL,
  seq              bigint NOT NULL,
  event_id         text NOT NULL,
  subject_id       text NOT NULL,
  event_kind       text NOT NULL,
  code             integer NOT NULL,
  reason           text NOT NULL,
  attempts         bigint NOT NULL,
  enqueued_at      bigint NOT NULL,
  dead_lettered_at bigint NOT NULL,
  discarded_at     bigint,
  PRIMARY KEY (destination, seq)
);
CREATE TABLE IF NOT EXISTS destinations (
  name      text COLLATE "C" PRIMARY KEY,
  cursor    bigint NOT NULL,
  delivered bigint NOT NULL
);
)sql";

// A constant key for pg_advisory_xact_lock: any fixed number unlikely to clash with another
// application's on the same database ("tgschem" in ASCII).
constexpr char kLockSchemaSql[] = "SELECT pg_advisory_xact_lock(7234224734104429)";

}  // namespace

absl::Status CreateOrCheckPostgresSchema(PGconn* conn) {
  RETURN_IF_ERROR(PgExecCommand(conn, "BEGIN", "cannot start the schema transaction"));
  absl::Status status = [conn]() -> absl::Status {
    RETURN_IF_ERROR(PgExecCommand(conn, kLockSchemaSql, "cannot lock the schema"));
    RETURN_IF_ERROR(PgExecCommand(
        conn, "CREATE TABLE IF NOT EXISTS schema_meta (key text PRIMARY KEY, value text NOT NULL)",
        "cannot create table schema_meta"));
    ASSIGN_OR_RETURN(PgResultPtr read,
                     PgExec(conn, "SELECT value FROM schema_meta WHERE key = 'schema_version'", {},
                            "cannot read the schema version"));
    int version = 0;
    if (PQntuples(read.get()) == 1 && !absl::SimpleAtoi(PgText(read.get(), 0, 0), &version)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "event store has an invalid schema version '", PgText(read.get(), 0, 0), "'"));
    }
    if (version > kSchemaVersion) {
      return absl::FailedPreconditionError(
          absl::StrCat("event store schema version ", version,
                       " is newer than this build supports (", kSchemaVersion, ")"));
    }
    // Every step is idempotent (IF NOT EXISTS), so a new database and an upgrade take one path.
    RETURN_IF_ERROR(PgExecCommand(conn, kCreateTablesSql, "cannot create the event store tables"));
    if (version < kSchemaVersion) {
      RETURN_IF_ERROR(PgExec(conn,
                             "INSERT INTO schema_meta(key, value) VALUES ('schema_version', $1) "
                             "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                             PgParams().Int(kSchemaVersion), "cannot record the schema version")
                          .status());
    }
    return absl::OkStatus();
  }();
  if (!status.ok()) {
    PgExecCommand(conn, "ROLLBACK", "rollback").IgnoreError();
    return status;
  }
  return PgExecCommand(conn, "COMMIT", "cannot commit the schema");
}

}  // namespace trialgate::store
