#ifndef TRIALGATE_GATEWAY_STORE_POSTGRES_NEW_GROUP_WRITER_H_
#define TRIALGATE_GATEWAY_STORE_POSTGRES_NEW_GROUP_WRITER_H_

// The PostgreSQL store's write of a group in one round trip, for the common case: every source in
// it is new (each resource sent once). Internal to gateway/store; WritePostgresGroup
// (postgres_group_writer.h) tries it first and falls back to its look-up path.
//
// Why it is safe to take the sources as new without looking them up: the group takes the log's
// lock first, as the look-up path does, so no other replica's group commits between its first
// statement and its COMMIT; the sources are inserted without ON CONFLICT, so a source stored
// before (by any replica, or by an earlier try of this group whose COMMIT's answer was lost)
// fails the insert and with it the whole transaction, and the look-up path then writes the
// group as it always has. The events are numbered inside the statements (the new head + an
// offset of 0 or less), so nothing has to come back before the rows are sent.

#include <libpq-fe.h>

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "gateway/common/clock.h"
#include "gateway/store/event_store.h"
#include "gateway/store/outbox.h"
#include "gateway/store/postgres_group_writer.h"

namespace trialgate::store {

// Whether WriteNewPostgresGroup can write `requests`: each is valid, numbers, checks or needs no
// versions and records no enrolment (those read the store under the lock), and no source key
// comes twice.
bool CanWriteAsNew(const std::vector<std::vector<SourceWrite>*>& requests);

// Writes `requests` (CanWriteAsNew) in one transaction sent in one round trip: BEGIN, the log's
// head advanced past the group's events (which takes the log's lock) with the notification,
// every row numbered back from the new head, COMMIT. true: committed, `results` and `outcome`
// filled as WritePostgresGroup fills them. false: nothing was committed (a source was stored
// already, or the server refused a row) and the connection is outside any transaction: write
// the group with the look-up path. UNAVAILABLE: the database went away, the
// COMMIT's outcome maybe unknown (the caller retries with the same attempt id, as for
// WritePostgresGroup).
absl::StatusOr<bool> WriteNewPostgresGroup(PGconn* conn, const std::string& attempt_id,
                                           const Clock& clock,
                                           const std::vector<OutboxRoute>& routes,
                                           const absl::flat_hash_set<std::string>& known_subjects,
                                           const std::vector<std::vector<SourceWrite>*>& requests,
                                           std::vector<CommitResult>* results,
                                           PgGroupOutcome* outcome);

}  // namespace trialgate::store

#endif  // TRIALGATE_GATEWAY_STORE_POSTGRES_NEW_GROUP_WRITER_H_
