#include "gateway/store/postgres_event_store.h"

#include <poll.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gateway/common/status_macros.h"
#include "gateway/store/ordered_runner.h"
#include "gateway/store/postgres_event_reader.h"
#include "gateway/store/postgres_lease.h"
#include "gateway/store/postgres_outbox.h"
#include "gateway/store/postgres_schema.h"
#include "gateway/store/postgres_util.h"
#include "gateway/store/write_checks.h"

namespace trialgate::store {
namespace {

// Every SQL text below is a constant (row placeholders aside); data only ever travels through
// bound parameters.
constexpr char kLockHeadSql[] = "SELECT last_seq FROM log_head WHERE id = 1 FOR UPDATE";
constexpr char kReadHeadSql[] = "SELECT last_seq FROM log_head WHERE id = 1";
constexpr char kSetHeadSql[] = "UPDATE log_head SET last_seq = $1 WHERE id = 1";
// Sent only if the transaction commits, in commit order (PostgreSQL docs, NOTIFY).
constexpr char kNotifySql[] = "SELECT pg_notify('tg_log', $1)";
constexpr char kListenSql[] = "LISTEN tg_log";
constexpr char kSelectSourcesSql[] =
    "SELECT source_key, first_seq, event_count, attempt_id, digest, version, stored_at_ms "
    "FROM sources WHERE source_key = ANY($1::text[])";
constexpr char kSelectSourceEventsSql[] =
    "SELECT event_id, seq FROM events WHERE seq >= $1 ORDER BY seq LIMIT $2";
// The versions of one resource: every source key that starts with its resource key (keys are
// length-prefixed, and the version part starts with a letter, below 0x7f; see sqlite_event_store).
constexpr char kCountVersionsSql[] =
    "SELECT count(*) FROM sources WHERE source_key > $1 AND source_key < $1 || chr(127)";
constexpr char kInsertEventsSql[] = "INSERT INTO events(seq, event_id, subject_id, payload) VALUES ";
constexpr char kInsertSourcesSql[] =
    "INSERT INTO sources(source_key, first_seq, event_count, attempt_id, digest, version, "
    "stored_at_ms) VALUES ";
constexpr char kInsertOutboxSql[] = "INSERT INTO outbox(destination, seq, enqueued_at) VALUES ";
constexpr char kUpsertEnrollmentsSql[] =
    "INSERT INTO enrollments(site_id, patient_key_hmac, subject_id, status, enrolled_on, "
    "changed_seq) VALUES ";
constexpr char kUpsertEnrollmentsConflictSql[] =
    " ON CONFLICT (site_id, patient_key_hmac) DO UPDATE SET subject_id = excluded.subject_id, "
    "status = excluded.status, enrolled_on = excluded.enrolled_on, "
    "changed_seq = excluded.changed_seq";
constexpr char kInsertSubjectsSql[] = "INSERT INTO subjects(subject_id) VALUES ";
constexpr char kInsertSubjectsConflictSql[] = " ON CONFLICT (subject_id) DO NOTHING";
// >=: an enrolment written by a group without events gets the counter the last group left, which
// the mark may already be; reading a row twice is harmless.
constexpr char kSelectEnrollmentChangesSql[] =
    "SELECT site_id, patient_key_hmac, subject_id, status, enrolled_on, changed_seq "
    "FROM enrollments WHERE changed_seq >= $1 ORDER BY changed_seq";
// An enrolment's rules, under the log's lock (as identity::EnrollmentRegistry checks them in one
// process): a site's patient is one subject, and a subject belongs to one site.
constexpr char kSubjectOfPatientSql[] =
    "SELECT subject_id FROM enrollments WHERE site_id = $1 AND patient_key_hmac = $2";
constexpr char kSubjectAtAnotherSiteSql[] =
    "SELECT 1 FROM enrollments WHERE subject_id = $1 AND site_id <> $2 LIMIT 1";
constexpr char kSelectEnrollmentsSql[] =
    "SELECT site_id, patient_key_hmac, subject_id, status, enrolled_on FROM enrollments "
    "ORDER BY site_id, patient_key_hmac";

// Rows per multi-row INSERT: far below PostgreSQL's 65,535 parameters a statement.
constexpr size_t kRowsPerStatement = 1000;

// Inserts `count` rows of `columns` values in statements of kRowsPerStatement rows: `prefix`
// "INSERT ... VALUES ", then "($1, $2), ($3, $4)...", then `suffix`; `fill(i, params)` adds row
// i's values.
absl::Status InsertRows(PGconn* conn, const char* prefix, size_t columns, const char* suffix,
                        size_t count, const std::function<void(size_t, PgParams&)>& fill,
                        absl::string_view what) {
  for (size_t start = 0; start < count; start += kRowsPerStatement) {
    const size_t end = std::min(count, start + kRowsPerStatement);
    std::string sql = prefix;
    PgParams params;
    for (size_t i = start; i < end; ++i) {
      if (i > start) sql += ", ";
      sql += PgRowPlaceholders(params.size() + 1, columns);
      fill(i, params);
    }
    sql += suffix;
    RETURN_IF_ERROR(PgExec(conn, sql, params, what).status());
  }
  return absl::OkStatus();
}

std::string NewAttemptId() {
  thread_local absl::BitGen random;
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(random),
                         absl::Uniform<uint64_t>(random));
}

// A source stored before this group: what a duplicate of it answers.
struct StoredSource {
  uint64_t first_seq = 0;
  uint64_t event_count = 0;
  std::string attempt_id;
  std::string digest;
  uint64_t version = 0;
  int64_t stored_at_ms = 0;
};

// A source this group stores: its answer and digest (a later duplicate in the group checks it).
struct NewSource {
  SourceResult result;
  std::string digest;
};

struct EventRow {
  int64_t seq;
  std::string event_id;
  std::string subject_id;
  std::string payload;
};

struct SourceRow {
  std::string key;
  int64_t first_seq;
  int64_t event_count;
  std::string digest;            // empty: NULL
  std::optional<uint64_t> version;
  int64_t stored_at_ms;
};

struct OutboxRow {
  std::string destination;
  int64_t seq;
};

// What one group inserts, gathered before any of it is written: a request that fails is cut off
// the end without a savepoint (docs/storage.md says why none is used).
struct GroupRows {
  std::vector<EventRow> events;
  std::vector<SourceRow> sources;
  std::vector<OutboxRow> outbox;
  std::vector<std::pair<EnrollmentRecord, int64_t>> enrollments;  // with the log's counter

