// `trialgate validate` without a server (issue 14 point 4): the real binary validating in its
// own process, held line for line against the same command asking an in-process gateway.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "tests/fixtures.h"
#include "tests/support/gateway_harness.h"

namespace trialgate::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr char kLabProfile[] = "urn:trialgate:krd-asct2:profile:lab-result";
// A lab result valid as FHIR R4 but without the unit the study's lab profile requires.
constexpr char kLabResultWithoutUnit[] = R"({"resourceType":"Observation","status":"final",
    "code":{"coding":[{"system":"http://loinc.org","code":"751-8"}]},
    "subject":{"reference":"Patient/pt-1001"},"effectiveDateTime":"2026-01-05",
    "valueQuantity":{"value":1.9}})";

rapidjson::Document Json(const std::string& line) {
  rapidjson::Document document;
  document.Parse(line.c_str());
  EXPECT_FALSE(document.HasParseError()) << line;
  return document;
}

std::string Write(const fs::path& path, const std::string& content) {
  std::FILE* file = std::fopen(path.c_str(), "w");
  std::fputs(content.c_str(), file);
  std::fclose(file);
  return path.string();
}

// Files made here: an R4 error, a body that is not JSON, an Observation that is valid R4 but
// lacks the lab-result profile's unit system, and one that does not exist.
std::string MadeFiles(const TempDir& dir) {
  return Write(dir.path() / "bad-status.json",
               R"({"resourceType":"Observation","status":"done","code":{"text":"x"}})") +
         " " + Write(dir.path() / "not-json.json", "{\"resourceType\": ") + " " +
         Write(dir.path() / "no-unit.json",
               R"({"resourceType":"Observation","status":"final",
                   "code":{"coding":[{"system":"http://loinc.org","code":"751-8"}]},
                   "subject":{"reference":"Patient/pt-1001"},"effectiveDateTime":"2026-01-05",
                   "valueQuantity":{"value":1.9}})") +
         " " + (dir.path() / "missing.json").string();
}

std::string TestDataFiles() {
  std::string files;
  for (const char* name : {"transaction-enrol-and-data.json", "research-subject-pt-1001.json",
                           "observation-anc-pt-1001.json", "batch-mixed.json"}) {
    files += " " + TestDataPath(name);
  }
  return files;
}

// The same command run locally and against `address`: the same lines, the same exit code.
void ExpectSameAsRemote(const std::string& address, const std::string& arguments) {
  CliRun local = RunCli("validate " + arguments);
  CliRun remote = RunCli("validate --target " + address + " " + arguments);
  EXPECT_EQ(local.exit_code, remote.exit_code) << arguments;
  ASSERT_EQ(local.lines.size(), remote.lines.size()) << arguments;
  for (size_t i = 0; i < local.lines.size(); ++i) EXPECT_EQ(local.lines[i], remote.lines[i]);
}

TEST(ValidateCliTest, LocalPrintsTheSameLinesAsTheGateway) {
  TempDir dir;
  std::unique_ptr<server::GatewayServer> server = StartInProcess(dir.path() / "data");
  ASSERT_NE(server, nullptr);
  const std::string files = MadeFiles(dir) + TestDataFiles();
  ExpectSameAsRemote(server->address(), files);
  ExpectSameAsRemote(server->address(), std::string("--profile ") + kLabProfile + " " + files);
  ExpectSameAsRemote(server->address(), "--profile urn:example:unknown " + files);
}

TEST(ValidateCliTest, LocalAgreesWithTheGatewayOnTheOfficialExamples) {
  TRIALGATE_REQUIRE_FIXTURES();
  std::string files;
  int count = 0;
  for (const fs::directory_entry& entry :
       fs::directory_iterator(fs::path(TRIALGATE_FIXTURES_DIR) / "fhir-r4/examples")) {
    if (entry.path().extension() != ".json") continue;
    files += " " + entry.path().string();
    ++count;
  }
  ASSERT_GT(count, 0);
  TempDir dir;
  std::unique_ptr<server::GatewayServer> server = StartInProcess(dir.path());
  ASSERT_NE(server, nullptr);
  CliRun local = RunCli("validate" + files);
  EXPECT_EQ(local.lines.size(), static_cast<size_t>(count));
  // r4ex-Observation-clinical-gender.json breaks an R4 rule (validator_test.cc says which).
  EXPECT_EQ(local.exit_code, 1);
  ExpectSameAsRemote(server->address(), files);
}

TEST(ValidateCliTest, RequireStudyProfilesMatchesAGatewayConfiguredSo) {
  TempDir dir;
  config::Config config;
  config.require_study_profiles = true;
  std::unique_ptr<server::GatewayServer> server = StartInProcess(dir.path() / "data", config);
  ASSERT_NE(server, nullptr);
  const std::string no_unit = Write(dir.path() / "no-unit.json",
                                    kLabResultWithoutUnit);
  EXPECT_EQ(RunCli("validate " + no_unit).exit_code, 0);
  CliRun required = RunCli("validate --require-study-profiles " + no_unit);
  EXPECT_EQ(required.exit_code, 1);
  CliRun remote = RunCli("validate --target " + server->address() + " " + no_unit);
  EXPECT_EQ(required.lines, remote.lines);
}

