#include "gateway/server/store_opener.h"

#include <libpq-fe.h>

#include <filesystem>
#include <map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/store/postgres_event_store.h"
#include "gateway/store/sqlite_event_store.h"

namespace trialgate::server {
namespace {

std::string SqlitePath(const config::Config& config) {
  return (std::filesystem::path(config.data_dir) / "trialgate.db").string();
}

// The URI's parts as libpq reads them (host, port, dbname, ...); empty when it does not parse.
std::map<std::string, std::string> ConnectionParts(const std::string& uri) {
  std::map<std::string, std::string> parts;
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(uri.c_str(), &error);
  if (error != nullptr) PQfreemem(error);
  if (options == nullptr) return parts;
  for (PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (option->val != nullptr) parts[option->keyword] = option->val;
  }
  PQconninfoFree(options);
  return parts;
}

}  // namespace

bool UsesPostgres(const config::Config& config) {
  return absl::StartsWith(config.store, "postgresql://") ||
         absl::StartsWith(config.store, "postgres://");
}

absl::Status CheckStoreLocation(const config::Config& config) {
  if (config.store.empty()) return absl::OkStatus();
  if (!UsesPostgres(config)) {
    return absl::InvalidArgumentError(
        "store must be empty (SQLite in the data directory) or a PostgreSQL URI "
        "(postgresql://user@host:port/database)");
  }
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(config.store.c_str(), &error);
  if (options == nullptr) {
    // libpq's message names the fault; the URI itself is not repeated (it may hold a password).
    const std::string message =
        error == nullptr ? "out of memory" : std::string(error, strcspn(error, "\n"));
    if (error != nullptr) PQfreemem(error);
    return absl::InvalidArgumentError(absl::StrCat("store: not a PostgreSQL URI: ", message));
  }
  PQconninfoFree(options);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<store::GatewayStore>> OpenConfiguredStore(
    const config::Config& config, std::vector<store::OutboxRoute> routes, const Clock* clock,
    store::CommitObserver* observer) {
  if (absl::Status location = CheckStoreLocation(config); !location.ok()) return location;
  if (UsesPostgres(config)) {
    store::PostgresStoreOptions options;
    options.conninfo = config.store;
    options.outbox_routes = std::move(routes);
    options.clock = clock;
    options.commit_observer = observer;
    absl::StatusOr<std::unique_ptr<store::PostgresEventStore>> store =
        store::OpenPostgresEventStore(std::move(options));
    if (!store.ok()) return store.status();
    return std::unique_ptr<store::GatewayStore>(*std::move(store));
  }
  store::SqliteStoreOptions options;
  options.outbox_routes = std::move(routes);
  options.clock = clock;
  options.commit_observer = observer;
  absl::StatusOr<std::unique_ptr<store::SqliteEventStore>> store =
      store::OpenSqliteEventStore(SqlitePath(config), std::move(options));
  if (!store.ok()) return store.status();
  return std::unique_ptr<store::GatewayStore>(*std::move(store));
}

std::string DescribeStore(const config::Config& config) {
  if (!UsesPostgres(config)) return absl::StrCat("SQLite ", SqlitePath(config));
  std::map<std::string, std::string> parts = ConnectionParts(config.store);
  const std::string host = parts["host"].empty() ? "the default host" : parts["host"];
  const std::string port = parts["port"].empty() ? "" : absl::StrCat(":", parts["port"]);
  const std::string database = parts["dbname"].empty() ? "(the user's)" : parts["dbname"];
  return absl::StrCat("PostgreSQL database ", database, " on ", host, port);
}

}  // namespace trialgate::server