  struct Mark {
    size_t events, sources, outbox, enrollments;
  };
  Mark Size() const { return {events.size(), sources.size(), outbox.size(), enrollments.size()}; }
  void Truncate(const Mark& mark) {
    events.resize(mark.events);
    sources.resize(mark.sources);
    outbox.resize(mark.outbox);
    enrollments.resize(mark.enrollments);
  }
};

class PostgresEventStoreImpl final : public PostgresEventStore {
 public:
  static absl::StatusOr<std::unique_ptr<PostgresEventStoreImpl>> Open(
      PostgresStoreOptions options);
  ~PostgresEventStoreImpl() override;

  void Commit(std::vector<SourceWrite> writes, CommitCallback done) override;
  absl::StatusOr<std::unique_ptr<EventReader>> OpenReader() override;
  uint64_t LastSequence() const override;
  bool WaitForSequenceAbove(uint64_t sequence, std::chrono::milliseconds timeout) override;
  absl::StatusOr<std::vector<EnrollmentRecord>> LoadEnrollments() override;
  absl::StatusOr<EnrollmentChanges> LoadEnrollmentChanges(uint64_t mark) override;
  StoreStats Stats() const override;
  absl::Status Health() const override;

  absl::StatusOr<std::unique_ptr<OutboxReader>> OpenOutboxReader() override;
  absl::StatusOr<std::unique_ptr<Lease>> TryAcquireLease(const std::string& name) override {
    return TryAcquirePostgresLease(options_.conninfo, name, options_.lease_idle_timeout);
  }
  absl::Status Settle(DeliverySettlement settlement) override;
  absl::StatusOr<std::vector<DestinationProgress>> Progress(
      const std::vector<std::string>& destinations) override;
  absl::StatusOr<std::vector<DeadLetterRecord>> ListDeadLetters(
      const DeadLetterQuery& query) override;
  absl::StatusOr<size_t> ReplayDeadLetters(const DeadLetterSelection& selection) override;
  absl::StatusOr<size_t> DiscardDeadLetters(const DeadLetterSelection& selection) override;

 private:
  struct Request {
    std::vector<SourceWrite> writes;
    CommitCallback done;
    size_t weight = 0;  // events: what max_group_events bounds
  };

  // What a committed group changes in the shared state.
  struct GroupOutcome {
    uint64_t last_sequence = 0;  // 0 when the group inserted no event
    StoreStats delta;
    std::chrono::nanoseconds commit_time{0};
  };

  // The state of one group while it is written (one attempt).
  struct GroupWrite {
    std::string attempt_id;
    int64_t now_unix_ms = 0;
    int64_t next_seq = 0;                          // the next event's sequence
    std::map<std::string, StoredSource> stored;    // of the group's keys, stored before it
    std::map<std::string, NewSource> added;        // sorted: the version count reads a range
    GroupRows rows;
  };

  explicit PostgresEventStoreImpl(PostgresStoreOptions options) : options_(std::move(options)) {}

  void WriterLoop();
  void ListenerLoop();
  std::vector<Request> TakeGroup();
  // Writes `group`, reconnecting and retrying while the database is away (commit_retry_window).
  absl::Status WriteGroupRetrying(std::vector<Request>& group, std::vector<CommitResult>* results,
                                  GroupOutcome* outcome);
  absl::Status WriteGroup(std::vector<Request>& group, const std::string& attempt_id,
                          std::vector<CommitResult>* results, GroupOutcome* outcome);
  absl::Status LoadStoredSources(const std::vector<Request>& group, GroupWrite* write);
  absl::Status WriteRequest(Request& request, GroupWrite* group, CommitResult* result,
                            GroupOutcome* outcome);
  absl::Status WriteSource(SourceWrite& write, GroupWrite* group, SourceResult* result,
                           StoreStats* delta);
  absl::Status InsertGroupRows(const GroupWrite& group);
  absl::StatusOr<uint64_t> CountVersions(const std::string& resource_key,
                                         const GroupWrite& group);
  absl::Status ReadSourceEvents(const StoredSource& stored, SourceResult* result);
  // FAILED_PRECONDITION when `enrollment` contradicts one another replica stored.
  absl::Status CheckEnrollment(const EnrollmentRecord& enrollment);
  // Runs `body` in a transaction on the outbox connection.
  absl::StatusOr<size_t> RunOutboxWrite(
      const std::function<absl::StatusOr<size_t>(PGconn*, int64_t)>& body);
  void RaiseLastSequence(uint64_t sequence);
  void SetHealth(absl::Status status);
  // The listener's view: it notices the database going away without a write to fail.
  void SetListenerHealth(const absl::Status& status);
  int64_t NowUnixMs() const { return absl::ToUnixMillis(options_.clock->Now()); }

