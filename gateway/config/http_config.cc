#include "gateway/config/http_config.h"

#include <cstdint>

#include "gateway/common/status_macros.h"

namespace trialgate::config {

absl::StatusOr<HttpConfig> ReadHttpConfig(const JsonObject& http) {
  RETURN_IF_ERROR(http.OnlyKeys({"listen", "workers", "maxQueuedConnections",
                                 "readTimeoutSeconds", "keepAliveTimeoutSeconds",
                                 "keepAliveMaxRequests"}));
  HttpConfig config;
  ASSIGN_OR_RETURN(config.listen, http.OptionalString("listen", config.listen));
  ASSIGN_OR_RETURN(const int64_t workers,
                   http.OptionalInt("workers", static_cast<int64_t>(config.workers),
                                    Sign::kPositive, 1024));
  config.workers = static_cast<size_t>(workers);
  ASSIGN_OR_RETURN(const int64_t queued,
                   http.OptionalInt("maxQueuedConnections",
                                    static_cast<int64_t>(config.max_queued_connections),
                                    Sign::kZeroOrMore, 100000));
  config.max_queued_connections = static_cast<size_t>(queued);
  ASSIGN_OR_RETURN(const int64_t read, http.OptionalInt("readTimeoutSeconds",
                                                        config.read_timeout_seconds,
                                                        Sign::kPositive, 3600));
  config.read_timeout_seconds = static_cast<int>(read);
  ASSIGN_OR_RETURN(const int64_t keep_alive,
                   http.OptionalInt("keepAliveTimeoutSeconds", config.keep_alive_timeout_seconds,
                                    Sign::kPositive, 3600));
  config.keep_alive_timeout_seconds = static_cast<int>(keep_alive);
  ASSIGN_OR_RETURN(const int64_t max_requests,
                   http.OptionalInt("keepAliveMaxRequests",
                                    static_cast<int64_t>(config.keep_alive_max_requests),
                                    Sign::kPositive, 1000000));
  config.keep_alive_max_requests = static_cast<size_t>(max_requests);
  return config;
}

}  // namespace trialgate::config
