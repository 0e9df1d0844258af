#include "gateway/store/sqlite_schema.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "gateway/common/status_macros.h"
#include "gateway/store/sqlite_util.h"
#include "spdlog/spdlog.h"

namespace trialgate::store {
namespace {

// Bump with a migration step in CreateOrCheckSchema whenever the tables change.
//
// v2 adds the forwarding tables (outbox, dead_letters, destinations). A v1 build could read and
// write a v2 file as it is (it ignores tables it does not know), and that is why the version is
// bumped anyway: it would go on committing events without their outbox rows, and those events
// would silently never reach a destination. A v1 build refuses a v2 file instead, so going back
// is a conscious step: an operator who must can set meta.schema_version to 1 with sqlite3,
// knowing that events committed by the old build are not forwarded. Opening a v1 file upgrades
// it in place: the new tables start empty, and the events already in it are not enqueued (an
// event gets its outbox rows when it is committed, from the routes configured then).
//
// v3 moves the payload of every event that has a subject into `subject_events`, stored in
// subject order (below). A v2 build would read those events' emptied payloads, so it must
// refuse the file; opening a v2 file moves its payloads in one transaction (about a minute and a
// half per 5 million events here) and the file keeps its size until a VACUUM.
constexpr int kSchemaVersion = 3;

// Every SQL text below is a constant; data only ever travels through bound parameters.
constexpr char kCreateMetaSql[] =
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID";

// Schema v1. `sources` holds every idempotency key ever committed, including those of writes
// with no events, which `events` alone could not remember, and the sequence range its events
// got: the one writer inserts a source's events back to back, so they are contiguous. AUTOINCREMENT
// makes sequences strictly increasing and never reused, even if rows were ever deleted. `payload`
// is the serialized Event without its sequence: the row's own key is the one source of truth for
// the order; since v3 it is empty when the event has a subject (its bytes are in
// `subject_events`). There is deliberately no index on event_id: ids are derived from the source
// key, whose primary key already makes them unique, and a second index on random hex would make
// every commit write as many scattered pages as it has events (measured: it dominated the WAL
// writes). `source_digests` is an addition that needed no new version: the content digest of the
// sources that carry one (channel messages, SourceWrite::digest), to tell a resend from a reused
// message id; an older build takes no HL7 v2 and never writes such a source. `source_versions` is
// one more: the version number and time of the sources written through a channel that numbers the
// versions of a resource (the FHIR REST facade: ETag, Location, If-Match); an older build takes
// no FHIR REST and never reads it.
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
CREATE TABLE IF NOT EXISTS source_digests (
  source_key TEXT PRIMARY KEY,
  digest     TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS source_versions (
  source_key   TEXT PRIMARY KEY,
  version      INTEGER NOT NULL,
  stored_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS enrollments (
  site_id          TEXT NOT NULL,
  patient_key_hmac TEXT NOT NULL,
  subject_id       TEXT NOT NULL,
  status           TEXT NOT NULL,
  enrolled_on      TEXT NOT NULL,
  PRIMARY KEY (site_id, patient_key_hmac)
) WITHOUT ROWID;
)sql";

// Schema v2: forwarding to downstream registries (outbox.h). `outbox` holds one row per event
// still owed to a destination; its key (destination, sequence) is the order a destination's
// events are read in, so reading a destination's next batch is one range scan and no index is
// needed. The event itself is not copied: `sequence` joins `events`. `dead_letters` keeps the
// rows given up on, with what an operator needs to decide without decoding the payload
// (event_kind is the payload's field name); discarded_at stays NULL unless discarded.
// `destinations` keeps what outlives the rows: cursor = highest sequence ever acknowledged,
// delivered = how many were. Times are Unix milliseconds.
constexpr char kCreateOutboxTablesSql[] = R"sql(
CREATE TABLE IF NOT EXISTS outbox (
  destination TEXT NOT NULL,
  sequence    INTEGER NOT NULL,
  enqueued_at INTEGER NOT NULL,
  PRIMARY KEY (destination, sequence)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dead_letters (
  destination      TEXT NOT NULL,
  sequence         INTEGER NOT NULL,
  event_id         TEXT NOT NULL,
  subject_id       TEXT NOT NULL,
  event_kind       TEXT NOT NULL,
  code             INTEGER NOT NULL,
  reason           TEXT NOT NULL,
  attempts         INTEGER NOT NULL,
  enqueued_at      INTEGER NOT NULL,
  dead_lettered_at INTEGER NOT NULL,
  discarded_at     INTEGER,
  PRIMARY KEY (destination, sequence)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS destinations (
  name      TEXT PRIMARY KEY,
  cursor    INTEGER NOT NULL,
  delivered INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// Schema v3: `subject_events` holds the payload of every event with a subject, keyed (subject,
// sequence) in a clustered table, so one subject's events lie together on disk. A timeline or
// the study report reads a subject's ~500 events of a year from a few neighbouring pages,
// where in the log they lie one to a page among every other subject's (the report at 10,000
// subjects read a 4 KiB page per event: docs/performance.md, "The study report at scale").
// The log (`events`) keeps the order, the event id and the subject; a read in log order (Pull,
// forwarding) joins the payload by its key. An event without a subject keeps its payload in the
// log. The move replaces v2's index on events(subject_id), which the new key makes redundant.
constexpr char kCreateSubjectEventsSql[] = R"sql(
CREATE TABLE IF NOT EXISTS subject_events (
  subject_id TEXT NOT NULL,
  sequence   INTEGER NOT NULL,
  payload    BLOB NOT NULL,
  PRIMARY KEY (subject_id, sequence)
) WITHOUT ROWID;
)sql";
constexpr char kMoveSubjectPayloadsSql[] = R"sql(
INSERT INTO subject_events(subject_id, sequence, payload)
  SELECT subject_id, sequence, payload FROM events
  WHERE subject_id IS NOT NULL AND length(payload) > 0 ORDER BY subject_id, sequence;
UPDATE events SET payload = x'' WHERE subject_id IS NOT NULL;
DROP INDEX IF EXISTS events_by_subject;
)sql";

constexpr char kSelectSchemaVersionSql[] = "SELECT value FROM meta WHERE key = 'schema_version'";
constexpr char kWriteSchemaVersionSql[] =
    "INSERT INTO meta(key, value) VALUES ('schema_version', ?1) "
    "ON CONFLICT(key) DO UPDATE SET value = excluded.value";

// The version recorded in the file; 0 for a new database.
absl::StatusOr<int> ReadSchemaVersion(sqlite3* db) {
  ASSIGN_OR_RETURN(StmtPtr select, Prepare(db, kSelectSchemaVersionSql));
  const int rc = sqlite3_step(select.get());
  if (rc == SQLITE_DONE) return 0;
  if (rc != SQLITE_ROW) return SqliteError(db, rc, "cannot read the schema version");
  const int version = sqlite3_column_int(select.get(), 0);
  if (version < 1) {
    return absl::FailedPreconditionError(absl::StrCat(
        "event store has an invalid schema version '", ColumnText(select.get(), 0), "'"));
  }
  return version;
}

}  // namespace

absl::Status CreateOrCheckSchema(sqlite3* db) {
  RETURN_IF_ERROR(Exec(db, "BEGIN IMMEDIATE", "cannot start the schema transaction"));
  absl::Status status = [db]() -> absl::Status {
    RETURN_IF_ERROR(Exec(db, kCreateMetaSql, "cannot create table meta"));
    ASSIGN_OR_RETURN(const int version, ReadSchemaVersion(db));
    if (version > kSchemaVersion) {
      return absl::FailedPreconditionError(
          absl::StrCat("event store schema version ", version,
                       " is newer than this build supports (", kSchemaVersion, ")"));
    }
    // Every step is idempotent (IF NOT EXISTS), so a new file and an upgrade take the same path.
    RETURN_IF_ERROR(Exec(db, kCreateTablesSql, "cannot create the event store tables"));
    RETURN_IF_ERROR(Exec(db, kCreateOutboxTablesSql, "cannot create the outbox tables"));
    RETURN_IF_ERROR(Exec(db, kCreateSubjectEventsSql, "cannot create table subject_events"));
    if (version > 0 && version < 3) {
      // Minutes for a large file, with nothing listening yet: say why the start is slow.
      spdlog::info("event store: upgrading schema {} to 3, moving each subject's events together "
                   "(about a minute and a half per 5 million events)",
                   version);
      const auto start = std::chrono::steady_clock::now();
      RETURN_IF_ERROR(Exec(db, kMoveSubjectPayloadsSql, "cannot move the payloads by subject"));
      spdlog::info("event store: schema 3 in {:.1f} s",
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    if (version < kSchemaVersion) {
      ASSIGN_OR_RETURN(StmtPtr write, Prepare(db, kWriteSchemaVersionSql));
      RETURN_IF_ERROR(BindInt(db, write.get(), 1, kSchemaVersion));
      RETURN_IF_ERROR(Run(db, write.get(), "cannot record the schema version"));
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
