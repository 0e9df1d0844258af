#ifndef TRIALGATE_GATEWAY_STORE_SQLITE_SCHEMA_H_
#define TRIALGATE_GATEWAY_STORE_SQLITE_SCHEMA_H_

// The event store's tables and their version. Internal to gateway/store.

#include <sqlite3.h>

#include "absl/status/status.h"

namespace trialgate::store {

// Creates the tables of a new database, or checks and upgrades an existing one, in one
// transaction. FAILED_PRECONDITION when the file's schema is newer than this build.
absl::Status CreateOrCheckSchema(sqlite3* db);

}  // namespace trialgate::store

#endif  // TRIALGATE_GATEWAY_STORE_SQLITE_SCHEMA_H_
