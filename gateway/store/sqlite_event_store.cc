#include "gateway/store/sqlite_event_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gateway/common/status_macros.h"
#include "gateway/store/ordered_runner.h"
#include "gateway/store/request_queue.h"
#include "gateway/store/sqlite_outbox.h"
#include "gateway/store/sqlite_schema.h"
#include "gateway/store/sqlite_util.h"
#include "gateway/store/write_checks.h"

namespace trialgate::store {
namespace {

// Every SQL text below is a constant; data only ever travels through bound parameters.
constexpr char kSelectLastSequenceSql[] = "SELECT COALESCE(MAX(sequence), 0) FROM events";

constexpr char kSelectSourceSql[] =
    "SELECT first_sequence, event_count FROM sources WHERE source_key = ?1";
constexpr char kInsertSourceSql[] =
    "INSERT INTO sources(source_key, first_sequence, event_count) VALUES (?1, ?2, ?3)";
constexpr char kSelectDigestSql[] = "SELECT digest FROM source_digests WHERE source_key = ?1";
constexpr char kInsertDigestSql[] =
    "INSERT INTO source_digests(source_key, digest) VALUES (?1, ?2)";
// The versions of one resource: every source key that starts with its resource key. Keys are
// length-prefixed (identity::SourceKey), so the prefix range holds that resource's keys only;
// the version part starts with a letter, always below 0x7f.
constexpr char kCountVersionsSql[] =
    "SELECT count(*) FROM sources WHERE source_key > ?1 AND source_key < ?1 || char(127)";
constexpr char kSelectVersionSql[] =
    "SELECT version, stored_at_ms FROM source_versions WHERE source_key = ?1";
constexpr char kInsertVersionSql[] =
    "INSERT INTO source_versions(source_key, version, stored_at_ms) VALUES (?1, ?2, ?3)";
constexpr char kSelectSourceEventsSql[] =
    "SELECT event_id, sequence FROM events WHERE sequence >= ?1 ORDER BY sequence LIMIT ?2";
// An event with a subject has its payload in subject_events and an empty one in the log
// (sqlite_schema.cc, v3).
constexpr char kInsertEventSql[] =
    "INSERT INTO events(event_id, subject_id, payload) VALUES (?1, ?2, ?3)";
constexpr char kInsertSubjectEventSql[] =
    "INSERT INTO subject_events(subject_id, sequence, payload) VALUES (?1, ?2, ?3)";
constexpr char kUpsertEnrollmentSql[] =
    "INSERT INTO enrollments(site_id, patient_key_hmac, subject_id, status, enrolled_on) "
    "VALUES (?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT(site_id, patient_key_hmac) DO UPDATE SET "
    "subject_id = excluded.subject_id, status = excluded.status, "
    "enrolled_on = excluded.enrolled_on";
// In log order, each payload found by its key (EXPLAIN QUERY PLAN: "SEARCH s USING PRIMARY KEY
// (subject_id=? AND sequence=?)" per row).
constexpr char kReadAfterSql[] =
    "SELECT e.sequence, COALESCE(s.payload, e.payload) FROM events AS e "
    "LEFT JOIN subject_events AS s ON s.subject_id = e.subject_id AND s.sequence = e.sequence "
    "WHERE e.sequence > ?1 ORDER BY e.sequence LIMIT ?2";
// One range of the clustered key: no sort, no second look-up.
constexpr char kReadSubjectSql[] =
    "SELECT sequence, payload FROM subject_events WHERE subject_id = ?1 ORDER BY sequence";
constexpr char kReadSubjectAfterSql[] =
    "SELECT sequence, payload FROM subject_events WHERE subject_id = ?1 AND sequence > ?2 "
    "ORDER BY sequence";
// Each subject found by one seek past the one before (a skip scan): a DISTINCT would read every
// event's row.
constexpr char kListSubjectsSql[] =
    "WITH RECURSIVE subject(id) AS ("
    " SELECT MIN(subject_id) FROM subject_events"
    " UNION ALL"
    " SELECT (SELECT MIN(subject_id) FROM subject_events WHERE subject_id > subject.id)"
    " FROM subject WHERE subject.id IS NOT NULL) "
    "SELECT id FROM subject WHERE id IS NOT NULL";
constexpr char kSelectEnrollmentsSql[] =
    "SELECT site_id, patient_key_hmac, subject_id, status, enrolled_on FROM enrollments "
    "ORDER BY site_id, patient_key_hmac";

// Runs `sql` (a PRAGMA that answers one row) and returns its first column as text.
absl::StatusOr<std::string> QueryPragma(sqlite3* db, absl::string_view sql) {
  ASSIGN_OR_RETURN(StmtPtr stmt, Prepare(db, sql));
  int rc = sqlite3_step(stmt.get());
  if (rc != SQLITE_ROW) return SqliteError(db, rc, absl::StrCat("'", sql, "' failed"));
  return ColumnText(stmt.get(), 0);
}

// The store's durability promise rests on these two settings; refuse to run without them.
absl::Status ConfigureDurability(sqlite3* db) {
  ASSIGN_OR_RETURN(std::string mode, QueryPragma(db, "PRAGMA journal_mode=WAL"));
  if (mode != "wal") {
    return absl::FailedPreconditionError(absl::StrCat(
        "SQLite refused WAL journal mode (it reports '", mode,
        "'); the event store needs a file-backed database on a file system with shared memory"));
  }
  RETURN_IF_ERROR(Exec(db, "PRAGMA synchronous=FULL", "cannot set synchronous=FULL"));
  ASSIGN_OR_RETURN(std::string synchronous, QueryPragma(db, "PRAGMA synchronous"));
  if (synchronous != "2") {  // 2 is FULL
    return absl::FailedPreconditionError(
        absl::StrCat("SQLite reports synchronous=", synchronous, " instead of 2 (FULL)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> ReadLastSequence(sqlite3* db) {
  ASSIGN_OR_RETURN(StmtPtr stmt, Prepare(db, kSelectLastSequenceSql));
  int rc = sqlite3_step(stmt.get());
  if (rc != SQLITE_ROW) return SqliteError(db, rc, "cannot read the last sequence");
  return static_cast<uint64_t>(sqlite3_column_int64(stmt.get(), 0));
}

// One read-only connection; WAL lets it read while the writer writes.
class SqliteEventReader final : public EventReader {
 public:
  SqliteEventReader(DbPtr db, StmtPtr read_after, StmtPtr read_subject,
                    StmtPtr read_subject_after, StmtPtr list_subjects)
      : db_(std::move(db)),
        read_after_(std::move(read_after)),
        read_subject_(std::move(read_subject)),
        read_subject_after_(std::move(read_subject_after)),
        list_subjects_(std::move(list_subjects)) {}

  absl::StatusOr<std::vector<v1::Event>> ReadAfter(uint64_t after, size_t limit) override {
    std::vector<v1::Event> events;
    if (limit == 0) return events;
    sqlite3_stmt* stmt = read_after_.get();
    ScopedReset reset(stmt);
    RETURN_IF_ERROR(BindInt(db_.get(), stmt, 1, ClampToInt64(after)));
    RETURN_IF_ERROR(BindInt(db_.get(), stmt, 2, ClampToInt64(limit)));
    return ReadRows(stmt, &events);
  }

  absl::StatusOr<std::vector<v1::Event>> ReadSubject(const std::string& subject_id) override {
    std::vector<v1::Event> events;
    sqlite3_stmt* stmt = read_subject_.get();
    ScopedReset reset(stmt);
    RETURN_IF_ERROR(BindText(db_.get(), stmt, 1, subject_id));
    return ReadRows(stmt, &events);
  }

  absl::Status ReadSubjectInto(const std::string& subject_id, EventBatch* batch) override {
    sqlite3_stmt* stmt = read_subject_.get();
    ScopedReset reset(stmt);
    RETURN_IF_ERROR(BindText(db_.get(), stmt, 1, subject_id));
    return StepRows(stmt, [batch] { return batch->Add(); });
  }

  absl::StatusOr<std::vector<v1::Event>> ReadSubjectAfter(const std::string& subject_id,
                                                          uint64_t after) override {
    std::vector<v1::Event> events;
    sqlite3_stmt* stmt = read_subject_after_.get();
    ScopedReset reset(stmt);
    RETURN_IF_ERROR(BindText(db_.get(), stmt, 1, subject_id));
    RETURN_IF_ERROR(BindInt(db_.get(), stmt, 2, ClampToInt64(after)));
    return ReadRows(stmt, &events);
  }

  absl::StatusOr<std::vector<std::string>> ListSubjects() override {
    std::vector<std::string> subjects;
    sqlite3_stmt* stmt = list_subjects_.get();
    ScopedReset reset(stmt);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) subjects.push_back(ColumnText(stmt, 0));
    if (rc != SQLITE_DONE) return SqliteError(db_.get(), rc, "cannot list subjects");
    return subjects;
  }

 private:
  // Steps `stmt` (sequence, payload rows) into *events.
  absl::StatusOr<std::vector<v1::Event>> ReadRows(sqlite3_stmt* stmt,
                                                  std::vector<v1::Event>* events) {
    RETURN_IF_ERROR(StepRows(stmt, [events] { return &events->emplace_back(); }));
    return std::move(*events);
  }

  // Steps `stmt` (sequence, payload rows), parsing each row into the event `next()` gives.
  template <typename NextEvent>
  absl::Status StepRows(sqlite3_stmt* stmt, NextEvent next) {
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      const uint64_t sequence = static_cast<uint64_t>(sqlite3_column_int64(stmt, 0));
      const void* payload = sqlite3_column_blob(stmt, 1);
      const int size = sqlite3_column_bytes(stmt, 1);
      v1::Event* event = next();
      if (!event->ParseFromArray(payload, size)) {
        return absl::DataLossError(
            absl::StrCat("event at sequence ", sequence, " cannot be parsed"));
      }
      event->set_sequence(sequence);
    }
    if (rc != SQLITE_DONE) return SqliteError(db_.get(), rc, "cannot read events");
    return absl::OkStatus();
  }

  DbPtr db_;
  // Declared after db_: finalized before the connection closes.
  StmtPtr read_after_;
  StmtPtr read_subject_;
  StmtPtr read_subject_after_;
  StmtPtr list_subjects_;
};

class SqliteEventStoreImpl final : public SqliteEventStore {
 public:
  static absl::StatusOr<std::unique_ptr<SqliteEventStoreImpl>> Open(const std::string& path,
                                                                    SqliteStoreOptions options);
  ~SqliteEventStoreImpl() override;

  void Commit(std::vector<SourceWrite> writes, CommitCallback done) override;
  absl::StatusOr<std::unique_ptr<EventReader>> OpenReader() override;
  uint64_t LastSequence() const override;
  bool WaitForSequenceAbove(uint64_t sequence, std::chrono::milliseconds timeout) override;
  absl::StatusOr<std::vector<EnrollmentRecord>> LoadEnrollments() override;
  absl::StatusOr<EnrollmentChanges> LoadEnrollmentChanges(uint64_t mark) override;
  StoreStats Stats() const override;
  absl::Status Health() const override;

  absl::StatusOr<std::unique_ptr<OutboxReader>> OpenOutboxReader() override;
  absl::StatusOr<std::unique_ptr<Lease>> TryAcquireLease(const std::string&) override {
    // One gateway per data directory: a second one cannot lock its audit log and does not start.
    return std::make_unique<SoleWriterLease>();
  }
  absl::StatusOr<std::unique_ptr<Lease>> TryLockSubject(const std::string&) override {
    return std::make_unique<SoleWriterLease>();  // one gateway, one recorder thread
  }
  absl::Status Settle(DeliverySettlement settlement) override;
  absl::StatusOr<std::vector<DestinationProgress>> Progress(
      const std::vector<std::string>& destinations) override;
  absl::StatusOr<std::vector<DeadLetterRecord>> ListDeadLetters(
      const DeadLetterQuery& query) override;
  absl::StatusOr<size_t> ReplayDeadLetters(const DeadLetterSelection& selection) override;
  absl::StatusOr<size_t> DiscardDeadLetters(const DeadLetterSelection& selection) override;

 private:
  // An outbox write as the writer runs it: inside its savepoint, at the group's time; returns
  // how many rows it changed.
  using OutboxWrite = std::function<absl::StatusOr<size_t>(OutboxWriter&, int64_t now_unix_ms)>;

  // One entry of the writer's queue: a Commit(), or an outbox write when `outbox_write` is set.
  struct Request {
    std::vector<SourceWrite> writes;
    CommitCallback done;
    OutboxWrite outbox_write;
    // The outbox writer's caller waits on this; set on the writer thread.
    std::promise<absl::StatusOr<size_t>> outbox_done;
    // Events, or outbox rows named: what max_group_events bounds.
    size_t weight = 0;
  };

  // What one request got. Commits: `commit`. Outbox writes: commit.status and `changed`.
  struct RequestResult {
    CommitResult commit;
    size_t changed = 0;
  };

  // What a committed group changes in the shared state.
  struct GroupOutcome {
    uint64_t last_sequence = 0;  // 0 when the group inserted no event
    StoreStats delta;
    std::chrono::nanoseconds commit_time{0};  // of the COMMIT statement (WAL write and fsync)
  };

  SqliteEventStoreImpl(std::string path, SqliteStoreOptions options, DbPtr db)
      : path_(std::move(path)),
        options_(std::move(options)),
        queue_(options_.max_group_requests, options_.max_group_events),
        db_(std::move(db)) {}

  absl::Status PrepareStatements();
  void WriterLoop();
  // Writes `group` in one transaction. OK: (*results)[i] answers group[i] and the data is
  // durable. Non-OK: the transaction was rolled back and the status answers every request.
  absl::Status WriteGroup(std::vector<Request>& group, std::vector<RequestResult>* results,
                          GroupOutcome* outcome);
  // Runs `write` inside the request savepoint. A request-local failure is rolled back alone and
  // left in *request_status; any other failure is returned, to fail the whole group.
  absl::Status WriteInSavepoint(const std::function<absl::Status()>& write,
                                absl::Status* request_status);
  absl::Status WriteCommit(Request& request, int64_t now_unix_ms, CommitResult* result,
                           GroupOutcome* outcome);
  absl::Status WriteSource(SourceWrite& write, int64_t now_unix_ms, SourceResult* result,
                           GroupOutcome* outcome);
  // Appends `event` (serialized as `payload`) to the log and returns its sequence.
  absl::StatusOr<uint64_t> InsertEvent(const v1::Event& event, const std::string& payload);
  // Queues an outbox write and waits until it is durable, or failed without effect.
  absl::StatusOr<size_t> RunOutboxWrite(OutboxWrite write, size_t weight);
  absl::StatusOr<DbPtr> OpenReadConnection() const;
  int64_t NowUnixMs() const;
  // Fills *result with the stored source's events when `source_key` is already stored.
  absl::StatusOr<bool> FindStoredSource(const std::string& source_key, SourceResult* result);
  // OK when the stored digest of `write`'s (stored) key is write.digest; else ALREADY_EXISTS.
  absl::Status CheckSameDigest(const SourceWrite& write);
  // How many versions of the resource `resource_key` are stored.
  absl::StatusOr<uint64_t> CountVersions(const std::string& resource_key);
  // The number and time a numbered source got when it was stored; zeros if it has none.
  absl::Status ReadVersion(const std::string& source_key, SourceResult* result);
  absl::Status NumberVersion(const SourceWrite& write, int64_t now_unix_ms, SourceResult* result);

  const std::string path_;
  const SqliteStoreOptions options_;
  RequestQueue<Request> queue_;

  // Owned by the writer thread once it runs (by Open before that).
  DbPtr db_;
  StmtPtr begin_;
  StmtPtr commit_;
  StmtPtr rollback_;
  StmtPtr savepoint_;
  StmtPtr release_;
  StmtPtr rollback_to_;
  StmtPtr insert_source_;
  StmtPtr select_source_;
  StmtPtr select_source_events_;
  StmtPtr select_digest_;
  StmtPtr insert_digest_;
  StmtPtr count_versions_;
  StmtPtr select_version_;
  StmtPtr insert_version_;
  StmtPtr insert_event_;
  StmtPtr insert_subject_event_;
  StmtPtr upsert_enrollment_;
  std::unique_ptr<OutboxWriter> outbox_writer_;

  mutable std::mutex mu_;
  std::condition_variable sequence_cv_;  // WaitForSequenceAbove waits here for commits
  uint64_t last_sequence_ = 0;           // guarded by mu_
  absl::Status health_;                  // guarded by mu_
  StoreStats stats_;               // guarded by mu_

  std::thread writer_;
  // Declared last: destroyed first after the writer has joined, it runs the callbacks still
  // queued while everything they may touch (mu_, the stats) is alive.
  OrderedRunner callbacks_;
};

absl::StatusOr<std::unique_ptr<SqliteEventStoreImpl>> SqliteEventStoreImpl::Open(
    const std::string& path, SqliteStoreOptions options) {
  if (options.max_group_requests == 0 || options.max_group_events == 0) {
    return absl::InvalidArgumentError("max_group_requests and max_group_events must be positive");
  }
  if (options.busy_timeout.count() < 0) {
    return absl::InvalidArgumentError("busy_timeout must not be negative");
  }
  RETURN_IF_ERROR(ValidateRoutes(options.outbox_routes));
  if (sqlite3_threadsafe() == 0) {
    return absl::FailedPreconditionError("the linked SQLite was built without thread support");
  }
  ASSIGN_OR_RETURN(DbPtr db, OpenConnection(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                            options.busy_timeout));
  RETURN_IF_ERROR(ConfigureDurability(db.get()));
  RETURN_IF_ERROR(CreateOrCheckSchema(db.get()));
  ASSIGN_OR_RETURN(uint64_t last_sequence, ReadLastSequence(db.get()));

  std::unique_ptr<SqliteEventStoreImpl> store(
      new SqliteEventStoreImpl(path, std::move(options), std::move(db)));
  RETURN_IF_ERROR(store->PrepareStatements());
  store->last_sequence_ = last_sequence;
  store->writer_ = std::thread(&SqliteEventStoreImpl::WriterLoop, store.get());
  return store;
}

absl::Status SqliteEventStoreImpl::PrepareStatements() {
  sqlite3* db = db_.get();
  ASSIGN_OR_RETURN(begin_, Prepare(db, "BEGIN IMMEDIATE"));
  ASSIGN_OR_RETURN(commit_, Prepare(db, "COMMIT"));
  ASSIGN_OR_RETURN(rollback_, Prepare(db, "ROLLBACK"));
  ASSIGN_OR_RETURN(savepoint_, Prepare(db, "SAVEPOINT request"));
  ASSIGN_OR_RETURN(release_, Prepare(db, "RELEASE request"));
  ASSIGN_OR_RETURN(rollback_to_, Prepare(db, "ROLLBACK TO request"));
  ASSIGN_OR_RETURN(select_source_, Prepare(db, kSelectSourceSql));
  ASSIGN_OR_RETURN(insert_source_, Prepare(db, kInsertSourceSql));
  ASSIGN_OR_RETURN(select_source_events_, Prepare(db, kSelectSourceEventsSql));
  ASSIGN_OR_RETURN(select_digest_, Prepare(db, kSelectDigestSql));
  ASSIGN_OR_RETURN(insert_digest_, Prepare(db, kInsertDigestSql));
  ASSIGN_OR_RETURN(count_versions_, Prepare(db, kCountVersionsSql));
  ASSIGN_OR_RETURN(select_version_, Prepare(db, kSelectVersionSql));
  ASSIGN_OR_RETURN(insert_version_, Prepare(db, kInsertVersionSql));
  ASSIGN_OR_RETURN(insert_event_, Prepare(db, kInsertEventSql));
  ASSIGN_OR_RETURN(insert_subject_event_, Prepare(db, kInsertSubjectEventSql));
  ASSIGN_OR_RETURN(upsert_enrollment_, Prepare(db, kUpsertEnrollmentSql));
  ASSIGN_OR_RETURN(outbox_writer_, OutboxWriter::Prepare(db));
  return absl::OkStatus();
}

SqliteEventStoreImpl::~SqliteEventStoreImpl() {
  if (writer_.joinable()) {
    queue_.Stop();
    writer_.join();  // the writer drains the queue first
  }
}

void SqliteEventStoreImpl::Commit(std::vector<SourceWrite> writes, CommitCallback done) {
  Request request;
  request.weight = CountEvents(writes);
  request.writes = std::move(writes);
  request.done = std::move(done);
  if (queue_.TryPush(request)) return;
  if (request.done) request.done(CommitResult{absl::UnavailableError("event store closing"), {}});
}

absl::StatusOr<size_t> SqliteEventStoreImpl::RunOutboxWrite(OutboxWrite write, size_t weight) {
  Request request;
  request.outbox_write = std::move(write);
  request.weight = weight;
  std::future<absl::StatusOr<size_t>> done = request.outbox_done.get_future();
  if (!queue_.TryPush(request)) return absl::UnavailableError("event store closing");
  return done.get();
}

void SqliteEventStoreImpl::WriterLoop() {
  for (;;) {
    std::vector<Request> group = queue_.TakeGroup();
    if (group.empty()) return;

    absl::Status health;
    {
      std::lock_guard<std::mutex> lock(mu_);
      health = health_;
    }
    std::vector<RequestResult> results(group.size());
    GroupOutcome outcome;
    absl::Status group_status = health;  // a failed store writes nothing: fail fast
    if (health.ok()) group_status = WriteGroup(group, &results, &outcome);
    if (!group_status.ok()) {
      for (RequestResult& result : results) result = RequestResult{{group_status, {}}, 0};
    }

    // Publish before any callback runs, so a caller that was told "durable" also sees the new
    // LastSequence().
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (group_status.ok()) {
        ++stats_.transactions;
        stats_.AddWrites(outcome.delta);
        last_sequence_ = std::max(last_sequence_, outcome.last_sequence);
      } else if (health.ok()) {
        health_ = absl::UnavailableError(absl::StrCat(
            "event store failed and accepts no writes until reopened: ", group_status.message()));
      }
      for (size_t i = 0; i < group.size(); ++i) {
        if (group[i].outbox_write) continue;  // the counters are about Commit()
        if (results[i].commit.status.ok()) {
          ++stats_.commits;
        } else {
          ++stats_.failed_commits;
        }
      }
    }
    if (outcome.last_sequence != 0) sequence_cv_.notify_all();
    if (group_status.ok() && options_.commit_observer != nullptr) {
      options_.commit_observer->GroupCommitted(group.size(), outcome.commit_time);
    }

    // Outbox writers wait in a thread of their own: wake them here rather than through the
    // callback thread, so that one waiting there (a commit callback that settles) cannot block it.
    std::vector<CommitCallback> callbacks;
    std::vector<CommitResult> commit_results;
    callbacks.reserve(group.size());
    commit_results.reserve(group.size());
    for (size_t i = 0; i < group.size(); ++i) {
      RequestResult& result = results[i];
      if (group[i].outbox_write) {
        group[i].outbox_done.set_value(
            result.commit.status.ok() ? absl::StatusOr<size_t>(result.changed)
                                      : absl::StatusOr<size_t>(result.commit.status));
        continue;
      }
      callbacks.push_back(std::move(group[i].done));
      commit_results.push_back(std::move(result.commit));
    }
    AnswerInOrder(callbacks_, std::move(callbacks), std::move(commit_results));
    if (options_.after_group_for_testing) options_.after_group_for_testing();
  }
}

absl::Status SqliteEventStoreImpl::WriteGroup(std::vector<Request>& group,
                                              std::vector<RequestResult>* results,
                                              GroupOutcome* outcome) {
  sqlite3* db = db_.get();
  absl::Status status = [&]() -> absl::Status {
    RETURN_IF_ERROR(Run(db, begin_.get(), "cannot begin the write transaction"));
    // One time for the whole transaction: its rows became durable together.
    const int64_t now = NowUnixMs();
    for (size_t i = 0; i < group.size(); ++i) {
      RequestResult& result = (*results)[i];
      if (group[i].outbox_write) {
        RETURN_IF_ERROR(WriteInSavepoint(
            [&]() -> absl::Status {
              ASSIGN_OR_RETURN(result.changed, group[i].outbox_write(*outbox_writer_, now));
              return absl::OkStatus();
            },
            &result.commit.status));
      } else {
        RETURN_IF_ERROR(WriteCommit(group[i], now, &result.commit, outcome));
      }
    }
    if (options_.before_commit_for_testing) RETURN_IF_ERROR(options_.before_commit_for_testing());
    const auto commit_start = std::chrono::steady_clock::now();
    RETURN_IF_ERROR(Run(db, commit_.get(), "cannot commit the write transaction"));
    outcome->commit_time = std::chrono::steady_clock::now() - commit_start;
    return absl::OkStatus();
  }();
  if (!status.ok()) {
    // A failed COMMIT may already have ended the transaction; only roll back an open one.
    if (sqlite3_get_autocommit(db) == 0) {
      Run(db, rollback_.get(), "cannot roll back").IgnoreError();
    }
    *outcome = GroupOutcome();
    return status;
  }
  return absl::OkStatus();
}

absl::Status SqliteEventStoreImpl::WriteInSavepoint(const std::function<absl::Status()>& write,
                                                    absl::Status* request_status) {
  // A savepoint per request keeps one request's bad data from sinking the group.
  sqlite3* db = db_.get();
  RETURN_IF_ERROR(Run(db, savepoint_.get(), "cannot open a savepoint"));
  *request_status = write();
  if (!request_status->ok()) {
    if (!IsRequestLocal(*request_status)) return *request_status;
    RETURN_IF_ERROR(Run(db, rollback_to_.get(), "cannot roll back to the savepoint"));
  }
  return Run(db, release_.get(), "cannot release the savepoint");
}

absl::Status SqliteEventStoreImpl::WriteCommit(Request& request, int64_t now_unix_ms,
                                               CommitResult* result, GroupOutcome* outcome) {
  result->status = ValidateRequest(request.writes);
  if (!result->status.ok()) return absl::OkStatus();
  GroupOutcome request_outcome;
  RETURN_IF_ERROR(WriteInSavepoint(
      [&]() -> absl::Status {
        result->results.resize(request.writes.size());
        for (size_t j = 0; j < request.writes.size(); ++j) {
          RETURN_IF_ERROR(
              WriteSource(request.writes[j], now_unix_ms, &result->results[j], &request_outcome));
        }
        return absl::OkStatus();
      },
      &result->status));
  if (!result->status.ok()) {
    result->results.clear();
    return absl::OkStatus();
  }
  outcome->delta.AddWrites(request_outcome.delta);
  outcome->last_sequence = std::max(outcome->last_sequence, request_outcome.last_sequence);
  return absl::OkStatus();
}

absl::Status SqliteEventStoreImpl::WriteSource(SourceWrite& write, int64_t now_unix_ms,
                                               SourceResult* result, GroupOutcome* outcome) {
  sqlite3* db = db_.get();
  // The one writer is the only one who inserts sources, so a look-up then an insert cannot race;
  // the look-up also sees keys written earlier in the same group.
  if (write.expected_version.has_value()) {
    ASSIGN_OR_RETURN(const uint64_t stored_versions, CountVersions(write.resource_key));
    if (stored_versions != *write.expected_version) {
      return absl::FailedPreconditionError(absl::StrCat(
          "version conflict: the resource is at version ", stored_versions,
          ", the request expected version ", *write.expected_version));
    }
  }
  ASSIGN_OR_RETURN(const bool stored, FindStoredSource(write.source_key, result));
  if (stored) {
    if (!write.digest.empty()) RETURN_IF_ERROR(CheckSameDigest(write));
    if (write.number_version) RETURN_IF_ERROR(ReadVersion(write.source_key, result));
    result->duplicate = true;
    ++outcome->delta.duplicates;
    return absl::OkStatus();
  }
  if (write.only_after_a_stored_version) {
    ASSIGN_OR_RETURN(const uint64_t stored_versions, CountVersions(write.resource_key));
    if (stored_versions == 0) {
      result->unneeded = true;
      return absl::OkStatus();
    }
  }
  ++outcome->delta.source_writes;

  std::string payload;
  for (v1::Event& event : write.events) {
    event.clear_sequence();  // the row's key is the sequence
    if (!event.SerializeToString(&payload)) {
      return absl::InvalidArgumentError(
          absl::StrCat("event ", event.event_id(), " cannot be serialized"));
    }
    ASSIGN_OR_RETURN(const uint64_t sequence, InsertEvent(event, payload));
    result->event_ids.push_back(event.event_id());
    result->sequences.push_back(sequence);
    ++outcome->delta.events_written;
    outcome->last_sequence = std::max(outcome->last_sequence, sequence);
    // With no routes the loop is empty: the commit path pays nothing for forwarding.
    if (!options_.outbox_routes.empty()) event.set_sequence(sequence);  // routes see it whole
    for (const OutboxRoute& route : options_.outbox_routes) {
      if (route.accepts(event)) {
        RETURN_IF_ERROR(outbox_writer_->Enqueue(route.destination, sequence, now_unix_ms));
      }
    }
  }
  {
    sqlite3_stmt* stmt = insert_source_.get();
    ScopedReset reset(stmt);
    RETURN_IF_ERROR(BindText(db, stmt, 1, write.source_key));
    const int64_t first = result->sequences.empty() ? 0 : result->sequences.front();
    RETURN_IF_ERROR(BindInt(db, stmt, 2, first));
    RETURN_IF_ERROR(BindInt(db, stmt, 3, static_cast<int64_t>(write.events.size())));
    const int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE) return SqliteError(db, rc, "cannot record the source");
  }
  if (write.number_version) RETURN_IF_ERROR(NumberVersion(write, now_unix_ms, result));
  if (!write.digest.empty()) {
    sqlite3_stmt* stmt = insert_digest_.get();
    ScopedReset reset(stmt);
    RETURN_IF_ERROR(BindText(db, stmt, 1, write.source_key));
    RETURN_IF_ERROR(BindText(db, stmt, 2, write.digest));
    const int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE) return SqliteError(db, rc, "cannot record the source's digest");
  }

