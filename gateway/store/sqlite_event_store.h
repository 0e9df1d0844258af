#ifndef TRIALGATE_GATEWAY_STORE_SQLITE_EVENT_STORE_H_
#define TRIALGATE_GATEWAY_STORE_SQLITE_EVENT_STORE_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gateway/common/clock.h"
#include "gateway/store/commit_observer.h"
#include "gateway/store/event_store.h"
#include "gateway/store/gateway_store.h"
#include "gateway/store/outbox.h"

namespace trialgate::store {

struct SqliteStoreOptions {
  // Most Commit() requests one transaction takes. Larger groups share one fsync among more
  // requests; the bound keeps any one request from waiting behind an unbounded group.
  size_t max_group_requests = 1000;
  // Most events one transaction takes. A single request with more events still goes, alone.
  size_t max_group_events = 10000;
  // How long a statement waits for a lock held by another connection (e.g. an operator's sqlite3
  // shell) before the attempt fails. A failed write attempt marks the store failed.
  std::chrono::milliseconds busy_timeout{5000};
  // The destinations committed events are forwarded to: each new event gets one outbox row per
  // route that accepts it, in the event's own transaction. Names must be unique and non-empty.
  // None (the default) costs the commit path nothing.
  std::vector<OutboxRoute> outbox_routes;
  // The outbox's times (enqueued, dead-lettered, discarded), in Unix milliseconds; read once per
  // group transaction. Never null; must outlive the store. Tests pass a ManualClock.
  const Clock* clock = &SystemClock();
  // Told of each committed group (its size, its COMMIT's time), for metrics. Null: nobody.
  // Must outlive the store.
  CommitObserver* commit_observer = nullptr;
  // Test seam for the failure path: when set, called on the writer thread inside each group's
  // transaction just before COMMIT. A non-OK status is handled exactly like a failed COMMIT
  // (rollback, every request of the group fails, the store becomes failed). Unset in production.
  std::function<absl::Status()> before_commit_for_testing;
  // Test seam for grouping: when set, called on the writer thread after each group has been
  // written (and its callbacks handed on), before the next group is taken. A test blocks in it to
  // make requests queue up into one group. Unset in production.
  std::function<void()> after_group_for_testing;
};

// The embedded EventStore: one SQLite database file in WAL mode with synchronous=FULL.
//
// One writer thread owns the write connection. Commit() only enqueues; the writer takes what is
// queued (bounded by the options), writes it in ONE transaction, so concurrent requests share one
// fsync, and after COMMIT returned hands the callbacks, in request order, to a callback thread
// (answering callers overlaps with writing the next group). Each request is written
// inside its own savepoint: a problem with one request's own data (an empty source_key or
// event_id, an event that cannot be serialized) fails that request alone with INVALID_ARGUMENT;
// the rest of the group commits. Event ids are not checked for uniqueness here: the caller
// derives them from the source key, which is unique. Any other
// failure (I/O, disk full, lock timeout, a failed COMMIT) rolls the whole group back, fails every
// request of the group with the SQLite message, and marks the store failed: from then on every
// Commit() fails fast with UNAVAILABLE until the store is reopened. Nothing not durable is ever
// acknowledged, and nothing is half-written.
//
// A source_key is recorded even when its SourceWrite has no events (sources table), so the
// resubmission of a resource that mapped to nothing is still reported as a duplicate.
//
// It is also the Outbox (outbox.h) of the destinations in the options. Settle, ReplayDeadLetters
// and DiscardDeadLetters are writes like Commit(): queued to the same writer, written inside a
// savepoint of their own in a group transaction that may hold commits too, and answered once
// durable; on a failed store they fail with UNAVAILABLE. The caller blocks meanwhile, so they
// must not be called from a route's `accepts` (the writer thread). Reads of the outbox use
// read-only connections, never the writer's.
//
// Destroying the store writes everything already queued, runs its callbacks, then closes.
// REQUIRES: no Commit() or outbox write races with or follows the destructor. Thread-safe
// otherwise.
class SqliteEventStore : public GatewayStore {};

// Opens (creating if absent) the database at `path` and starts the writer thread.
// Fails with FAILED_PRECONDITION when WAL or synchronous=FULL cannot be set (e.g. ":memory:")
// or when the file's schema is newer than this build, UNAVAILABLE when the file cannot be opened,
// INVALID_ARGUMENT for bad options (including a route without a name or an `accepts`, or two
// routes with one name). An existing database of an older schema is upgraded in place.
absl::StatusOr<std::unique_ptr<SqliteEventStore>> OpenSqliteEventStore(
    const std::string& path, SqliteStoreOptions options = {});

}  // namespace trialgate::store

#endif  // TRIALGATE_GATEWAY_STORE_SQLITE_EVENT_STORE_H_