  const PostgresStoreOptions options_;

  PgConnPtr writer_conn_;  // the writer thread's

  std::mutex outbox_mu_;
  PgConnPtr outbox_conn_;  // guarded by outbox_mu_

  std::mutex lookup_mu_;
  PgConnPtr lookup_conn_;  // guarded by lookup_mu_; enrolment look-ups, connected at first use

  mutable std::mutex mu_;
  std::condition_variable work_cv_;      // the writer waits here for requests or stop
  std::condition_variable sequence_cv_;  // WaitForSequenceAbove waits here
  std::condition_variable stop_cv_;      // the listener sleeps here between reconnects
  std::deque<Request> queue_;            // guarded by mu_
  bool stopping_ = false;                // guarded by mu_
  bool writer_done_ = false;             // guarded by mu_
  uint64_t last_sequence_ = 0;           // guarded by mu_
  absl::Status health_;                  // guarded by mu_; the writer, while it retries a group
  absl::Status listener_health_;         // guarded by mu_; whether the database can be reached
  StoreStats stats_;                     // guarded by mu_

  std::thread writer_;
  std::thread listener_;
  // Declared last: destroyed first after the threads joined, it runs the callbacks still queued.
  OrderedRunner callbacks_;
};

absl::StatusOr<std::unique_ptr<PostgresEventStoreImpl>> PostgresEventStoreImpl::Open(
    PostgresStoreOptions options) {
  if (options.max_group_requests == 0 || options.max_group_events == 0) {
    return absl::InvalidArgumentError("max_group_requests and max_group_events must be positive");
  }
  if (options.commit_retry_window.count() < 0 || options.head_poll.count() <= 0 ||
      options.lease_idle_timeout.count() < 4) {
    return absl::InvalidArgumentError(
        "commit_retry_window must not be negative, head_poll and lease_idle_timeout positive");
  }
  RETURN_IF_ERROR(ValidateRoutes(options.outbox_routes));
  std::unique_ptr<PostgresEventStoreImpl> store(new PostgresEventStoreImpl(std::move(options)));
  ASSIGN_OR_RETURN(store->writer_conn_, PgConnect(store->options_.conninfo));
  RETURN_IF_ERROR(CreateOrCheckPostgresSchema(store->writer_conn_.get()));
  ASSIGN_OR_RETURN(PgResultPtr head, PgExec(store->writer_conn_.get(), kReadHeadSql, {},
                                            "cannot read the log's head"));
  store->last_sequence_ = static_cast<uint64_t>(PgInt(head.get(), 0, 0));
  ASSIGN_OR_RETURN(store->outbox_conn_, PgConnect(store->options_.conninfo));
  store->writer_ = std::thread(&PostgresEventStoreImpl::WriterLoop, store.get());
  store->listener_ = std::thread(&PostgresEventStoreImpl::ListenerLoop, store.get());
  return store;
}

PostgresEventStoreImpl::~PostgresEventStoreImpl() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_one();
  stop_cv_.notify_all();
  if (writer_.joinable()) writer_.join();  // the writer drains the queue first
  if (listener_.joinable()) listener_.join();
}

void PostgresEventStoreImpl::Commit(std::vector<SourceWrite> writes, CommitCallback done) {
  Request request;
  request.weight = CountEvents(writes);
  request.writes = std::move(writes);
  request.done = std::move(done);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!writer_done_) {
      queue_.push_back(std::move(request));
      work_cv_.notify_one();
      return;
    }
  }
  if (request.done) request.done(CommitResult{absl::UnavailableError("event store closing"), {}});
}

