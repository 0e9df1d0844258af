#ifndef TRIALGATE_GATEWAY_CONFIG_DESTINATION_CONFIG_H_
#define TRIALGATE_GATEWAY_CONFIG_DESTINATION_CONFIG_H_

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/common/json_reader.h"

namespace trialgate::config {

// Client TLS for a destination: the CA that signed the registry's certificate and, for mutual
// TLS, the gateway's own certificate and key (PEM files).
struct DestinationTls {
  std::string ca_file;          // empty: the system's trusted roots
  std::string cert_file;        // with key_file: mutual TLS
  std::string key_file;
  std::string server_name;      // overrides the name checked in the registry's certificate
};

// One downstream registry the gateway forwards events to (config "destinations").
struct DestinationConfig {
  std::string name;             // unique; names its outbox, cursor and dead letters
  std::string address;          // "host:port"
  bool insecure = false;        // plaintext, only when asked for explicitly
  DestinationTls tls;
  // Which events it receives: payload field names ("dose_administered"); empty: every kind.
  std::set<std::string> event_kinds;
  std::set<std::string> sites;  // empty: every site
  size_t batch_size = 100;      // events per Publish call (at most 1000: gRPC receivers refuse
                                // messages over 4 MiB by default)
  int64_t deadline_ms = 10000;  // per Publish call
  // Transient failures are retried with exponential backoff (from retry_initial_ms, doubling up
  // to retry_max_ms, with jitter) until an event has waited max_age_seconds; then it is
  // dead-lettered.
  int64_t retry_initial_ms = 500;
  int64_t retry_max_ms = 300000;
  int64_t max_age_seconds = 7 * 24 * 3600;
};

// Reads the objects of the "destinations" array of a configuration file. Event kinds may be
// given as the payload's message name ("DoseAdministered") or field name ("dose_administered");
// unknown kinds, duplicate names, unknown keys and a destination without "insecure": true or
// "tls" are errors naming the file and the key.
absl::StatusOr<std::vector<DestinationConfig>> ReadDestinations(
    const std::vector<JsonObject>& objects);

}  // namespace trialgate::config

#endif  // TRIALGATE_GATEWAY_CONFIG_DESTINATION_CONFIG_H_