  for (const EnrollmentRecord& enrollment : write.enrollments) {
    sqlite3_stmt* stmt = upsert_enrollment_.get();
    ScopedReset reset(stmt);
    RETURN_IF_ERROR(BindText(db, stmt, 1, enrollment.site_id));
    RETURN_IF_ERROR(BindText(db, stmt, 2, enrollment.patient_key_hmac));
    RETURN_IF_ERROR(BindText(db, stmt, 3, enrollment.subject_id));
    RETURN_IF_ERROR(BindText(db, stmt, 4, enrollment.status));
    RETURN_IF_ERROR(BindText(db, stmt, 5, enrollment.enrolled_on));
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE) return SqliteError(db, rc, "cannot upsert an enrolment");
  }
  return absl::OkStatus();
}

absl::Status SqliteEventStoreImpl::CheckSameDigest(const SourceWrite& write) {
  sqlite3* db = db_.get();
  sqlite3_stmt* stmt = select_digest_.get();
  ScopedReset reset(stmt);
  RETURN_IF_ERROR(BindText(db, stmt, 1, write.source_key));
  const int rc = sqlite3_step(stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return SqliteError(db, rc, "cannot read a digest");
  if (rc == SQLITE_ROW && ColumnText(stmt, 0) == write.digest) return absl::OkStatus();
  return absl::AlreadyExistsError(absl::StrCat(
      "a message with different content was already committed as ", write.source_key));
}

absl::StatusOr<uint64_t> SqliteEventStoreImpl::CountVersions(const std::string& resource_key) {
  sqlite3* db = db_.get();
  sqlite3_stmt* stmt = count_versions_.get();
  ScopedReset reset(stmt);
  RETURN_IF_ERROR(BindText(db, stmt, 1, resource_key));
  const int rc = sqlite3_step(stmt);
  if (rc != SQLITE_ROW) return SqliteError(db, rc, "cannot count a resource's versions");
  return static_cast<uint64_t>(sqlite3_column_int64(stmt, 0));
}

absl::Status SqliteEventStoreImpl::ReadVersion(const std::string& source_key,
                                               SourceResult* result) {
  sqlite3* db = db_.get();
  sqlite3_stmt* stmt = select_version_.get();
  ScopedReset reset(stmt);
  RETURN_IF_ERROR(BindText(db, stmt, 1, source_key));
  const int rc = sqlite3_step(stmt);
  if (rc == SQLITE_DONE) return absl::OkStatus();
  if (rc != SQLITE_ROW) return SqliteError(db, rc, "cannot read a source's version");
  result->version = static_cast<uint64_t>(sqlite3_column_int64(stmt, 0));
  result->stored_at_unix_ms = sqlite3_column_int64(stmt, 1);
  return absl::OkStatus();
}

// Called after the source row is inserted, so the count includes it.
absl::Status SqliteEventStoreImpl::NumberVersion(const SourceWrite& write, int64_t now_unix_ms,
                                                 SourceResult* result) {
  ASSIGN_OR_RETURN(result->version, CountVersions(write.resource_key));
  result->stored_at_unix_ms = now_unix_ms;
  sqlite3* db = db_.get();
  sqlite3_stmt* stmt = insert_version_.get();
  ScopedReset reset(stmt);
  RETURN_IF_ERROR(BindText(db, stmt, 1, write.source_key));
  RETURN_IF_ERROR(BindInt(db, stmt, 2, static_cast<int64_t>(result->version)));
  RETURN_IF_ERROR(BindInt(db, stmt, 3, now_unix_ms));
  const int rc = sqlite3_step(stmt);
  if (rc != SQLITE_DONE) return SqliteError(db, rc, "cannot record a source's version");
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> SqliteEventStoreImpl::InsertEvent(const v1::Event& event,
                                                           const std::string& payload) {
  sqlite3* db = db_.get();
  const bool has_subject = !event.subject_id().empty();
  sqlite3_stmt* log = insert_event_.get();
  ScopedReset reset_log(log);
  RETURN_IF_ERROR(BindText(db, log, 1, event.event_id()));
  if (has_subject) RETURN_IF_ERROR(BindText(db, log, 2, event.subject_id()));
  // With a subject the log's payload is an empty blob (not NULL: the view keeps the string's
  // pointer); its bytes go to subject_events below.
  RETURN_IF_ERROR(
      BindBlob(db, log, 3, absl::string_view(payload.data(), has_subject ? 0 : payload.size())));
  RETURN_IF_ERROR(Run(db, log, "cannot insert an event"));
  const uint64_t sequence = static_cast<uint64_t>(sqlite3_last_insert_rowid(db));
  if (!has_subject) return sequence;
  sqlite3_stmt* by_subject = insert_subject_event_.get();
  ScopedReset reset_by_subject(by_subject);
  RETURN_IF_ERROR(BindText(db, by_subject, 1, event.subject_id()));
  RETURN_IF_ERROR(BindInt(db, by_subject, 2, static_cast<int64_t>(sequence)));
  RETURN_IF_ERROR(BindBlob(db, by_subject, 3, payload));
  RETURN_IF_ERROR(Run(db, by_subject, "cannot insert a subject's event"));
  return sequence;
}

absl::StatusOr<bool> SqliteEventStoreImpl::FindStoredSource(const std::string& source_key,
                                                             SourceResult* result) {
  sqlite3* db = db_.get();
  int64_t first = 0, count = 0;
  {
    sqlite3_stmt* stmt = select_source_.get();
    ScopedReset reset(stmt);
    RETURN_IF_ERROR(BindText(db, stmt, 1, source_key));
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) return false;
    if (rc != SQLITE_ROW) return SqliteError(db, rc, "cannot look up a source");
    first = sqlite3_column_int64(stmt, 0);
    count = sqlite3_column_int64(stmt, 1);
  }
  if (count == 0) return true;
  sqlite3_stmt* stmt = select_source_events_.get();
  ScopedReset reset(stmt);
  RETURN_IF_ERROR(BindInt(db, stmt, 1, first));
  RETURN_IF_ERROR(BindInt(db, stmt, 2, count));
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    result->event_ids.push_back(ColumnText(stmt, 0));
    result->sequences.push_back(static_cast<uint64_t>(sqlite3_column_int64(stmt, 1)));
  }
  if (rc != SQLITE_DONE) return SqliteError(db, rc, "cannot read the stored events of a source");
  return true;
}