std::vector<PostgresEventStoreImpl::Request> PostgresEventStoreImpl::TakeGroup() {
  std::vector<Request> group;
  std::unique_lock<std::mutex> lock(mu_);
  work_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
  if (queue_.empty()) {
    writer_done_ = true;
    return group;
  }
  size_t events = 0;
  while (!queue_.empty() && group.size() < options_.max_group_requests) {
    const size_t next = queue_.front().weight;
    if (!group.empty() && events + next > options_.max_group_events) break;
    events += next;
    group.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return group;
}

void PostgresEventStoreImpl::WriterLoop() {
  for (;;) {
    std::vector<Request> group = TakeGroup();
    if (group.empty()) return;
    std::vector<CommitResult> results(group.size());
    GroupOutcome outcome;
    const absl::Status status = WriteGroupRetrying(group, &results, &outcome);
    if (!status.ok()) {
      for (CommitResult& result : results) result = CommitResult{status, {}};
    }
    // Publish before any callback runs, so a caller told "durable" also sees LastSequence().
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (status.ok()) {
        ++stats_.transactions;
        stats_.source_writes += outcome.delta.source_writes;
        stats_.duplicates += outcome.delta.duplicates;
        stats_.events_written += outcome.delta.events_written;
      }
      for (const CommitResult& result : results) {
        ++(result.status.ok() ? stats_.commits : stats_.failed_commits);
      }
    }
    RaiseLastSequence(outcome.last_sequence);
    if (status.ok() && options_.commit_observer != nullptr) {
      options_.commit_observer->GroupCommitted(group.size(), outcome.commit_time);
    }
    std::vector<CommitCallback> callbacks;
    callbacks.reserve(group.size());
    for (Request& request : group) callbacks.push_back(std::move(request.done));
    // On the callback thread, in request order, while this thread writes the next group.
    callbacks_.Post([callbacks = std::move(callbacks), results = std::move(results)]() mutable {
      for (size_t i = 0; i < callbacks.size(); ++i) {
        if (callbacks[i]) callbacks[i](std::move(results[i]));
      }
    });
    if (options_.after_group_for_testing) options_.after_group_for_testing();
  }
}

absl::Status PostgresEventStoreImpl::WriteGroupRetrying(std::vector<Request>& group,
                                                        std::vector<CommitResult>* results,
                                                        GroupOutcome* outcome) {
  // One attempt id for every try: a try after a COMMIT whose answer was lost finds the sources
  // that COMMIT stored under it and answers them as stored by this group.
  const std::string attempt_id = NewAttemptId();
  const auto deadline = std::chrono::steady_clock::now() + options_.commit_retry_window;
  std::chrono::milliseconds backoff(50);
  for (;;) {
    absl::Status status;
    if (PgConnectionLost(writer_conn_.get())) {
      absl::StatusOr<PgConnPtr> conn = PgConnect(options_.conninfo);
      if (conn.ok()) {
        writer_conn_ = *std::move(conn);
      } else {
        status = conn.status();
      }
    }
    if (status.ok()) {
      std::vector<CommitResult> attempt(group.size());
      GroupOutcome attempt_outcome;
      status = WriteGroup(group, attempt_id, &attempt, &attempt_outcome);
      if (status.ok()) {
        *results = std::move(attempt);
        *outcome = attempt_outcome;
        SetHealth(absl::OkStatus());
        return status;
      }
      // A failure that is not the database being away fails this group, not the store.
      if (!absl::IsUnavailable(status)) return status;
    }
    SetHealth(absl::UnavailableError(absl::StrCat("PostgreSQL is unavailable: ",
                                                  status.message())));
    if (std::chrono::steady_clock::now() + backoff > deadline) {
      // Given up on this group: whether the database is still away is the listener's to say
      // from now on, or a /readyz would stay "not ready" until a write that it keeps away.
      SetHealth(absl::OkStatus());
      return absl::UnavailableError(absl::StrCat(
          "the event store could not reach PostgreSQL within ",
          options_.commit_retry_window.count(), " ms; nothing of the request was acknowledged "
          "(resubmitting it is safe): ", status.message()));
    }
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
  }
}

absl::Status PostgresEventStoreImpl::WriteGroup(std::vector<Request>& group,
                                                const std::string& attempt_id,
                                                std::vector<CommitResult>* results,
                                                GroupOutcome* outcome) {
  PGconn* conn = writer_conn_.get();
  GroupWrite write;
  write.attempt_id = attempt_id;
  std::chrono::steady_clock::time_point commit_start;
  RETURN_IF_ERROR(PgInTransaction(conn, [&]() -> absl::Status {
    // The log's lock: held to COMMIT, so groups of every replica number their events in turn.
    ASSIGN_OR_RETURN(PgResultPtr head, PgExec(conn, kLockHeadSql, {}, "cannot lock the log"));
    const int64_t head_seq = PgInt(head.get(), 0, 0);
    write.next_seq = head_seq + 1;
    write.now_unix_ms = NowUnixMs();  // one time for the group: its rows became durable together
    RETURN_IF_ERROR(LoadStoredSources(group, &write));
    for (size_t i = 0; i < group.size(); ++i) {
      RETURN_IF_ERROR(WriteRequest(group[i], &write, &(*results)[i], outcome));
    }
    RETURN_IF_ERROR(InsertGroupRows(write));
    if (write.next_seq - 1 > head_seq) {
      const int64_t last = write.next_seq - 1;
      RETURN_IF_ERROR(
          PgExec(conn, kSetHeadSql, PgParams().Int(last), "cannot advance the log").status());
      RETURN_IF_ERROR(PgExec(conn, kNotifySql, PgParams().Int(last),
                             "cannot notify the other replicas").status());
    }
    commit_start = std::chrono::steady_clock::now();
    return absl::OkStatus();
  }));
  outcome->commit_time = std::chrono::steady_clock::now() - commit_start;
  return absl::OkStatus();
}

