#ifndef TRIALGATE_GATEWAY_STORE_POSTGRES_EVENT_STORE_H_
#define TRIALGATE_GATEWAY_STORE_POSTGRES_EVENT_STORE_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/common/clock.h"
#include "gateway/store/commit_observer.h"
#include "gateway/store/gateway_store.h"
#include "gateway/store/outbox.h"

namespace trialgate::store {

struct PostgresStoreOptions {
  // libpq's connection string: a postgresql:// URI or key=value pairs.
  std::string conninfo;
  // As SqliteStoreOptions: the bounds of one group transaction.
  size_t max_group_requests = 1000;
  size_t max_group_events = 10000;
  // How long a group is retried (reconnecting) while the database is away before its requests
  // fail with UNAVAILABLE. A retry of a group whose COMMIT was sent but not answered returns what
  // that COMMIT stored, never "duplicate".
  std::chrono::milliseconds commit_retry_window{30000};
  // How often the log's head is read besides the notifications of other replicas' commits: a
  // lost notification delays a follower by at most this.
  std::chrono::milliseconds head_poll{1000};
  // A destination's lease is lost this long after its holder fell silent (died, froze, lost
  // the network): PostgreSQL ends the silent session and another replica takes the lease.
  std::chrono::milliseconds lease_idle_timeout{10000};
  std::vector<OutboxRoute> outbox_routes;
  const Clock* clock = &SystemClock();
  CommitObserver* commit_observer = nullptr;
  // Test seam for grouping, as SqliteStoreOptions::after_group_for_testing.
  std::function<void()> after_group_for_testing;
};

// The EventStore and Outbox on a PostgreSQL database that several gateway replicas share
// (docs/storage.md, "PostgreSQL").
//
// Per replica it works like SqliteEventStore: Commit() queues, one writer thread takes a group
// and writes it in one transaction, callbacks run in request order on a callback thread. Across
// replicas the log's order is the order of commits: a group locks the log's head row first and
// numbers its events from it, so readers anywhere see the log as a gap-free prefix. Whether a
// source is new is decided under that lock too, so the same resource sent to two replicas at
// once is stored once and answered once as a duplicate. A request's own problems (empty keys, a
// reused message id with other content, a version conflict) are found before anything is
// written and fail that request alone.
//
// The database going away is not fatal: the writer reconnects and retries the group (with the
// same attempt id, so a COMMIT whose answer was lost is recognised) for commit_retry_window, then
// fails it with UNAVAILABLE (at once when the store is being destroyed, so that a shutdown with
// the database away does not wait a window per queued group). Health() is UNAVAILABLE while the
// database cannot be reached: the listener notices without a write (its connection drops, or a
// reconnect fails). LastSequence() follows commits of every replica (LISTEN/NOTIFY, and a poll
// of the head every head_poll).
//
// Outbox writes run in transactions of their own on a connection of their own. A destination's
// lease is a session advisory lock on a connection of its own, with a heartbeat.
class PostgresEventStore : public GatewayStore {};

// Connects, creates or upgrades the schema, and starts the writer and the listener. UNAVAILABLE
// when the database cannot be reached; FAILED_PRECONDITION for a schema newer than this build;
// INVALID_ARGUMENT for bad options.
absl::StatusOr<std::unique_ptr<PostgresEventStore>> OpenPostgresEventStore(
    PostgresStoreOptions options);

}  // namespace trialgate::store

#endif  // TRIALGATE_GATEWAY_STORE_POSTGRES_EVENT_STORE_H_