TEST(ValidateCliTest, ValidAndInvalidFilesGiveTheirExitCodes) {
  TempDir dir;
  CliRun good = RunCli("validate" + TestDataFiles());
  EXPECT_EQ(good.exit_code, 0);
  ASSERT_EQ(good.lines.size(), 4u);
  for (const std::string& line : good.lines) EXPECT_TRUE(Json(line)["valid"].GetBool()) << line;

  const std::string bad = Write(dir.path() / "bad.json",
                                R"({"resourceType":"Observation","status":"done","code":{"text":"x"}})");
  CliRun run = RunCli("validate " + bad + " " + TestDataPath("research-subject-pt-1001.json"));
  EXPECT_EQ(run.exit_code, 1);
  ASSERT_EQ(run.lines.size(), 2u);
  rapidjson::Document first = Json(run.lines[0]);
  EXPECT_EQ(first["file"].GetString(), bad);
  EXPECT_FALSE(first["valid"].GetBool());
  EXPECT_STREQ(first["operationOutcome"]["issue"][0]["expression"][0].GetString(),
               "Observation.status");
  EXPECT_TRUE(Json(run.lines[1])["valid"].GetBool());
}

TEST(ValidateCliTest, ProfileWorksLocally) {
  TempDir dir;
  const std::string profile = std::string("--profile ") + kLabProfile + " ";
  EXPECT_EQ(RunCli("validate " + profile + TestDataPath("observation-anc-pt-1001.json")).exit_code,
            0);
  const std::string no_unit = Write(dir.path() / "no-unit.json",
                                    kLabResultWithoutUnit);
  EXPECT_EQ(RunCli("validate " + no_unit).exit_code, 0);
  CliRun run = RunCli("validate " + profile + no_unit);
  EXPECT_EQ(run.exit_code, 1);
  ASSERT_EQ(run.lines.size(), 1u);
  EXPECT_STREQ(Json(run.lines[0])["operationOutcome"]["issue"][0]["expression"][0].GetString(),
               "Observation.value.ofType(Quantity).system");
}

TEST(ValidateCliTest, AMissingFileIsAnErrorLineAndTheOthersAreStillValidated) {
  TempDir dir;
  const std::string missing = (dir.path() / "missing.json").string();
  CliRun run =
      RunCli("validate " + missing + " " + TestDataPath("research-subject-pt-1001.json"));
  EXPECT_EQ(run.exit_code, 1);
  ASSERT_EQ(run.lines.size(), 2u);
  rapidjson::Document line = Json(run.lines[0]);
  EXPECT_EQ(line["file"].GetString(), missing);
  EXPECT_FALSE(line["valid"].GetBool());
  EXPECT_STREQ(line["error"].GetString(), "NOT_FOUND: cannot read the file");
  EXPECT_FALSE(line.HasMember("operationOutcome"));
  EXPECT_TRUE(Json(run.lines[1])["valid"].GetBool());
}

TEST(ValidateCliTest, DashReadsStandardInput) {
  CliRun good = RunCli("validate - < " + TestDataPath("research-subject-pt-1001.json"));
  EXPECT_EQ(good.exit_code, 0);
  ASSERT_EQ(good.lines.size(), 1u);
  rapidjson::Document line = Json(good.lines[0]);
  EXPECT_STREQ(line["file"].GetString(), "-");
  EXPECT_TRUE(line["valid"].GetBool());

  CliRun bad = RunCli("validate - < /dev/null");
  EXPECT_EQ(bad.exit_code, 1);
  ASSERT_EQ(bad.lines.size(), 1u);
  EXPECT_FALSE(Json(bad.lines[0])["valid"].GetBool());
}

TEST(ValidateCliTest, StudyDirIsReadLikeTheEmbeddedStudy) {
  const std::string study_dir = std::string(TRIALGATE_SOURCE_DIR) + "/fhir-profiles/studies/krd-asct2";
  const std::string args = std::string("--profile ") + kLabProfile + TestDataFiles();
  CliRun embedded = RunCli("validate " + args);
  CliRun from_dir = RunCli("validate --study-dir " + study_dir + " " + args);
  EXPECT_EQ(from_dir.exit_code, embedded.exit_code);
  EXPECT_EQ(from_dir.lines, embedded.lines);

  TempDir empty;  // a folder without study.json: the study cannot load
  CliRun run = RunCli("validate --study-dir " + empty.path().string() + " " +
                      TestDataPath("research-subject-pt-1001.json"));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_TRUE(run.lines.empty());
}

TEST(ValidateCliTest, OnlyANamedTargetIsAsked) {
  const std::string file = " " + TestDataPath("research-subject-pt-1001.json");
  // Study options with a target: the command line is refused. TLS options without one are
  // ignored (they may come from the environment, set for other commands).
  EXPECT_EQ(RunCli("validate --ca " + TestDataPath("batch-mixed.json") + file).exit_code, 0);
  EXPECT_NE(RunCli("validate --target 127.0.0.1:1 --require-study-profiles" + file).exit_code, 0);
  EXPECT_NE(RunCli("validate --target 127.0.0.1:1 --study-dir /tmp" + file).exit_code, 0);
  // A named target is asked, never replaced by local validation.
  CliRun unreachable = RunCli("validate --target 127.0.0.1:1" + file);
  EXPECT_EQ(unreachable.exit_code, 1);
  ASSERT_EQ(unreachable.lines.size(), 1u);
  EXPECT_THAT(Json(unreachable.lines[0])["error"].GetString(), HasSubstr("UNAVAILABLE"));
}

}  // namespace
}  // namespace trialgate::testing
