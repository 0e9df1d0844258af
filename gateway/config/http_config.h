#ifndef TRIALGATE_GATEWAY_CONFIG_HTTP_CONFIG_H_
#define TRIALGATE_GATEWAY_CONFIG_HTTP_CONFIG_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "gateway/common/json_reader.h"

namespace trialgate::config {

// The HTTP listener (config "http"): the FHIR REST facade at /fhir and the operational
// endpoints. Its body limit is the gateway's ("limits.maxBodyBytes"), as on gRPC.
struct HttpConfig {
  std::string listen = "127.0.0.1:8080";  // "" or "off": no HTTP listener
  size_t workers = 16;                    // connections served at once (each keep-alive holds one)
  size_t max_queued_connections = 64;     // accepted and waiting; beyond: 503
  int read_timeout_seconds = 30;
  int keep_alive_timeout_seconds = 5;
  size_t keep_alive_max_requests = 1000;

  bool enabled() const { return !listen.empty() && listen != "off"; }
};

// Reads the "http" object over the defaults; unknown keys and bad values name their path.
absl::StatusOr<HttpConfig> ReadHttpConfig(const JsonObject& http);

}  // namespace trialgate::config

#endif  // TRIALGATE_GATEWAY_CONFIG_HTTP_CONFIG_H_
