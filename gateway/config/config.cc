#include "gateway/config/config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "fhir-profiles/embedded.h"
#include "gateway/common/json_reader.h"
#include "gateway/common/status_macros.h"
#include "gateway/config/destination_config.h"
#include "gateway/config/security_config.h"
#include "gateway/pipeline/json_decoder.h"
#include "rapidjson/document.h"

namespace trialgate::config {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// Every limit is a positive integer.
absl::Status ReadLimits(const JsonObject& limits, pipeline::DecodeLimits* out,
                        security::CallLimits* calls) {
  RETURN_IF_ERROR(limits.OnlyKeys({"maxBodyBytes", "maxDepth", "maxBundleEntries",
                                   "requestsPerSecond", "requestBurst", "maxStreamsPerCaller"}));
  for (const auto& [key, value] : limits.Members()) {
    ASSIGN_OR_RETURN(const int64_t number, value.Int(Sign::kPositive));
    if (key == "maxBodyBytes") {
      out->max_body_bytes = static_cast<size_t>(number);
    } else if (key == "maxDepth") {
      out->max_depth = static_cast<int>(std::min<int64_t>(number, 10000));
    } else if (key == "maxBundleEntries") {
      out->max_bundle_entries = static_cast<size_t>(number);
    } else if (key == "requestsPerSecond") {
      calls->requests_per_second = static_cast<double>(number);
    } else if (key == "requestBurst") {
      calls->request_burst = static_cast<double>(number);
    } else if (key == "maxStreamsPerCaller") {
      calls->max_streams_per_caller = static_cast<size_t>(number);
    }
  }
  return absl::OkStatus();
}

absl::Status ReadSites(const std::vector<JsonObject>& sites,
                       std::map<std::string, std::string>* out) {
  for (const JsonObject& site : sites) {
    ASSIGN_OR_RETURN(const std::string id, site.RequiredString("id"));
    ASSIGN_OR_RETURN(const std::vector<std::string> systems, site.RequiredStrings("systems"));
    for (const std::string& system : systems) {
      if (!out->emplace(system, id).second) {
        return site.Problem(absl::StrCat("system ", system, " is in two sites"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ReadTimeZones(const JsonObject& zones, std::map<std::string, std::string>* out) {
  for (const auto& [site, value] : zones.Members()) {
    absl::StatusOr<std::string> name = value.String();
    absl::TimeZone zone;
    if (!name.ok() || !absl::LoadTimeZone(*name, &zone)) {
      return value.Error("must be an IANA time zone name, e.g. Europe/Berlin");
    }
    (*out)[site] = *name;
  }
  return absl::OkStatus();
}

// The members that are plain strings.
absl::Status ReadStrings(const JsonObject& top, Config* config) {
  const std::pair<const char*, std::string*> fields[] = {
      {"listen", &config->listen},
      {"dataDir", &config->data_dir},
      {"store", &config->store},
      {"study", &config->study},
      {"studyDir", &config->study_dir},
      {"pseudonymisationKeyHex", &config->pseudonymization_key_hex},
      {"pseudonymisationKeyFile", &config->pseudonymization_key_file},
      {"pseudonymisationPreviousKeyFile", &config->pseudonymization_previous_key_file},
      {"auditLog", &config->audit_log}};
  for (const auto& [key, field] : fields) {
    ASSIGN_OR_RETURN(*field, top.OptionalString(key, *field));
  }
  return absl::OkStatus();
}

// The schedule engine's switches and timings.
absl::Status ReadDeviations(const JsonObject& top, Config* config) {
  constexpr int64_t kMaxInt = std::numeric_limits<int>::max();
  ASSIGN_OR_RETURN(config->record_deviations,
                   top.OptionalBool("recordDeviations", config->record_deviations));
  ASSIGN_OR_RETURN(config->deviation_delay_ms,
                   top.OptionalInt("deviationDelayMilliseconds", config->deviation_delay_ms,
                                   Sign::kZeroOrMore, kMaxInt));
  ASSIGN_OR_RETURN(config->deviation_sweep_seconds,
                   top.OptionalInt("deviationSweepSeconds", config->deviation_sweep_seconds,
                                   Sign::kZeroOrMore, kMaxInt));
  ASSIGN_OR_RETURN(config->timeline_cache_events,
                   top.OptionalInt("timelineCacheEvents", config->timeline_cache_events,
                                   Sign::kZeroOrMore, kMaxInt));
  return absl::OkStatus();
}

// Who may connect, and what they may do.
absl::Status ReadSecurity(const JsonObject& top, Config* config) {
  ASSIGN_OR_RETURN(std::optional<JsonObject> tls, top.OptionalObject("tls"));
  if (tls) {
    ASSIGN_OR_RETURN(config->tls, ReadServerTls(*tls));
  }
  ASSIGN_OR_RETURN(const std::vector<JsonObject> identities, top.OptionalObjects("identities"));
  ASSIGN_OR_RETURN(config->identities, ReadIdentities(identities));
  return absl::OkStatus();
}

// Sites, their time zones, the body limits, the destinations and the HL7 v2 senders.
absl::Status ReadTopology(const JsonObject& top, Config* config) {
  ASSIGN_OR_RETURN(std::optional<JsonObject> limits, top.OptionalObject("limits"));
  if (limits) RETURN_IF_ERROR(ReadLimits(*limits, &config->limits, &config->call_limits));
  ASSIGN_OR_RETURN(const std::vector<JsonObject> sites, top.OptionalObjects("sites"));
  RETURN_IF_ERROR(ReadSites(sites, &config->site_by_system));
  ASSIGN_OR_RETURN(std::optional<JsonObject> zones, top.OptionalObject("siteTimeZones"));
  if (zones) RETURN_IF_ERROR(ReadTimeZones(*zones, &config->time_zone_by_site));
  ASSIGN_OR_RETURN(const std::vector<JsonObject> destinations,
                   top.OptionalObjects("destinations"));
  ASSIGN_OR_RETURN(config->destinations, ReadDestinations(destinations));
  ASSIGN_OR_RETURN(std::optional<JsonObject> http, top.OptionalObject("http"));
  if (http) {
    ASSIGN_OR_RETURN(config->http, ReadHttpConfig(*http));
  }
  ASSIGN_OR_RETURN(std::optional<JsonObject> mllp, top.OptionalObject("mllp"));
  if (mllp) {
    ASSIGN_OR_RETURN(config->mllp, ReadMllpConfig(*mllp));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Config> LoadConfigFile(const std::string& path) {
  ASSIGN_OR_RETURN(const std::string text, ReadFile(path));
  rapidjson::Document document;
  pipeline::DecodeLimits limits;
  if (absl::Status decoded = pipeline::DecodeJson(text, limits, &document); !decoded.ok()) {
    return JsonFileError(path, std::string(decoded.message()));
  }
  ASSIGN_OR_RETURN(const JsonObject top, JsonObject::Top(document, path));
  RETURN_IF_ERROR(top.OnlyKeys(
      {"listen", "dataDir", "store", "study", "studyDir", "pseudonymisationKeyHex",
       "pseudonymisationKeyFile", "pseudonymisationPreviousKeyFile", "auditLog", "limits",
       "sites", "siteTimeZones", "recordDeviations", "deviationDelayMilliseconds",
       "deviationSweepSeconds", "timelineCacheEvents", "destinations", "tls", "identities",
       "requireStudyProfiles", "mllp", "http"}));
  Config config;
  RETURN_IF_ERROR(ReadStrings(top, &config));
  RETURN_IF_ERROR(ReadDeviations(top, &config));
  RETURN_IF_ERROR(ReadSecurity(top, &config));
  RETURN_IF_ERROR(ReadTopology(top, &config));
  ASSIGN_OR_RETURN(config.require_study_profiles,
                   top.OptionalBool("requireStudyProfiles", config.require_study_profiles));
  return config;
}

void ApplyEnvironment(Config& config) {
  if (const char* listen = std::getenv("TRIALGATE_LISTEN"); listen && *listen) {
    config.listen = listen;
  }
  if (const char* data = std::getenv("TRIALGATE_DATA_DIR"); data && *data) {
    config.data_dir = data;
  }
  if (const char* store = std::getenv("TRIALGATE_STORE"); store && *store) {
    config.store = store;
  }
  if (const char* http = std::getenv("TRIALGATE_HTTP_LISTEN"); http && *http) {
    config.http.listen = http;
  }
  if (const char* mllp = std::getenv("TRIALGATE_MLLP_LISTEN"); mllp && *mllp) {
    config.mllp.listen = mllp;
  }
}

std::string AuditLogPath(const Config& config) {
  if (!config.audit_log.empty()) return config.audit_log;
  return (std::filesystem::path(config.data_dir) / "audit.log").string();
}

absl::StatusOr<std::shared_ptr<const mappers::Study>> LoadStudy(const Config& config) {
  std::map<std::string, std::string> files;
  if (config.study_dir.empty()) {
    files = profiles::EmbeddedStudyFiles(config.study);
    if (files.empty()) {
      return absl::NotFoundError(absl::StrCat("no embedded study named '", config.study, "'"));
    }
  } else {
    namespace fs = std::filesystem;
    std::error_code error;
    for (auto it = fs::recursive_directory_iterator(config.study_dir, error);
         !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
      if (!it->is_regular_file() || it->path().extension() != ".json") continue;
      ASSIGN_OR_RETURN(std::string content, ReadFile(it->path().string()));
      files.emplace(fs::relative(it->path(), config.study_dir).generic_string(),
                    std::move(content));
    }
    if (error) {
      return absl::NotFoundError(absl::StrCat("cannot read study folder ", config.study_dir,
                                              ": ", error.message()));
    }
  }
  return mappers::Study::FromFiles(files);
}

}  // namespace trialgate::config