absl::StatusOr<std::unique_ptr<EventReader>> SqliteEventStoreImpl::OpenReader() {
  ASSIGN_OR_RETURN(DbPtr db, OpenConnection(path_, SQLITE_OPEN_READONLY, options_.busy_timeout));
  ASSIGN_OR_RETURN(StmtPtr read_after, Prepare(db.get(), kReadAfterSql));
  ASSIGN_OR_RETURN(StmtPtr read_subject, Prepare(db.get(), kReadSubjectSql));
  ASSIGN_OR_RETURN(StmtPtr read_subject_after, Prepare(db.get(), kReadSubjectAfterSql));
  ASSIGN_OR_RETURN(StmtPtr list_subjects, Prepare(db.get(), kListSubjectsSql));
  return std::make_unique<SqliteEventReader>(std::move(db), std::move(read_after),
                                             std::move(read_subject),
                                             std::move(read_subject_after),
                                             std::move(list_subjects));
}

uint64_t SqliteEventStoreImpl::LastSequence() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_sequence_;
}

bool SqliteEventStoreImpl::WaitForSequenceAbove(uint64_t sequence,
                                                std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return sequence_cv_.wait_for(lock, timeout, [&] { return last_sequence_ > sequence; });
}

absl::StatusOr<std::vector<EnrollmentRecord>> SqliteEventStoreImpl::LoadEnrollments() {
  // Called once at start-up: a short-lived connection keeps the writer's connection private.
  ASSIGN_OR_RETURN(DbPtr db, OpenConnection(path_, SQLITE_OPEN_READONLY, options_.busy_timeout));
  ASSIGN_OR_RETURN(StmtPtr stmt, Prepare(db.get(), kSelectEnrollmentsSql));
  std::vector<EnrollmentRecord> enrollments;
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    enrollments.push_back(EnrollmentRecord{
        ColumnText(stmt.get(), 0), ColumnText(stmt.get(), 1), ColumnText(stmt.get(), 2),
        ColumnText(stmt.get(), 3), ColumnText(stmt.get(), 4)});
  }
  if (rc != SQLITE_DONE) return SqliteError(db.get(), rc, "cannot read enrolments");
  return enrollments;
}

