#include "gateway/store/postgres_event_store.h"

#include <poll.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gateway/common/status_macros.h"
#include "gateway/store/ordered_runner.h"
#include "gateway/store/postgres_event_reader.h"
#include "gateway/store/postgres_group_writer.h"
#include "gateway/store/postgres_lease.h"
#include "gateway/store/postgres_outbox.h"
#include "gateway/store/postgres_schema.h"
#include "gateway/store/postgres_util.h"
#include "gateway/store/request_queue.h"
#include "gateway/store/write_checks.h"

namespace trialgate::store {
namespace {

// How long the writer waits for a group to fill as the last one did (RequestQueue::TakeGroup).
constexpr std::chrono::microseconds kGroupLinger(500);
// After a group that was tried as all new and held a stored source, this many are written by
// the look-up path (one more round trip each) before the next is tried as new again.
constexpr int kGroupsToLookUpAfterAFallBack = 16;

// Every SQL text below is a constant (row placeholders aside); data only ever travels through
// bound parameters.
constexpr char kReadHeadSql[] = "SELECT last_seq FROM log_head WHERE id = 1";
constexpr char kListenSql[] = "LISTEN tg_log";
// >=: an enrolment written by a group without events gets the counter the last group left, which
// the mark may already be; reading a row twice is harmless.
constexpr char kSelectEnrollmentChangesSql[] =
    "SELECT site_id, patient_key_hmac, subject_id, status, enrolled_on, changed_seq "
    "FROM enrollments WHERE changed_seq >= $1 ORDER BY changed_seq";
constexpr char kSelectEnrollmentsSql[] =
    "SELECT site_id, patient_key_hmac, subject_id, status, enrolled_on FROM enrollments "
    "ORDER BY site_id, patient_key_hmac";

std::string NewAttemptId() {
  thread_local absl::BitGen random;
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(random),
                         absl::Uniform<uint64_t>(random));
}

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
  absl::StatusOr<std::unique_ptr<Lease>> TryLockSubject(const std::string& subject_id) override {
    return subject_locks_.TryLock(subject_id);
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

  using GroupOutcome = PgGroupOutcome;

  explicit PostgresEventStoreImpl(PostgresStoreOptions options)
      : options_(std::move(options)),
        queue_(options_.max_group_requests, options_.max_group_events, kGroupLinger),
        subject_locks_(options_.conninfo) {}

  void WriterLoop();
  void ListenerLoop();
  // Writes `group`, reconnecting and retrying while the database is away (commit_retry_window).
  absl::Status WriteGroupRetrying(std::vector<Request>& group, std::vector<CommitResult>* results,
                                  GroupOutcome* outcome);
  // Runs `body` in a transaction on the outbox connection.
  absl::StatusOr<size_t> RunOutboxWrite(
      const std::function<absl::StatusOr<size_t>(PGconn*, int64_t)>& body);
  void RaiseLastSequence(uint64_t sequence);
  void SetHealth(absl::Status status);
  // The listener's view: it notices the database going away without a write to fail.
  void SetListenerHealth(const absl::Status& status);
  int64_t NowUnixMs() const { return absl::ToUnixMillis(options_.clock->Now()); }

  const PostgresStoreOptions options_;
  RequestQueue<Request> queue_;

  PgConnPtr writer_conn_;  // the writer thread's
  absl::flat_hash_set<std::string> known_subjects_;  // the writer thread's: recorded already
  // The writer thread's: groups still to be written by the look-up path before one is tried as
  // all new again (a feed sent twice would otherwise pay a failed round trip per group).
  int groups_to_look_up_ = 0;

  std::mutex outbox_mu_;
  PgConnPtr outbox_conn_;  // guarded by outbox_mu_

  PostgresSubjectLocks subject_locks_;

  std::mutex lookup_mu_;
  PgConnPtr lookup_conn_;  // guarded by lookup_mu_; enrolment look-ups, connected at first use

  mutable std::mutex mu_;
  std::condition_variable sequence_cv_;  // WaitForSequenceAbove waits here
  std::condition_variable stop_cv_;      // the listener sleeps here between reconnects
  bool stopping_ = false;                // guarded by mu_; the listener's
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
  queue_.Stop();
  if (writer_.joinable()) writer_.join();  // the writer drains the queue first
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (listener_.joinable()) listener_.join();
}

void PostgresEventStoreImpl::Commit(std::vector<SourceWrite> writes, CommitCallback done) {
  Request request;
  request.weight = CountEvents(writes);
  request.writes = std::move(writes);
  request.done = std::move(done);
  if (queue_.TryPush(request)) return;
  if (request.done) request.done(CommitResult{absl::UnavailableError("event store closing"), {}});
}

void PostgresEventStoreImpl::WriterLoop() {
  for (;;) {
    std::vector<Request> group = queue_.TakeGroup();
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
        stats_.AddWrites(outcome.delta);
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
    AnswerInOrder(callbacks_, std::move(callbacks), std::move(results));
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
      std::vector<std::vector<SourceWrite>*> requests;
      for (Request& request : group) requests.push_back(&request.writes);
      status = WritePostgresGroup(writer_conn_.get(), attempt_id, *options_.clock,
                                  options_.outbox_routes, known_subjects_, requests, &attempt,
                                  &attempt_outcome, /*try_as_new=*/groups_to_look_up_ == 0);
      if (attempt_outcome.fell_back) {
        groups_to_look_up_ = kGroupsToLookUpAfterAFallBack;
      } else if (groups_to_look_up_ > 0) {
        --groups_to_look_up_;
      }
      if (status.ok()) {
        // Recorded now (durable): later groups need not write their rows again.
        for (std::string& subject : attempt_outcome.new_subjects) {
          known_subjects_.insert(std::move(subject));
        }
        *results = std::move(attempt);
        *outcome = attempt_outcome;
        SetHealth(absl::OkStatus());
        return status;
      }
      // A failure that is not the database being away fails this group, not the store.
      if (!absl::IsUnavailable(status)) return status;
      writer_conn_.reset();  // libpq may not know yet that it is gone
    }
    SetHealth(absl::UnavailableError(absl::StrCat("PostgreSQL is unavailable: ",
                                                  status.message())));
    // Shutting down with the database away: the queued requests are answered now rather than
    // each after a window of its own (nothing of them was acknowledged; resubmitting is safe).
    if (queue_.stopping()) {
      return absl::UnavailableError(absl::StrCat(
          "the event store is closing and cannot reach PostgreSQL; nothing of the request was "
          "acknowledged (resubmitting it is safe): ", status.message()));
    }
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
      if (head.ok()) {
        RaiseLastSequence(static_cast<uint64_t>(PgInt(head->get(), 0, 0)));
      } else if (absl::IsUnavailable(head.status())) {
        conn.reset();  // connect again at the top of the loop
        continue;
      }
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
  return NewPostgresEventReader(std::move(conn), options_.conninfo);
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
  ASSIGN_OR_RETURN(PgResultPtr rows,
                   PgExecReconnecting(&lookup_conn_, options_.conninfo,
                                      kSelectEnrollmentChangesSql, PgParams().Int(PgBigint(mark)),
                                      "cannot read enrolment changes"));
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
  stats.queued_requests = queue_.size();  // the queue's own lock, inside mu_: never the reverse
  return stats;
}

absl::Status PostgresEventStoreImpl::Health() const {
  std::lock_guard<std::mutex> lock(mu_);
  return health_.ok() ? listener_health_ : health_;
}

absl::StatusOr<std::unique_ptr<OutboxReader>> PostgresEventStoreImpl::OpenOutboxReader() {
  ASSIGN_OR_RETURN(PgConnPtr conn, PgConnect(options_.conninfo));
  return NewPostgresOutboxReader(std::move(conn), options_.conninfo);
}

absl::StatusOr<size_t> PostgresEventStoreImpl::RunOutboxWrite(
    const std::function<absl::StatusOr<size_t>(PGconn*, int64_t)>& body) {
  std::lock_guard<std::mutex> lock(outbox_mu_);
  if (PgConnectionLost(outbox_conn_.get())) {
    ASSIGN_OR_RETURN(outbox_conn_, PgConnect(options_.conninfo));
  }
  size_t changed = 0;
  const absl::Status status = PgInTransaction(outbox_conn_.get(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(changed, body(outbox_conn_.get(), NowUnixMs()));
    return absl::OkStatus();
  });
  if (absl::IsUnavailable(status)) outbox_conn_.reset();  // the next write connects again
  if (!status.ok()) return status;
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
