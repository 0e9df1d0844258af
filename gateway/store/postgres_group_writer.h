#ifndef TRIALGATE_GATEWAY_STORE_POSTGRES_GROUP_WRITER_H_
#define TRIALGATE_GATEWAY_STORE_POSTGRES_GROUP_WRITER_H_

// One group of Commit() requests written in one transaction of the PostgreSQL store
// (postgres_event_store.h says how the store uses it). Internal to gateway/store.

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "gateway/common/clock.h"
#include "gateway/store/event_store.h"
#include "gateway/store/gateway_store.h"
#include "gateway/store/outbox.h"

namespace trialgate::store {

// What a committed group changes in the store's shared state.
struct PgGroupOutcome {
  uint64_t last_sequence = 0;  // 0 when the group inserted no event
  StoreStats delta;
  // Of the group's last round trip: its rows' inserts and the COMMIT (WAL write and flush).
  std::chrono::nanoseconds commit_time{0};
  // Subjects the group recorded in `subjects` that were not in `known_subjects`.
  std::vector<std::string> new_subjects;
  // WriteNewPostgresGroup was tried and could not write the group (most likely a source was
  // stored before): the look-up path wrote it.
  bool fell_back = false;
};

// Writes `requests` (each one Commit()'s writes) in one transaction on `conn`. With `try_as_new`
// it first tries WriteNewPostgresGroup (postgres_new_group_writer.h: one round trip when every
// source is new); when that cannot write them, or without it, the look-up path: locks the log's
// head, decides under that lock which sources are new (a source stored under `attempt_id` is
// this group's own, from an earlier try whose COMMIT's answer was lost), numbers the new events
// from the head, checks each request's own rules (a request that breaks one fails alone, in
// (*results)[i]) and inserts the rows of the rest, then advances the head, notifies the other
// replicas and commits. OK: (*results)[i] answers requests[i] and the data is durable. Non-OK:
// nothing was committed (UNAVAILABLE: the database went away, the COMMIT's outcome maybe
// unknown; try again with the same attempt id).
// `known_subjects`: subjects known to be recorded already (the caller's, from earlier groups'
// new_subjects), whose row the group does not write again.
absl::Status WritePostgresGroup(PGconn* conn, const std::string& attempt_id, const Clock& clock,
                                const std::vector<OutboxRoute>& routes,
                                const absl::flat_hash_set<std::string>& known_subjects,
                                const std::vector<std::vector<SourceWrite>*>& requests,
                                std::vector<CommitResult>* results, PgGroupOutcome* outcome,
                                bool try_as_new);

}  // namespace trialgate::store

#endif  // TRIALGATE_GATEWAY_STORE_POSTGRES_GROUP_WRITER_H_
