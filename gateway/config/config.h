#ifndef TRIALGATE_GATEWAY_CONFIG_CONFIG_H_
#define TRIALGATE_GATEWAY_CONFIG_CONFIG_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/config/destination_config.h"
#include "gateway/config/http_config.h"
#include "gateway/config/mllp_config.h"
#include "gateway/pipeline/json_decoder.h"
#include "gateway/security/call_limits.h"
#include "gateway/security/identity.h"
#include "gateway/security/server_tls.h"
#include "mappers/study.h"

namespace trialgate::config {

// Everything `trialgate serve` needs. The defaults are the embedded KRD-ASCT2 study with a
// SQLite store in ./data, listening on 127.0.0.1:50051: no file is needed.
struct Config {
  std::string listen = "127.0.0.1:50051";
  std::string data_dir = "./data";
  // The event store: empty, SQLite in data_dir (trialgate.db); a postgresql:// (or postgres://)
  // URI, a PostgreSQL database that several replicas may share (docs/storage.md).
  std::string store;
  std::string study = "krd-asct2";  // an embedded study
  std::string study_dir;            // when set, the study is read from this folder instead
  // The pseudonymisation key: hex in the file, or a key file; neither: the environment, else a
  // development key (identity/pseudonymization_key.h). The previous key (a file) is the one a
  // rotation replaced, kept to find patients enrolled under it.
  std::string pseudonymization_key_hex;
  std::string pseudonymization_key_file;
  std::string pseudonymization_previous_key_file;
  pipeline::DecodeLimits limits;
  security::CallLimits call_limits;
  // The listener's mutual TLS, and the identities its client certificates map to. Without TLS
  // the gateway starts only when `insecure` is set (serve --insecure): local development.
  security::ServerTls tls;
  std::vector<security::Identity> identities;
  bool insecure = false;
  std::map<std::string, std::string> site_by_system;  // empty: each system is its own site
  // Site id -> IANA time zone ("Europe/Berlin"): protocol days are calendar days there. A site
  // without one has each event dated in the UTC offset it was sent with.
  std::map<std::string, std::string> time_zone_by_site;
  // Whether the schedule engine writes its findings into the event log as ProtocolDeviation
  // events (after each commit, and by the sweep below). Off: timelines only.
  bool record_deviations = true;
  // How often the schedule engine re-derives every subject's deviations as time passes
  // (missed doses, late cycles); 0 turns the sweep off.
  int deviation_sweep_seconds = 3600;
  // A subject with new events is re-derived this long after the first of them, so that a bulk
  // feed's many commits for one subject share one derivation.
  int deviation_delay_ms = 1000;
  // How many parsed events the schedule engine keeps in memory, of the subjects read most
  // recently, to extend their timelines rather than compute them afresh (about 4 KB each:
  // docs/performance.md); 0: none. schedule::TimelineCacheLimits' default.
  int timeline_cache_events = 10000;
  // Check every resource of a type the study profiles (study.json "profiles") against that
  // profile, not only those that claim it in meta.profile.
  bool require_study_profiles = false;
  // The audit log (README "Audit log"); empty: audit.log in data_dir.
  std::string audit_log;
  // Downstream registries the events are forwarded to; none by default.
  std::vector<DestinationConfig> destinations;
  // HL7 v2 over MLLP: the listener and what is known of each sending system.
  MllpConfig mllp;
  // The HTTP listener: the FHIR REST facade and the operational endpoints.
  HttpConfig http;
};

// Reads a JSON configuration file over the defaults. Unknown keys are errors, so a typo cannot
// silently fall back to a default. INVALID_ARGUMENT names the file and the key.
absl::StatusOr<Config> LoadConfigFile(const std::string& path);

// Applies TRIALGATE_LISTEN, TRIALGATE_MLLP_LISTEN, TRIALGATE_HTTP_LISTEN, TRIALGATE_DATA_DIR and
// TRIALGATE_STORE from the environment, when set.
void ApplyEnvironment(Config& config);

// Where the audit log is: audit_log, else DATA_DIR/audit.log.
std::string AuditLogPath(const Config& config);

// Loads the configured study: from study_dir when set, else the embedded one.
absl::StatusOr<std::shared_ptr<const mappers::Study>> LoadStudy(const Config& config);

}  // namespace trialgate::config

#endif  // TRIALGATE_GATEWAY_CONFIG_CONFIG_H_
