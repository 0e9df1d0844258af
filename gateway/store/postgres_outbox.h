#ifndef TRIALGATE_GATEWAY_STORE_POSTGRES_OUTBOX_H_
#define TRIALGATE_GATEWAY_STORE_POSTGRES_OUTBOX_H_

// The outbox tables of the PostgreSQL store (schema in postgres_schema.cc): each write in a
// transaction of its own, the reads in one snapshot. The same answers as sqlite_outbox.h's, which
// the shared outbox tests hold both to. Internal to gateway/store; PostgresEventStore is the
// public face.

#include <libpq-fe.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/store/outbox.h"
#include "gateway/store/postgres_util.h"

namespace trialgate::store {

// Return how many outbox rows or dead letters they changed.
absl::StatusOr<size_t> PgSettle(PGconn* conn, const DeliverySettlement& settlement,
                                int64_t now_unix_ms);
absl::StatusOr<size_t> PgReplay(PGconn* conn, const DeadLetterSelection& selection,
                                int64_t now_unix_ms);
absl::StatusOr<size_t> PgDiscard(PGconn* conn, const DeadLetterSelection& selection,
                                 int64_t now_unix_ms);

absl::StatusOr<std::vector<DestinationProgress>> PgReadProgress(
    PGconn* conn, const std::vector<std::string>& destinations);
absl::StatusOr<std::vector<DeadLetterRecord>> PgReadDeadLetters(PGconn* conn,
                                                                const DeadLetterQuery& query);

std::unique_ptr<OutboxReader> NewPostgresOutboxReader(PgConnPtr conn, std::string conninfo);

}  // namespace trialgate::store

#endif  // TRIALGATE_GATEWAY_STORE_POSTGRES_OUTBOX_H_
