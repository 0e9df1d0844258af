#ifndef TRIALGATE_GATEWAY_STORE_POSTGRES_SCHEMA_H_
#define TRIALGATE_GATEWAY_STORE_POSTGRES_SCHEMA_H_

#include <libpq-fe.h>

#include "absl/status/status.h"

namespace trialgate::store {

// Creates the PostgreSQL store's tables in a new database, upgrades an older schema in place,
// and refuses (FAILED_PRECONDITION) a schema newer than this build. Replicas starting together
// take turns (a transaction-scoped advisory lock), so each sees the schema whole.
absl::Status CreateOrCheckPostgresSchema(PGconn* conn);

}  // namespace trialgate::store

#endif  // TRIALGATE_GATEWAY_STORE_POSTGRES_SCHEMA_H_
