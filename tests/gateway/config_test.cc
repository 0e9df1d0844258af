#include "gateway/config/config.h"

#include <cstdlib>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/gateway_harness.h"

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

TEST(ConfigTest, ReadsTheScheduleEngineKeys) {
  testing::TempDir dir;
  absl::StatusOr<Config> config = LoadConfigFile(Write(dir, R"({
    "siteTimeZones": {"site-01": "Europe/Berlin"}, "recordDeviations": false,
    "deviationSweepSeconds": 60, "deviationDelayMilliseconds": 0
  })"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->time_zone_by_site.at("site-01"), "Europe/Berlin");
  EXPECT_FALSE(config->record_deviations);
  EXPECT_EQ(config->deviation_sweep_seconds, 60);
  EXPECT_EQ(config->deviation_delay_ms, 0);
  EXPECT_TRUE(Config().record_deviations);
  EXPECT_THAT(LoadConfigFile(Write(dir, R"({"siteTimeZones": {"s": "Mars/Olympus"}})"))
                  .status()
                  .message(),
              HasSubstr("siteTimeZones.s must be an IANA time zone name"));
  EXPECT_THAT(LoadConfigFile(Write(dir, R"({"deviationSweepSeconds": -1})")).status().message(),
              HasSubstr("deviationSweepSeconds"));
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