absl::Status PostgresEventStoreImpl::LoadStoredSources(const std::vector<Request>& group,
                                                       GroupWrite* write) {
  std::vector<std::string> keys;
  for (const Request& request : group) {
    for (const SourceWrite& source : request.writes) keys.push_back(source.source_key);
  }
  if (keys.empty()) return absl::OkStatus();
  // Under the log's lock this is authoritative: no other replica can store a key until COMMIT.
  ASSIGN_OR_RETURN(PgResultPtr rows, PgExec(writer_conn_.get(), kSelectSourcesSql,
                                            PgParams().TextArray(keys),
                                            "cannot look up the group's sources"));
  for (int row = 0; row < PQntuples(rows.get()); ++row) {
    StoredSource& stored = write->stored[PgText(rows.get(), row, 0)];
    stored.first_seq = static_cast<uint64_t>(PgInt(rows.get(), row, 1));
    stored.event_count = static_cast<uint64_t>(PgInt(rows.get(), row, 2));
    stored.attempt_id = PgText(rows.get(), row, 3);
    stored.digest = PgText(rows.get(), row, 4);
    stored.version = static_cast<uint64_t>(PgInt(rows.get(), row, 5));
    stored.stored_at_ms = PgInt(rows.get(), row, 6);
  }
  return absl::OkStatus();
}

absl::Status PostgresEventStoreImpl::WriteRequest(Request& request, GroupWrite* group,
                                                  CommitResult* result, GroupOutcome* outcome) {
  result->status = ValidateRequest(request.writes);
  if (!result->status.ok()) return absl::OkStatus();
  // A request that fails of its own making is cut off the group's rows and forgotten.
  const GroupRows::Mark mark = group->rows.Size();
  const int64_t next_seq = group->next_seq;
  std::vector<std::string> added;
  StoreStats delta;
  result->results.resize(request.writes.size());
  absl::Status status;
  for (size_t j = 0; j < request.writes.size() && status.ok(); ++j) {
    const bool known = group->added.count(request.writes[j].source_key) != 0;
    status = WriteSource(request.writes[j], group, &result->results[j], &delta);
    if (status.ok() && !known && group->added.count(request.writes[j].source_key) != 0) {
      added.push_back(request.writes[j].source_key);
    }
  }
  if (!status.ok()) {
    if (!IsRequestLocal(status)) return status;
    group->rows.Truncate(mark);
    group->next_seq = next_seq;
    for (const std::string& key : added) group->added.erase(key);
    result->status = status;
    result->results.clear();
    return absl::OkStatus();
  }
  outcome->delta.source_writes += delta.source_writes;
  outcome->delta.duplicates += delta.duplicates;
  outcome->delta.events_written += delta.events_written;
  for (const SourceResult& source : result->results) {
    for (const uint64_t sequence : source.sequences) {
      if (!source.duplicate) outcome->last_sequence = std::max(outcome->last_sequence, sequence);
    }
  }
  return absl::OkStatus();
}

absl::Status PostgresEventStoreImpl::WriteSource(SourceWrite& write, GroupWrite* group,
                                                 SourceResult* result, StoreStats* delta) {
  if (write.expected_version.has_value()) {
    ASSIGN_OR_RETURN(const uint64_t stored_versions, CountVersions(write.resource_key, *group));
    if (stored_versions != *write.expected_version) {
      return absl::FailedPreconditionError(absl::StrCat(
          "version conflict: the resource is at version ", stored_versions,
          ", the request expected version ", *write.expected_version));
    }
  }
  auto mismatched_digest = [&write](const std::string& stored_digest) {
    return !write.digest.empty() && stored_digest != write.digest;
  };
  auto digest_error = [&write] {
    return absl::AlreadyExistsError(absl::StrCat(
        "a message with different content was already committed as ", write.source_key));
  };
  if (auto stored = group->stored.find(write.source_key); stored != group->stored.end()) {
    const bool same_attempt = stored->second.attempt_id == group->attempt_id;
    if (!same_attempt && mismatched_digest(stored->second.digest)) return digest_error();
    RETURN_IF_ERROR(ReadSourceEvents(stored->second, result));
    if (write.number_version) {
      result->version = stored->second.version;
      result->stored_at_unix_ms = stored->second.stored_at_ms;
    }
    // Stored by an earlier try of this very group, whose COMMIT's answer was lost: this group's.
    result->duplicate = !same_attempt;
    ++(same_attempt ? delta->source_writes : delta->duplicates);
    return absl::OkStatus();
  }
  if (auto added = group->added.find(write.source_key); added != group->added.end()) {
    if (mismatched_digest(added->second.digest)) return digest_error();
    *result = added->second.result;
    if (!write.number_version) {
      result->version = 0;
      result->stored_at_unix_ms = 0;
    }
    result->duplicate = true;
    ++delta->duplicates;
    return absl::OkStatus();
  }
  ++delta->source_writes;

  std::string payload;
  const int64_t first_seq = write.events.empty() ? 0 : group->next_seq;
  for (v1::Event& event : write.events) {
    event.clear_sequence();  // the row's key is the sequence
    if (!event.SerializeToString(&payload)) {
      return absl::InvalidArgumentError(
          absl::StrCat("event ", event.event_id(), " cannot be serialized"));
    }
    const int64_t sequence = group->next_seq++;
    group->rows.events.push_back({sequence, event.event_id(), event.subject_id(), payload});
    result->event_ids.push_back(event.event_id());
    result->sequences.push_back(static_cast<uint64_t>(sequence));
    ++delta->events_written;
    // With no routes the loop is empty: the commit path pays nothing for forwarding.
    if (!options_.outbox_routes.empty()) event.set_sequence(sequence);  // routes see it whole
    for (const OutboxRoute& route : options_.outbox_routes) {
      if (route.accepts(event)) group->rows.outbox.push_back({route.destination, sequence});
    }
  }
  NewSource& added = group->added[write.source_key];
  added.digest = write.digest;
  if (write.number_version) {
    // Counted with this source, as SQLite counts after inserting its row.
    ASSIGN_OR_RETURN(result->version, CountVersions(write.resource_key, *group));
    result->stored_at_unix_ms = group->now_unix_ms;
  }
  added.result = *result;
  std::optional<uint64_t> version;
  if (write.number_version) version = result->version;
  group->rows.sources.push_back({write.source_key, first_seq,
                                 static_cast<int64_t>(write.events.size()), write.digest, version,
                                 group->now_unix_ms});
  for (const EnrollmentRecord& enrollment : write.enrollments) {
    RETURN_IF_ERROR(CheckEnrollment(enrollment));
    group->rows.enrollments.emplace_back(enrollment, group->next_seq - 1);
  }
  return absl::OkStatus();
}

