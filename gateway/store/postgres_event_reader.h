#ifndef TRIALGATE_GATEWAY_STORE_POSTGRES_EVENT_READER_H_
#define TRIALGATE_GATEWAY_STORE_POSTGRES_EVENT_READER_H_

#include <memory>

#include "gateway/store/event_store.h"
#include "gateway/store/postgres_util.h"

namespace trialgate::store {

// A reader of the PostgreSQL store's log on `conn`, its own connection (not thread-safe, like
// SQLite's readers); a lost connection is reset at the next call. Each call is one statement,
// so one snapshot: a prefix of the log. Internal to gateway/store.
std::unique_ptr<EventReader> NewPostgresEventReader(PgConnPtr conn);

}  // namespace trialgate::store

#endif  // TRIALGATE_GATEWAY_STORE_POSTGRES_EVENT_READER_H_
