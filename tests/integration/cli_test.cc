// The `trialgate` command line against a running server: what an operator types.
#include <sys/wait.h>

#include <cstdio>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "tests/support/gateway_harness.h"

namespace trialgate::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

rapidjson::Document Json(const std::string& line) {
  rapidjson::Document document;
  document.Parse(line.c_str());
  EXPECT_FALSE(document.HasParseError()) << line;
  return document;
}

TEST(CliTest, SubmitPrintsOneJsonLinePerEntryAndPullPrintsEvents) {
  TempDir dir;
  GatewayProcess server(dir.path());
  const std::string target = "--target " + server.address();

  CliRun submit = RunCli("submit " + target + " --source hospital-a " +
                      TestDataPath("transaction-enrol-and-data.json"));
  EXPECT_EQ(submit.exit_code, 0);
  ASSERT_EQ(submit.lines.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    rapidjson::Document line = Json(submit.lines[i]);
    EXPECT_EQ(line["entry"].GetInt(), i);
    EXPECT_STREQ(line["outcome"].GetString(), "accepted");
    EXPECT_EQ(line["eventIds"].Size(), 1u);
    EXPECT_THAT(line["file"].GetString(), HasSubstr("transaction-enrol-and-data.json"));
  }

  CliRun again = RunCli("submit " + target + " --source hospital-a " +
                     TestDataPath("transaction-enrol-and-data.json"));
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_STREQ(Json(again.lines[0])["outcome"].GetString(), "duplicate");

  CliRun pull = RunCli("pull " + target + " --after 1 --limit 2");
  EXPECT_EQ(pull.exit_code, 0);
  ASSERT_EQ(pull.lines.size(), 2u);
  rapidjson::Document event = Json(pull.lines[0]);
  EXPECT_STREQ(event["sequence"].GetString(), "2");  // uint64 is a string in protobuf's JSON
  EXPECT_STREQ(event["subjectId"].GetString(), "KRD-001-0002");
  EXPECT_TRUE(event.HasMember("doseAdministered"));
}

TEST(CliTest, SubmitExitsNonZeroWhenAnEntryIsRejected) {
  TempDir dir;
  GatewayProcess server(dir.path());
  CliRun run = RunCli("submit --target " + server.address() + " " +
                   TestDataPath("observation-anc-pt-1001.json"));
  EXPECT_EQ(run.exit_code, 1);
  ASSERT_EQ(run.lines.size(), 1u);
  rapidjson::Document line = Json(run.lines[0]);
  EXPECT_STREQ(line["outcome"].GetString(), "rejected");
  EXPECT_STREQ(line["operationOutcome"]["resourceType"].GetString(), "OperationOutcome");
}

TEST(CliTest, SubmitReportsAWholeBodyRejectionWithItsOperationOutcome) {
  TempDir dir;
  GatewayProcess server(dir.path());
  const std::string bad = (dir.path() / "bad.json").string();
  std::FILE* file = std::fopen(bad.c_str(), "w");
  std::fputs("{\"resourceType\": ", file);
  std::fclose(file);
  CliRun run = RunCli("submit --target " + server.address() + " " + bad);
  EXPECT_EQ(run.exit_code, 1);
  ASSERT_EQ(run.lines.size(), 1u);
  rapidjson::Document line = Json(run.lines[0]);
  EXPECT_TRUE(line["entry"].IsNull());
  EXPECT_THAT(line["error"].GetString(), HasSubstr("INVALID_ARGUMENT"));
  EXPECT_STREQ(line["operationOutcome"]["issue"][0]["code"].GetString(), "structure");
}

TEST(CliTest, ValidatePrintsTheOperationOutcomeAndExitsNonZeroOnErrors) {
  TempDir dir;
  GatewayProcess server(dir.path());
  const std::string bad = (dir.path() / "bad.json").string();
  std::FILE* file = std::fopen(bad.c_str(), "w");
  std::fputs(R"({"resourceType":"Observation","status":"done","code":{"text":"x"}})", file);
  std::fclose(file);

  CliRun good = RunCli("validate --target " + server.address() + " " +
                       TestDataPath("transaction-enrol-and-data.json"));
  EXPECT_EQ(good.exit_code, 0);
  ASSERT_EQ(good.lines.size(), 1u);
  EXPECT_TRUE(Json(good.lines[0])["valid"].GetBool());

  CliRun run = RunCli("validate --target " + server.address() + " " + bad + " " +
                      TestDataPath("research-subject-pt-1001.json"));
  EXPECT_EQ(run.exit_code, 1);
  ASSERT_EQ(run.lines.size(), 2u);
  rapidjson::Document first = Json(run.lines[0]);
  EXPECT_FALSE(first["valid"].GetBool());
  EXPECT_STREQ(first["operationOutcome"]["issue"][0]["expression"][0].GetString(),
               "Observation.status");
  EXPECT_TRUE(Json(run.lines[1])["valid"].GetBool());
}