absl::Status PostgresEventStoreImpl::CheckEnrollment(const EnrollmentRecord& enrollment) {
  PGconn* conn = writer_conn_.get();
  ASSIGN_OR_RETURN(PgResultPtr patient,
                   PgExec(conn, kSubjectOfPatientSql,
                          PgParams().Text(enrollment.site_id).Text(enrollment.patient_key_hmac),
                          "cannot look up a patient's enrolment"));
  if (PQntuples(patient.get()) == 1 && PgText(patient.get(), 0, 0) != enrollment.subject_id) {
    return absl::FailedPreconditionError(absl::StrCat(
        "this patient is already enrolled at site ", enrollment.site_id, " as study subject ",
        PgText(patient.get(), 0, 0), ", not ", enrollment.subject_id));
  }
  ASSIGN_OR_RETURN(PgResultPtr elsewhere,
                   PgExec(conn, kSubjectAtAnotherSiteSql,
                          PgParams().Text(enrollment.subject_id).Text(enrollment.site_id),
                          "cannot look up a subject's site"));
  if (PQntuples(elsewhere.get()) != 0) {
    // The other site is not named, as the registry does not.
    return absl::FailedPreconditionError(absl::StrCat(
        "study subject ", enrollment.subject_id, " is already enrolled at another site"));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> PostgresEventStoreImpl::CountVersions(const std::string& resource_key,
                                                               const GroupWrite& group) {
  ASSIGN_OR_RETURN(PgResultPtr count,
                   PgExec(writer_conn_.get(), kCountVersionsSql, PgParams().Text(resource_key),
                          "cannot count a resource's versions"));
  uint64_t versions = static_cast<uint64_t>(PgInt(count.get(), 0, 0));
  // And those of this group, not yet inserted: the same key range.
  for (auto it = group.added.upper_bound(resource_key);
       it != group.added.end() && it->first.compare(0, resource_key.size(), resource_key) == 0;
       ++it) {
    if (it->first.size() > resource_key.size() &&
        static_cast<unsigned char>(it->first[resource_key.size()]) < 127) {
      ++versions;
    }
  }
  return versions;
}

absl::Status PostgresEventStoreImpl::ReadSourceEvents(const StoredSource& stored,
                                                      SourceResult* result) {
  if (stored.event_count == 0) return absl::OkStatus();
  ASSIGN_OR_RETURN(PgResultPtr rows,
                   PgExec(writer_conn_.get(), kSelectSourceEventsSql,
                          PgParams()
                              .Int(PgBigint(stored.first_seq))
                              .Int(PgBigint(stored.event_count)),
                          "cannot read the stored events of a source"));
  for (int row = 0; row < PQntuples(rows.get()); ++row) {
    result->event_ids.push_back(PgText(rows.get(), row, 0));
    result->sequences.push_back(static_cast<uint64_t>(PgInt(rows.get(), row, 1)));
  }
  return absl::OkStatus();
}

absl::Status PostgresEventStoreImpl::InsertGroupRows(const GroupWrite& group) {
  PGconn* conn = writer_conn_.get();
  const GroupRows& rows = group.rows;
  RETURN_IF_ERROR(InsertRows(
      conn, kInsertEventsSql, 4, "", rows.events.size(),
      [&rows](size_t i, PgParams& params) {
        const EventRow& row = rows.events[i];
        params.Int(row.seq).Text(row.event_id);
        if (row.subject_id.empty()) {
          params.Null();
        } else {
          params.Text(row.subject_id);
        }
        params.Bytes(row.payload);
      },
      "cannot insert events"));
  RETURN_IF_ERROR(InsertRows(
      conn, kInsertSourcesSql, 7, "", rows.sources.size(),
      [&rows, &group](size_t i, PgParams& params) {
        const SourceRow& row = rows.sources[i];
        params.Text(row.key).Int(row.first_seq).Int(row.event_count).Text(group.attempt_id);
        if (row.digest.empty()) {
          params.Null();
        } else {
          params.Text(row.digest);
        }
        if (row.version.has_value()) {
          params.Int(PgBigint(*row.version)).Int(row.stored_at_ms);
        } else {
          params.Null().Null();
        }
      },
      "cannot record sources"));
  RETURN_IF_ERROR(InsertRows(
      conn, kInsertOutboxSql, 3, "", rows.outbox.size(),
      [&rows, &group](size_t i, PgParams& params) {
        params.Text(rows.outbox[i].destination).Int(rows.outbox[i].seq).Int(group.now_unix_ms);
      },
      "cannot enqueue events for forwarding"));
  // One row per enrolment key (the last write wins, as a sequence of upserts would leave it):
  // an INSERT cannot change one row twice.
  std::map<std::pair<std::string, std::string>, const std::pair<EnrollmentRecord, int64_t>*>
      enrollments;
  for (const auto& enrollment : rows.enrollments) {
    enrollments[{enrollment.first.site_id, enrollment.first.patient_key_hmac}] = &enrollment;
  }
  std::vector<const std::pair<EnrollmentRecord, int64_t>*> upserts;
  for (const auto& [key, enrollment] : enrollments) upserts.push_back(enrollment);
  RETURN_IF_ERROR(InsertRows(
      conn, kUpsertEnrollmentsSql, 6, kUpsertEnrollmentsConflictSql, upserts.size(),
      [&upserts](size_t i, PgParams& params) {
        const EnrollmentRecord& record = upserts[i]->first;
        params.Text(record.site_id)
            .Text(record.patient_key_hmac)
            .Text(record.subject_id)
            .Text(record.status)
            .Text(record.enrolled_on)
            .Int(upserts[i]->second);
      },
      "cannot upsert enrolments"));
  std::vector<std::string> subjects;
  for (const EventRow& row : rows.events) {
    if (!row.subject_id.empty()) subjects.push_back(row.subject_id);
  }
  std::sort(subjects.begin(), subjects.end());
  subjects.erase(std::unique(subjects.begin(), subjects.end()), subjects.end());
  return InsertRows(
      conn, kInsertSubjectsSql, 1, kInsertSubjectsConflictSql, subjects.size(),
      [&subjects](size_t i, PgParams& params) { params.Text(subjects[i]); },
      "cannot record subjects");
}

void PostgresEventStoreImpl::ListenerLoop() {
  PgConnPtr conn;
  auto next_poll = std::chrono::steady_clock::now();
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    if (PgConnectionLost(conn.get())) {
      absl::StatusOr<PgConnPtr> connected = PgConnect(options_.conninfo);
      absl::Status status = connected.status();
      if (status.ok()) status = PgExecCommand(connected->get(), kListenSql, "cannot listen");
      SetListenerHealth(status);
      if (status.ok()) {
        conn = *std::move(connected);
        next_poll = std::chrono::steady_clock::now();  // what was missed while away
      } else {
        conn.reset();
        std::unique_lock<std::mutex> lock(mu_);
        stop_cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stopping_; });
        continue;
      }
    }
    if (std::chrono::steady_clock::now() >= next_poll) {
      absl::StatusOr<PgResultPtr> head = PgExec(conn.get(), kReadHeadSql, {}, "head");
      if (head.ok()) RaiseLastSequence(static_cast<uint64_t>(PgInt(head->get(), 0, 0)));
      next_poll = std::chrono::steady_clock::now() + options_.head_poll;
    }
    // Short waits: the loop sees stop requests and the poll time without another wake-up path.
    pollfd wait{PQsocket(conn.get()), POLLIN, 0};
    if (poll(&wait, 1, 100) > 0 && PQconsumeInput(conn.get()) == 0) continue;  // lost: reconnect
    while (PGnotify* notify = PQnotifies(conn.get())) {
      uint64_t sequence = 0;
      if (absl::SimpleAtoi(notify->extra, &sequence)) RaiseLastSequence(sequence);
      PQfreemem(notify);
    }
  }
}

