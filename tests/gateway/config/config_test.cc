#include "gateway/config/config.h"

#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"

namespace trialgate::config {
namespace {

using ::testing::HasSubstr;

std::string Write(const testing::TempDir& dir, const std::string& json) {
  const std::string path = (dir.path() / "trialgate.json").string();
  std::ofstream(path) << json;
  return path;
}

TEST(ConfigTest, DefaultsNeedNoFile) {
  Config config;
  EXPECT_EQ(config.listen, "127.0.0.1:50051");
  EXPECT_EQ(config.data_dir, "./data");
  absl::StatusOr<std::shared_ptr<const mappers::Study>> study = LoadStudy(config);
  ASSERT_TRUE(study.ok()) << study.status();
  EXPECT_EQ((*study)->study_id(), "KRD-ASCT2");
}

TEST(ConfigTest, ReadsEveryKey) {
  testing::TempDir dir;
  absl::StatusOr<Config> config = LoadConfigFile(Write(dir, R"({
    "listen": "0.0.0.0:6000", "dataDir": "/var/lib/trialgate",
    "limits": {"maxBodyBytes": 1024, "maxDepth": 10, "maxBundleEntries": 5},
    "sites": [{"id": "site-01", "systems": ["epic", "lis"]}],
    "pseudonymisationKeyHex": "00"
  })"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen, "0.0.0.0:6000");
  EXPECT_EQ(config->data_dir, "/var/lib/trialgate");
  EXPECT_EQ(config->limits.max_body_bytes, 1024u);
  EXPECT_EQ(config->limits.max_depth, 10);
  EXPECT_EQ(config->limits.max_bundle_entries, 5u);
  EXPECT_EQ(config->site_by_system.at("lis"), "site-01");
}

TEST(ConfigTest, UnknownKeysAndBadValuesAreErrorsThatNameTheKey) {
  testing::TempDir dir;
  EXPECT_THAT(LoadConfigFile(Write(dir, R"({"listne": "x"})")).status().message(),
              HasSubstr("unknown key listne"));
  EXPECT_THAT(LoadConfigFile(Write(dir, R"({"limits": {"maxDepth": -1}})")).status().message(),
              HasSubstr("limits.maxDepth"));
  EXPECT_THAT(LoadConfigFile(Write(dir, R"({"sites": [{"id": "a", "systems": ["x"]},
                                            {"id": "b", "systems": ["x"]}]})"))
                  .status()
                  .message(),
              HasSubstr("two sites"));
  EXPECT_FALSE(LoadConfigFile((dir.path() / "missing.json").string()).ok());
}

TEST(ConfigTest, AuditLogDefaultsToTheDataDirectory) {
  Config config;
  config.data_dir = "/var/lib/trialgate";
  EXPECT_EQ(AuditLogPath(config), "/var/lib/trialgate/audit.log");
  testing::TempDir dir;
  absl::StatusOr<Config> loaded = LoadConfigFile(Write(dir, R"({"auditLog": "/var/log/tg.log"})"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(AuditLogPath(*loaded), "/var/log/tg.log");
  EXPECT_THAT(LoadConfigFile(Write(dir, R"({"auditLog": 1})")).status().message(),
              ::testing::HasSubstr("auditLog must be a string"));
}

TEST(ConfigTest, ReadsTheKeyFiles) {
  testing::TempDir dir;
  absl::StatusOr<Config> config = LoadConfigFile(Write(dir, R"({
    "pseudonymisationKeyFile": "/run/secrets/trialgate-hmac.key",
    "pseudonymisationPreviousKeyFile": "/run/secrets/trialgate-hmac-2025.key"
  })"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->pseudonymization_key_file, "/run/secrets/trialgate-hmac.key");
  EXPECT_EQ(config->pseudonymization_previous_key_file, "/run/secrets/trialgate-hmac-2025.key");
  EXPECT_TRUE(config->pseudonymization_key_hex.empty());
  EXPECT_TRUE(Config().pseudonymization_key_file.empty());
  EXPECT_THAT(LoadConfigFile(Write(dir, R"({"pseudonymisationKeyFile": 7})")).status().message(),
              HasSubstr("pseudonymisationKeyFile must be a string"));
  EXPECT_THAT(LoadConfigFile(Write(dir, R"({"pseudonymizationKeyFile": "k"})")).status().message(),
              HasSubstr("unknown key pseudonymizationKeyFile"));
}

TEST(ConfigTest, ReadsTheScheduleEngineKeys) {
  testing::TempDir dir;
  absl::StatusOr<Config> config = LoadConfigFile(Write(dir, R"({
    "siteTimeZones": {"site-01": "Europe/Berlin"}, "recordDeviations": false,
    "deviationSweepSeconds": 60, "deviationDelayMilliseconds": 0, "timelineCacheEvents": 50000
  })"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->time_zone_by_site.at("site-01"), "Europe/Berlin");
  EXPECT_FALSE(config->record_deviations);
  EXPECT_EQ(config->deviation_sweep_seconds, 60);
  EXPECT_EQ(config->deviation_delay_ms, 0);
  EXPECT_EQ(config->timeline_cache_events, 50000);
  EXPECT_TRUE(Config().record_deviations);
  EXPECT_EQ(Config().timeline_cache_events, 10000);
  EXPECT_THAT(LoadConfigFile(Write(dir, R"({"siteTimeZones": {"s": "Mars/Olympus"}})"))
                  .status()
                  .message(),
              HasSubstr("siteTimeZones.s must be an IANA time zone name"));
  EXPECT_THAT(LoadConfigFile(Write(dir, R"({"deviationSweepSeconds": -1})")).status().message(),
              HasSubstr("deviationSweepSeconds"));
  EXPECT_THAT(LoadConfigFile(Write(dir, R"({"timelineCacheEvents": -5})")).status().message(),
              HasSubstr("timelineCacheEvents"));
}

TEST(ConfigTest, ReadsDestinations) {
  testing::TempDir dir;
  absl::StatusOr<Config> config = LoadConfigFile(Write(dir, R"({"destinations": [
    {"name": "registry", "address": "registry.example.org:443",
     "tls": {"caFile": "/etc/ca.pem", "certFile": "/etc/gw.pem", "keyFile": "/etc/gw.key",
             "serverName": "registry"},
     "eventKinds": ["DoseAdministered", "protocol_deviation"], "sites": ["site-01"],
     "batchSize": 50, "deadlineMilliseconds": 2000, "retryInitialMilliseconds": 100,
     "retryMaxMilliseconds": 1000, "maxAgeSeconds": 86400},
    {"name": "sink", "address": "127.0.0.1:50052", "insecure": true}
  ]})"));
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->destinations.size(), 2u);
  const DestinationConfig& registry = config->destinations[0];
  EXPECT_EQ(registry.name, "registry");
  EXPECT_EQ(registry.address, "registry.example.org:443");
  EXPECT_FALSE(registry.insecure);
  EXPECT_EQ(registry.tls.ca_file, "/etc/ca.pem");
  EXPECT_EQ(registry.tls.cert_file, "/etc/gw.pem");
  EXPECT_EQ(registry.tls.key_file, "/etc/gw.key");
  EXPECT_EQ(registry.tls.server_name, "registry");
  EXPECT_EQ(registry.event_kinds,
            (std::set<std::string>{"dose_administered", "protocol_deviation"}));
  EXPECT_EQ(registry.sites, (std::set<std::string>{"site-01"}));
  EXPECT_EQ(registry.batch_size, 50u);
  EXPECT_EQ(registry.deadline_ms, 2000);
  EXPECT_EQ(registry.retry_initial_ms, 100);
  EXPECT_EQ(registry.retry_max_ms, 1000);
  EXPECT_EQ(registry.max_age_seconds, 86400);
  const DestinationConfig& sink = config->destinations[1];
  EXPECT_TRUE(sink.insecure);
  EXPECT_TRUE(sink.event_kinds.empty());
  EXPECT_EQ(sink.batch_size, 100u);
  EXPECT_EQ(sink.max_age_seconds, 7 * 24 * 3600);  // 7 days by default
  EXPECT_TRUE(Config().destinations.empty());
}

TEST(ConfigTest, DestinationMistakesNameTheKey) {
  testing::TempDir dir;
  const auto error = [&](const std::string& destinations) {
    return std::string(
        LoadConfigFile(Write(dir, R"({"destinations": [)" + destinations + "]}")).status().message());
  };
  EXPECT_THAT(error(R"({"name": "a", "address": "h:1"})"),
              HasSubstr("needs either \"tls\" or \"insecure\": true"));
  EXPECT_THAT(error(R"({"name": "a", "address": "h:1", "insecure": true, "tls": {}})"),
              HasSubstr("not both"));
  EXPECT_THAT(error(R"({"address": "h:1", "insecure": true})"), HasSubstr("needs a \"name\""));
  EXPECT_THAT(error(R"({"name": "a", "address": "h:1", "insecure": true, "batchsize": 5})"),
              HasSubstr("unknown key destinations[0].batchsize"));
  EXPECT_THAT(error(R"({"name": "a", "address": "h:1", "insecure": true, "eventKinds": ["Dose"]})"),
              HasSubstr("'Dose' is not an event kind"));
  EXPECT_THAT(error(R"({"name": "a", "address": "h:1", "tls": {"certFile": "c.pem"}})"),
              HasSubstr("both certFile and keyFile"));
  EXPECT_THAT(error(R"({"name": "a", "address": "h:1", "insecure": true, "batchSize": 0})"),
              HasSubstr("destinations[0].batchSize must be a positive integer"));
  EXPECT_THAT(error(R"({"name": "a", "address": "h:1", "insecure": true},
                       {"name": "a", "address": "h:2", "insecure": true})"),
              HasSubstr("the name 'a' is used twice"));
}

TEST(ConfigTest, ReadsTlsIdentitiesAndCallLimits) {
  testing::TempDir dir;
  absl::StatusOr<Config> config = LoadConfigFile(Write(dir, R"({
    "tls": {"certFile": "s.pem", "keyFile": "s.key", "clientCaFile": "ca.pem"},
    "identities": [
      {"name": "site-a", "subject": "CN=site-a,O=Trial", "roles": ["site"], "site": "a"},
      {"name": "ops", "san": "ops.example", "roles": ["registry-admin", "auditor"]}
    ],
    "limits": {"requestsPerSecond": 50, "requestBurst": 80, "maxStreamsPerCaller": 3}
  })"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->tls.cert_file, "s.pem");
  EXPECT_EQ(config->tls.key_file, "s.key");
  EXPECT_EQ(config->tls.client_ca_file, "ca.pem");
  ASSERT_EQ(config->identities.size(), 2u);
  EXPECT_EQ(config->identities[0].subject, "CN=site-a,O=Trial");
  EXPECT_EQ(config->identities[0].site, "a");
  EXPECT_EQ(config->identities[1].san, "ops.example");
  EXPECT_EQ(config->identities[1].roles,
            (std::set<security::Role>{security::Role::kRegistryAdmin, security::Role::kAuditor}));
  EXPECT_EQ(config->call_limits.requests_per_second, 50);
  EXPECT_EQ(config->call_limits.request_burst, 80);
  EXPECT_EQ(config->call_limits.max_streams_per_caller, 3u);
  EXPECT_FALSE(config->insecure);  // only the --insecure flag makes a plaintext listener
}

TEST(ConfigTest, SecurityMistakesNameTheKey) {
  testing::TempDir dir;
  const auto error = [&](const std::string& json) {
    return std::string(LoadConfigFile(Write(dir, json)).status().message());
  };
  const auto identity = [&](const std::string& fields) {
    return error(R"({"identities": [)" + fields + "]}");
  };
  EXPECT_THAT(error(R"({"tls": {"certFile": "s.pem", "keyFile": "s.key"}})"),
              HasSubstr("tls needs certFile, keyFile and clientCaFile"));
  EXPECT_THAT(error(R"({"tls": {"certfile": "s.pem"}})"), HasSubstr("unknown key tls.certfile"));
  EXPECT_THAT(identity(R"({"name": "a", "roles": ["warehouse"]})"),
              HasSubstr("exactly one of \"subject\""));
  EXPECT_THAT(identity(R"({"name": "a", "subject": "CN=a", "san": "a", "roles": ["warehouse"]})"),
              HasSubstr("exactly one of \"subject\""));
  EXPECT_THAT(identity(R"({"name": "a", "san": "a", "roles": ["admin"]})"),
              HasSubstr("roles are site, warehouse, registry-admin, auditor"));
  EXPECT_THAT(identity(R"({"name": "a", "san": "a", "roles": ["site"]})"),
              HasSubstr("needs the \"site\" it acts for"));
  EXPECT_THAT(identity(R"({"name": "a", "san": "a", "roles": ["warehouse"], "site": "x"})"),
              HasSubstr("names a site but has no site role"));
  EXPECT_THAT(identity(R"({"name": "a", "san": "a", "roles": []})"),
              HasSubstr("identities[0].roles must be a non-empty array"));
  EXPECT_THAT(identity(R"({"name": "a", "san": "a", "roles": ["warehouse"], "role": "x"})"),
              HasSubstr("unknown key identities[0].role"));
  EXPECT_THAT(identity(R"({"name": "a", "san": "a", "roles": ["warehouse"]},
                          {"name": "a", "san": "b", "roles": ["warehouse"]})"),
              HasSubstr("the name 'a' is used twice"));
  EXPECT_THAT(identity(R"({"name": "a", "san": "a", "roles": ["warehouse"]},
                          {"name": "b", "san": "a", "roles": ["auditor"]})"),
              HasSubstr("another identity has the same san:a"));
  EXPECT_THAT(error(R"({"limits": {"maxStreamsPerCaller": 0}})"),
              HasSubstr("limits.maxStreamsPerCaller must be a positive integer"));
}

TEST(ConfigTest, ReadsTheMllpSendersPatientIdentifierSystem) {
  testing::TempDir dir;
  absl::StatusOr<Config> config = LoadConfigFile(Write(dir, R"({
    "mllp": {"senders": [
      {"system": "LIS@HOSPA", "localCodeSystem": "urn:site-a:lab-codes",
       "patientIdentifierSystem": "urn:oid:1.2.276.0.76.4.8"},
      {"system": "LIS@HOSPB"}
    ]}
  })"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->mllp.senders.at("LIS@HOSPA").patient_identifier_system,
            "urn:oid:1.2.276.0.76.4.8");
  EXPECT_EQ(config->mllp.senders.at("LIS@HOSPB").patient_identifier_system, "");
  for (const char* bad : {"MRN", "not a uri", ":x", "urn:", "urn:has space"}) {
    EXPECT_THAT(LoadConfigFile(Write(dir, absl::StrCat(R"({"mllp": {"senders": [
                  {"system": "LIS@HOSPA", "patientIdentifierSystem": ")", bad, R"("}]}})")))
                    .status()
                    .message(),
                HasSubstr("patientIdentifierSystem"))
        << bad;
  }
}

TEST(ConfigTest, EnvironmentOverridesTheFile) {
  Config config;
  ::setenv("TRIALGATE_LISTEN", "127.0.0.1:7000", 1);
  ApplyEnvironment(config);
  ::unsetenv("TRIALGATE_LISTEN");
  EXPECT_EQ(config.listen, "127.0.0.1:7000");
}

TEST(ConfigTest, AnUnknownEmbeddedStudyIsAClearError) {
  Config config;
  config.study = "no-such-study";
  EXPECT_THAT(LoadStudy(config).status().message(), HasSubstr("no embedded study"));
}

}  // namespace
}  // namespace trialgate::config