TEST(CliTest, ValidateWithProfileHoldsTheFileToThatProfile) {
  TempDir dir;
  GatewayProcess server(dir.path());
  const std::string anc = TestDataPath("observation-anc-pt-1001.json");
  const std::string profile = "--profile urn:trialgate:krd-asct2:profile:lab-result ";
  CliRun conforming = RunCli("validate --target " + server.address() + " " + profile + anc);
  EXPECT_EQ(conforming.exit_code, 0);

  const std::string no_unit = (dir.path() / "no-unit.json").string();
  std::FILE* file = std::fopen(no_unit.c_str(), "w");
  std::fputs(R"({"resourceType":"Observation","status":"final",
      "code":{"coding":[{"system":"http://loinc.org","code":"751-8"}]},
      "subject":{"reference":"Patient/pt-1001"},"effectiveDateTime":"2026-01-05",
      "valueQuantity":{"value":1.9}})", file);
  std::fclose(file);
  EXPECT_EQ(RunCli("validate --target " + server.address() + " " + no_unit).exit_code, 0);
  CliRun run = RunCli("validate --target " + server.address() + " " + profile + no_unit);
  EXPECT_EQ(run.exit_code, 1);
  ASSERT_EQ(run.lines.size(), 1u);
  rapidjson::Document line = Json(run.lines[0]);
  EXPECT_FALSE(line["valid"].GetBool());
  EXPECT_STREQ(line["operationOutcome"]["issue"][0]["expression"][0].GetString(),
               "Observation.value.ofType(Quantity).system");
}

TEST(CliTest, TimelinePrintsTheSubjectsTimelineAsJson) {
  TempDir dir;
  GatewayProcess server(dir.path());
  const std::string target = "--target " + server.address();
  ASSERT_EQ(RunCli("submit " + target + " --source hospital-a " +
                   TestDataPath("transaction-enrol-and-data.json")).exit_code, 0);

  CliRun timeline = RunCli("timeline " + target + " KRD-001-0002");
  EXPECT_EQ(timeline.exit_code, 0);
  std::string json;
  for (const std::string& line : timeline.lines) json += line + "\n";
  rapidjson::Document document = Json(json);
  ASSERT_TRUE(document.IsObject());
  EXPECT_STREQ(document["subjectId"].GetString(), "KRD-001-0002");
  EXPECT_STREQ(document["phases"][0]["id"].GetString(), "reinduction");
  EXPECT_STREQ(document["phases"][0]["startDate"].GetString(), "2026-02-02");
  // The one carfilzomib dose has no height and weight to check it against.
  bool not_checked = false;
  for (const auto& finding : document["findings"].GetArray()) {
    not_checked |= std::string(finding["finding"]["code"].GetString()) == "DOSE_NOT_CHECKED";
  }
  EXPECT_TRUE(not_checked) << json;

  EXPECT_EQ(RunCli("timeline " + target + " KRD-404").exit_code, 1);
}

// `trialgate report` against the real gateway: the endpoints as JSON (proto field names), and
// as one self-contained HTML file for a steering committee.
TEST(CliTest, ReportPrintsTheEndpointsAsJsonOrWritesOneHtmlFile) {
  TempDir dir;
  GatewayProcess server(dir.path());
  const std::string target = "--target " + server.address();
  ASSERT_EQ(RunCli("submit " + target + " --source hospital-a " +
                   TestDataPath("transaction-enrol-and-data.json")).exit_code, 0);

  CliRun json_run = RunCli("report " + target + " --format json --cutoff 2026-03-31");
  ASSERT_EQ(json_run.exit_code, 0);
  std::string json;
  for (const std::string& line : json_run.lines) json += line + "\n";
  rapidjson::Document document = Json(json);
  ASSERT_TRUE(document.IsObject()) << json;
  EXPECT_STREQ(document["data_cutoff"].GetString(), "2026-03-31");
  EXPECT_EQ(document["subjects"].GetInt(), 1);
  EXPECT_STREQ(document["subject_summaries"][0]["subject_id"].GetString(), "KRD-001-0002");
  EXPECT_STREQ(document["time_to_event"][0]["id"].GetString(), "pfs");

  const std::filesystem::path out = dir.path() / "report.html";
  ASSERT_EQ(RunCli("report " + target + " --format html --cutoff 2026-03-31 --out " +
                   out.string()).exit_code, 0);
  const std::string html = ReadFile(out);
  EXPECT_THAT(html, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(html, HasSubstr("<svg"));
  EXPECT_THAT(html, HasSubstr("KRD-001-0002"));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("src=\"http")));
  EXPECT_THAT(html, Not(HasSubstr("MRN-")));  // the hospital's identifier never leaves

  EXPECT_NE(RunCli("report " + target + " --cutoff 2026-13-01").exit_code, 0);
}

TEST(CliTest, HelpWorksForEveryCommand) {
  for (const char* command :
       {"", "serve ", "submit ", "pull ", "validate ", "timeline ", "report ", "bench ",
        "destinations ", "deadletters ", "deadletters list ", "deadletters replay ",
        "deadletters discard ", "registry-sink "}) {
    CliRun run = RunCli(std::string(command) + "--help");
    EXPECT_EQ(run.exit_code, 0) << command;
    ASSERT_FALSE(run.lines.empty()) << command;
  }
}

}  // namespace
}  // namespace trialgate::testing