void PostgresEventStoreImpl::RaiseLastSequence(uint64_t sequence) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (sequence <= last_sequence_) return;
    last_sequence_ = sequence;
  }
  sequence_cv_.notify_all();
}

void PostgresEventStoreImpl::SetHealth(absl::Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  health_ = std::move(status);
}

void PostgresEventStoreImpl::SetListenerHealth(const absl::Status& status) {
  std::lock_guard<std::mutex> lock(mu_);
  listener_health_ = status.ok() ? absl::OkStatus()
                                 : absl::UnavailableError(absl::StrCat(
                                       "PostgreSQL is unavailable: ", status.message()));
}

absl::StatusOr<std::unique_ptr<EventReader>> PostgresEventStoreImpl::OpenReader() {
  ASSIGN_OR_RETURN(PgConnPtr conn, PgConnect(options_.conninfo));
  return NewPostgresEventReader(std::move(conn));
}

uint64_t PostgresEventStoreImpl::LastSequence() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_sequence_;
}

bool PostgresEventStoreImpl::WaitForSequenceAbove(uint64_t sequence,
                                                  std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return sequence_cv_.wait_for(lock, timeout, [&] { return last_sequence_ > sequence; });
}

absl::StatusOr<std::vector<EnrollmentRecord>> PostgresEventStoreImpl::LoadEnrollments() {
  ASSIGN_OR_RETURN(PgConnPtr conn, PgConnect(options_.conninfo));
  ASSIGN_OR_RETURN(PgResultPtr rows,
                   PgExec(conn.get(), kSelectEnrollmentsSql, {}, "cannot read enrolments"));
  std::vector<EnrollmentRecord> enrollments;
  for (int row = 0; row < PQntuples(rows.get()); ++row) {
    enrollments.push_back(EnrollmentRecord{PgText(rows.get(), row, 0), PgText(rows.get(), row, 1),
                                           PgText(rows.get(), row, 2), PgText(rows.get(), row, 3),
                                           PgText(rows.get(), row, 4)});
  }
  return enrollments;
}

