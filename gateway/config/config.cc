#include "gateway/config/config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "fhir-profiles/embedded.h"
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

absl::Status Invalid(const std::string& path, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
}

absl::Status ReadString(const rapidjson::Value& value, const std::string& path,
                        const std::string& key, std::string* out) {
  if (!value.IsString()) return Invalid(path, key + " must be a string");
  *out = value.GetString();
  return absl::OkStatus();
}

absl::Status ReadPositive(const rapidjson::Value& value, const std::string& path,
                          const std::string& key, uint64_t* out) {
  if (!value.IsUint64() || value.GetUint64() == 0) {
    return Invalid(path, key + " must be a positive integer");
  }
  *out = value.GetUint64();
  return absl::OkStatus();
}

absl::Status ReadLimits(const rapidjson::Value& limits, const std::string& path,
                        pipeline::DecodeLimits* out, security::CallLimits* calls) {
  if (!limits.IsObject()) return Invalid(path, "limits must be an object");
  for (const auto& member : limits.GetObject()) {
    const std::string key = member.name.GetString();
    uint64_t number = 0;
    absl::Status status = ReadPositive(member.value, path, "limits." + key, &number);
    if (!status.ok()) return status;
    if (key == "maxBodyBytes") {
      out->max_body_bytes = number;
    } else if (key == "maxDepth") {
      out->max_depth = static_cast<int>(std::min<uint64_t>(number, 10000));
    } else if (key == "maxBundleEntries") {
      out->max_bundle_entries = number;
    } else if (key == "requestsPerSecond") {
      calls->requests_per_second = static_cast<double>(number);
    } else if (key == "requestBurst") {
      calls->request_burst = static_cast<double>(number);
    } else if (key == "maxStreamsPerCaller") {
      calls->max_streams_per_caller = number;
    } else {
      return Invalid(path, "unknown key limits." + key);
    }
  }
  return absl::OkStatus();
}

absl::Status ReadSites(const rapidjson::Value& sites, const std::string& path,
                       std::map<std::string, std::string>* out) {
  if (!sites.IsArray()) return Invalid(path, "sites must be an array");
  for (const auto& site : sites.GetArray()) {
    auto id = site.IsObject() ? site.FindMember("id") : site.MemberEnd();
    auto systems = site.IsObject() ? site.FindMember("systems") : site.MemberEnd();
    if (!site.IsObject() || id == site.MemberEnd() || !id->value.IsString() ||
        systems == site.MemberEnd() || !systems->value.IsArray()) {
      return Invalid(path, "each site needs an \"id\" string and a \"systems\" array");
    }
    for (const auto& system : systems->value.GetArray()) {
      if (!system.IsString()) return Invalid(path, "site systems must be strings");
      if (!out->emplace(system.GetString(), id->value.GetString()).second) {
        return Invalid(path, absl::StrCat("system ", system.GetString(), " is in two sites"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ReadTimeZones(const rapidjson::Value& zones, const std::string& path,
                           std::map<std::string, std::string>* out) {
  if (!zones.IsObject()) return Invalid(path, "siteTimeZones must be an object");
  for (const auto& member : zones.GetObject()) {
    const std::string site = member.name.GetString();
    absl::TimeZone zone;
    if (!member.value.IsString() || !absl::LoadTimeZone(member.value.GetString(), &zone)) {
      return Invalid(path, absl::StrCat("siteTimeZones.", site,
                                        " must be an IANA time zone name, e.g. Europe/Berlin"));
    }
    (*out)[site] = member.value.GetString();
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Config> LoadConfigFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  rapidjson::Document document;
  pipeline::DecodeLimits limits;
  if (absl::Status decoded = pipeline::DecodeJson(*text, limits, &document); !decoded.ok()) {
    return Invalid(path, std::string(decoded.message()));
  }
  Config config;
  for (const auto& member : document.GetObject()) {
    const std::string key = member.name.GetString();
    absl::Status status;
    if (key == "listen") {
      status = ReadString(member.value, path, key, &config.listen);
    } else if (key == "dataDir") {
      status = ReadString(member.value, path, key, &config.data_dir);
    } else if (key == "study") {
      status = ReadString(member.value, path, key, &config.study);
    } else if (key == "studyDir") {
      status = ReadString(member.value, path, key, &config.study_dir);
    } else if (key == "pseudonymisationKeyHex") {
      status = ReadString(member.value, path, key, &config.pseudonymization_key_hex);
    } else if (key == "pseudonymisationKeyFile") {
      status = ReadString(member.value, path, key, &config.pseudonymization_key_file);
    } else if (key == "pseudonymisationPreviousKeyFile") {
      status = ReadString(member.value, path, key, &config.pseudonymization_previous_key_file);
    } else if (key == "limits") {
      status = ReadLimits(member.value, path, &config.limits, &config.call_limits);
    } else if (key == "sites") {
      status = ReadSites(member.value, path, &config.site_by_system);
    } else if (key == "siteTimeZones") {
      status = ReadTimeZones(member.value, path, &config.time_zone_by_site);
    } else if (key == "recordDeviations") {
      if (member.value.IsBool()) {
        config.record_deviations = member.value.GetBool();
      } else {
        status = Invalid(path, "recordDeviations must be true or false");
      }
    } else if (key == "deviationDelayMilliseconds") {
      if (member.value.IsInt() && member.value.GetInt() >= 0) {
        config.deviation_delay_ms = member.value.GetInt();
      } else {
        status = Invalid(path, "deviationDelayMilliseconds must be an integer >= 0");
      }
    } else if (key == "deviationSweepSeconds") {
      if (member.value.IsInt() && member.value.GetInt() >= 0) {
        config.deviation_sweep_seconds = member.value.GetInt();
      } else {
        status = Invalid(path, "deviationSweepSeconds must be an integer >= 0");
      }
    } else if (key == "auditLog") {
      status = ReadString(member.value, path, key, &config.audit_log);
    } else if (key == "destinations") {
      status = ReadDestinations(member.value, path, &config.destinations);
    } else if (key == "tls") {
      status = ReadServerTls(member.value, path, &config.tls);
    } else if (key == "identities") {
      status = ReadIdentities(member.value, path, &config.identities);
    } else if (key == "requireStudyProfiles") {
      if (member.value.IsBool()) {
        config.require_study_profiles = member.value.GetBool();
      } else {
        status = Invalid(path, "requireStudyProfiles must be true or false");
      }
    } else {
      status = Invalid(path, "unknown key " + key);
    }
    if (!status.ok()) return status;
  }
  return config;
}

void ApplyEnvironment(Config& config) {
  if (const char* listen = std::getenv("TRIALGATE_LISTEN"); listen && *listen) {
    config.listen = listen;
  }
  if (const char* data = std::getenv("TRIALGATE_DATA_DIR"); data && *data) {
    config.data_dir = data;
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
      absl::StatusOr<std::string> content = ReadFile(it->path().string());
      if (!content.ok()) return content.status();
      files.emplace(fs::relative(it->path(), config.study_dir).generic_string(), *content);
    }
    if (error) {
      return absl::NotFoundError(absl::StrCat("cannot read study folder ", config.study_dir,
                                              ": ", error.message()));
    }
  }
  return mappers::Study::FromFiles(files);
}

}  // namespace trialgate::config
