#ifndef TRIALGATE_GATEWAY_STORE_POSTGRES_EVENT_READER_H_
#define TRIALGATE_GATEWAY_STORE_POSTGRES_EVENT_READER_H_

#include <memory>
#include <string>

#include "gateway/store/event_store.h"
#include "gateway/store/postgres_util.h"

namespace trialgate::store {

// A reader of the PostgreSQL store's log on a connection of its own (`conn`, to `conninfo`; not
// thread-safe, like SQLite's readers); a lost connection is made again. Each call is one
// statement, so one snapshot: a prefix of the log. Internal to gateway/store.
std::unique_ptr<EventReader> NewPostgresEventReader(PgConnPtr conn, std::string conninfo);

}  // namespace trialgate::store

#endif  // TRIALGATE_GATEWAY_STORE_POSTGRES_EVENT_READER_H_