absl::StatusOr<EnrollmentChanges> PostgresEventStoreImpl::LoadEnrollmentChanges(uint64_t mark) {
  std::lock_guard<std::mutex> lock(lookup_mu_);
  if (PgConnectionLost(lookup_conn_.get())) {
    ASSIGN_OR_RETURN(lookup_conn_, PgConnect(options_.conninfo));
  }
  ASSIGN_OR_RETURN(PgResultPtr rows,
                   PgExec(lookup_conn_.get(), kSelectEnrollmentChangesSql,
                          PgParams().Int(PgBigint(mark)), "cannot read enrolment changes"));
  EnrollmentChanges changes;
  changes.mark = mark;
  for (int row = 0; row < PQntuples(rows.get()); ++row) {
    changes.records.push_back(EnrollmentRecord{
        PgText(rows.get(), row, 0), PgText(rows.get(), row, 1), PgText(rows.get(), row, 2),
        PgText(rows.get(), row, 3), PgText(rows.get(), row, 4)});
    changes.mark = std::max(changes.mark, static_cast<uint64_t>(PgInt(rows.get(), row, 5)));
  }
  return changes;
}

StoreStats PostgresEventStoreImpl::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  StoreStats stats = stats_;
  stats.queued_requests = queue_.size();
  return stats;
}

absl::Status PostgresEventStoreImpl::Health() const {
  std::lock_guard<std::mutex> lock(mu_);
  return health_.ok() ? listener_health_ : health_;
}

absl::StatusOr<std::unique_ptr<OutboxReader>> PostgresEventStoreImpl::OpenOutboxReader() {
  ASSIGN_OR_RETURN(PgConnPtr conn, PgConnect(options_.conninfo));
  return NewPostgresOutboxReader(std::move(conn));
}

absl::StatusOr<size_t> PostgresEventStoreImpl::RunOutboxWrite(
    const std::function<absl::StatusOr<size_t>(PGconn*, int64_t)>& body) {
  std::lock_guard<std::mutex> lock(outbox_mu_);
  if (PgConnectionLost(outbox_conn_.get())) {
    ASSIGN_OR_RETURN(outbox_conn_, PgConnect(options_.conninfo));
  }
  size_t changed = 0;
  RETURN_IF_ERROR(PgInTransaction(outbox_conn_.get(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(changed, body(outbox_conn_.get(), NowUnixMs()));
    return absl::OkStatus();
  }));
  return changed;
}

absl::Status PostgresEventStoreImpl::Settle(DeliverySettlement settlement) {
  RETURN_IF_ERROR(ValidateSettlement(settlement));
  return RunOutboxWrite([&settlement](PGconn* conn, int64_t now) {
           return PgSettle(conn, settlement, now);
         })
      .status();
}

absl::StatusOr<size_t> PostgresEventStoreImpl::ReplayDeadLetters(
    const DeadLetterSelection& selection) {
  RETURN_IF_ERROR(ValidateSelection(selection));
  return RunOutboxWrite(
      [&selection](PGconn* conn, int64_t now) { return PgReplay(conn, selection, now); });
}

absl::StatusOr<size_t> PostgresEventStoreImpl::DiscardDeadLetters(
    const DeadLetterSelection& selection) {
  RETURN_IF_ERROR(ValidateSelection(selection));
  return RunOutboxWrite(
      [&selection](PGconn* conn, int64_t now) { return PgDiscard(conn, selection, now); });
}

// Operator and metrics calls, not a hot path: a connection each keeps them thread-safe.
absl::StatusOr<std::vector<DestinationProgress>> PostgresEventStoreImpl::Progress(
    const std::vector<std::string>& destinations) {
  ASSIGN_OR_RETURN(PgConnPtr conn, PgConnect(options_.conninfo));
  return PgReadProgress(conn.get(), destinations);
}

absl::StatusOr<std::vector<DeadLetterRecord>> PostgresEventStoreImpl::ListDeadLetters(
    const DeadLetterQuery& query) {
  ASSIGN_OR_RETURN(PgConnPtr conn, PgConnect(options_.conninfo));
  return PgReadDeadLetters(conn.get(), query);
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresEventStore>> OpenPostgresEventStore(
    PostgresStoreOptions options) {
  ASSIGN_OR_RETURN(std::unique_ptr<PostgresEventStoreImpl> store,
                   PostgresEventStoreImpl::Open(std::move(options)));
  return std::unique_ptr<PostgresEventStore>(std::move(store));
}

}  // namespace trialgate::store