absl::StatusOr<EnrollmentChanges> SqliteEventStoreImpl::LoadEnrollmentChanges(uint64_t mark) {
  // Only this gateway writes the file, and its registry learns its enrolments as they are made.
  EnrollmentChanges changes;
  changes.mark = 1;
  if (mark == 0) {
    ASSIGN_OR_RETURN(changes.records, LoadEnrollments());
  }
  return changes;
}

absl::StatusOr<DbPtr> SqliteEventStoreImpl::OpenReadConnection() const {
  return OpenConnection(path_, SQLITE_OPEN_READONLY, options_.busy_timeout);
}

int64_t SqliteEventStoreImpl::NowUnixMs() const {
  return absl::ToUnixMillis(options_.clock->Now());
}

absl::StatusOr<std::unique_ptr<OutboxReader>> SqliteEventStoreImpl::OpenOutboxReader() {
  ASSIGN_OR_RETURN(DbPtr db, OpenReadConnection());
  return NewSqliteOutboxReader(std::move(db));
}

absl::Status SqliteEventStoreImpl::Settle(DeliverySettlement settlement) {
  RETURN_IF_ERROR(ValidateSettlement(settlement));
  const size_t weight = settlement.delivered.size() + settlement.dead.size();
  return RunOutboxWrite(
             [settlement = std::move(settlement)](OutboxWriter& writer, int64_t now) {
               return writer.Settle(settlement, now);
             },
             weight)
      .status();
}

