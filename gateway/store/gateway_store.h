#ifndef TRIALGATE_GATEWAY_STORE_GATEWAY_STORE_H_
#define TRIALGATE_GATEWAY_STORE_GATEWAY_STORE_H_

// What the gateway runs on: the event log and the outbox of one database, whichever it is
// (SqliteEventStore embedded, PostgresEventStore shared by replicas).

#include <cstdint>

#include "absl/status/status.h"
#include "gateway/store/event_store.h"
#include "gateway/store/outbox.h"

namespace trialgate::store {

// Counters since the store was opened; they prove group commit in tests and feed metrics.
struct StoreStats {
  uint64_t transactions = 0;     // committed write transactions (one per group)
  uint64_t commits = 0;          // Commit() requests answered OK
  uint64_t failed_commits = 0;   // Commit() requests answered non-OK
  uint64_t source_writes = 0;    // SourceWrites newly stored (duplicates excluded)
  uint64_t duplicates = 0;       // SourceWrites answered as duplicate
  uint64_t events_written = 0;   // event rows inserted
  uint64_t queued_requests = 0;  // a gauge: requests (commits, outbox writes) waiting now

  // Adds what `written` counts of sources and events (a request's, or a group's).
  void AddWrites(const StoreStats& written) {
    source_writes += written.source_writes;
    duplicates += written.duplicates;
    events_written += written.events_written;
  }
};

class GatewayStore : public EventStore, public Outbox {
 public:
  // Snapshot of the counters.
  virtual StoreStats Stats() const = 0;
  // OK while the store accepts writes; otherwise why not (UNAVAILABLE).
  virtual absl::Status Health() const = 0;
};

}  // namespace trialgate::store

#endif  // TRIALGATE_GATEWAY_STORE_GATEWAY_STORE_H_
