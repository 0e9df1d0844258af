#ifndef TRIALGATE_GATEWAY_SERVER_STORE_OPENER_H_
#define TRIALGATE_GATEWAY_SERVER_STORE_OPENER_H_

// Which event store the configuration names, opened: SQLite in the data directory (the
// default), or a PostgreSQL database that replicas share (config "store", serve --store).

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/common/clock.h"
#include "gateway/config/config.h"
#include "gateway/store/commit_observer.h"
#include "gateway/store/gateway_store.h"
#include "gateway/store/outbox.h"

namespace trialgate::server {

// Whether config.store names a PostgreSQL database (a postgresql:// or postgres:// URI).
bool UsesPostgres(const config::Config& config);

// INVALID_ARGUMENT unless config.store is empty or a PostgreSQL URI.
absl::Status CheckStoreLocation(const config::Config& config);

absl::StatusOr<std::unique_ptr<store::GatewayStore>> OpenConfiguredStore(
    const config::Config& config, std::vector<store::OutboxRoute> routes, const Clock* clock,
    store::CommitObserver* observer);

// For the log: "SQLite ./data/trialgate.db", or "PostgreSQL database trialgate on host db:5432"
// (never the password).
std::string DescribeStore(const config::Config& config);

}  // namespace trialgate::server

#endif  // TRIALGATE_GATEWAY_SERVER_STORE_OPENER_H_