absl::StatusOr<size_t> SqliteEventStoreImpl::ReplayDeadLetters(
    const DeadLetterSelection& selection) {
  RETURN_IF_ERROR(ValidateSelection(selection));
  return RunOutboxWrite(
      [selection](OutboxWriter& writer, int64_t now) { return writer.Replay(selection, now); },
      selection.sequences.size());
}

absl::StatusOr<size_t> SqliteEventStoreImpl::DiscardDeadLetters(
    const DeadLetterSelection& selection) {
  RETURN_IF_ERROR(ValidateSelection(selection));
  return RunOutboxWrite(
      [selection](OutboxWriter& writer, int64_t now) { return writer.Discard(selection, now); },
      selection.sequences.size());
}

// Operator and metrics calls, not a hot path: a short-lived connection each keeps them
// thread-safe without a lock and the writer's connection private.
absl::StatusOr<std::vector<DestinationProgress>> SqliteEventStoreImpl::Progress(
    const std::vector<std::string>& destinations) {
  ASSIGN_OR_RETURN(DbPtr db, OpenReadConnection());
  return ReadProgress(db.get(), destinations);
}

absl::StatusOr<std::vector<DeadLetterRecord>> SqliteEventStoreImpl::ListDeadLetters(
    const DeadLetterQuery& query) {
  ASSIGN_OR_RETURN(DbPtr db, OpenReadConnection());
  return ReadDeadLetters(db.get(), query);
}

StoreStats SqliteEventStoreImpl::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  StoreStats stats = stats_;
  stats.queued_requests = queue_.size();
  return stats;
}

absl::Status SqliteEventStoreImpl::Health() const {
  std::lock_guard<std::mutex> lock(mu_);
  return health_;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteEventStore>> OpenSqliteEventStore(
    const std::string& path, SqliteStoreOptions options) {
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteEventStoreImpl> store,
                   SqliteEventStoreImpl::Open(path, std::move(options)));
  return std::unique_ptr<SqliteEventStore>(std::move(store));
}

}  // namespace trialgate::store
