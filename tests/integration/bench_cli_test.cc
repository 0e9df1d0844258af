// `trialgate bench --mode http`: its requests (every resource new, transactions of creates), how
// it judges the facade's answers, and a small run against the real gateway. Nothing is timed.
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gateway/cli/bench_resources.h"
#include "gateway/cli/http_bench.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "tests/support/gateway_harness.h"

namespace trialgate::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(BenchResourcesTest, ATransactionHoldsEachOfItsResourcesOnceAsACreate) {
  rapidjson::Document bundle;
  bundle.Parse(cli::BenchTransaction("run1", "subj", 3, 8, 4).c_str());
  ASSERT_FALSE(bundle.HasParseError());
  EXPECT_STREQ(bundle["type"].GetString(), "transaction");
  ASSERT_EQ(bundle["entry"].Size(), 5u);
  std::set<std::string> ids;
  for (rapidjson::SizeType e = 0; e < 5; ++e) {
    const rapidjson::Value& entry = bundle["entry"][e];
    EXPECT_STREQ(entry["request"]["method"].GetString(), "POST");
    EXPECT_STREQ(entry["request"]["url"].GetString(), cli::BenchResourceType(3 + e));
    EXPECT_STREQ(entry["resource"]["resourceType"].GetString(), cli::BenchResourceType(3 + e));
    EXPECT_STREQ(entry["resource"]["subject"]["reference"].GetString(),
                 cli::BenchPatientRef("subj", static_cast<int>((3 + e) % 4)).c_str());
    ids.insert(entry["resource"]["id"].GetString());
  }
  EXPECT_EQ(ids.size(), 5u);
  // Another run's resources are new as well.
  EXPECT_NE(cli::BenchResource("run1", "subj", 5, 4), cli::BenchResource("run2", "subj", 5, 4));
}

TEST(HttpBenchTest, ATransactionCountsOnlyWhenEveryEntryWasCreated) {
  const std::string created =
      R"({"resourceType":"Bundle","type":"transaction-response","entry":[)"
      R"({"response":{"status":"201 Created"}},{"response":{"status":"201 Created"}}]})";
  EXPECT_EQ(cli::JudgeHttpTransaction(200, created, 2), "");
  EXPECT_THAT(cli::JudgeHttpTransaction(200, created, 3), HasSubstr("not a transaction-response"));
  const std::string one_existed =
      R"({"resourceType":"Bundle","type":"transaction-response","entry":[)"
      R"({"response":{"status":"201 Created"}},{"response":{"status":"200 OK"}}]})";
  EXPECT_THAT(cli::JudgeHttpTransaction(200, one_existed, 2), StartsWith("entry 1"));
  EXPECT_THAT(cli::JudgeHttpTransaction(422, "{}", 2), StartsWith("HTTP 422"));
  EXPECT_EQ(cli::JudgeHttpCreate(201, "", 1), "");
  EXPECT_THAT(cli::JudgeHttpCreate(200, "", 1), StartsWith("HTTP 200"));
}

TEST(BenchCliTest, HttpModeComparesEachPhaseWithGrpcAndEverythingIsAccepted) {
  TempDir dir;
  GatewayProcess server(dir.path());
  ASSERT_FALSE(server.http_address().empty());
  CliRun run = RunCli(absl::StrCat("bench --mode http --target ", server.address(),
                                   " --http-target ", server.http_address(),
                                   " -n 40 -c 3 --bundle-size 4 --subjects 3"));
  EXPECT_EQ(run.exit_code, 0);
  ASSERT_EQ(run.lines.size(), 5u);
  EXPECT_THAT(run.lines[0], StartsWith("grpc-unary create count=40 "));
  EXPECT_THAT(run.lines[1], StartsWith("http create count=40 "));
  EXPECT_THAT(run.lines[2], StartsWith("grpc-unary transaction of 4 count=10 "));
  EXPECT_THAT(run.lines[3], StartsWith("http transaction of 4 count=10 "));
  for (int phase = 0; phase < 4; ++phase) {
    EXPECT_THAT(run.lines[phase], HasSubstr("not accepted 0")) << run.lines[phase];
  }
  EXPECT_THAT(run.lines[0], HasSubstr("accepted 40,"));
  EXPECT_THAT(run.lines[3], HasSubstr("accepted 10,"));
  EXPECT_THAT(run.lines[4], StartsWith("http / grpc-unary, creates: "));
}

TEST(BenchCliTest, HttpModeFailsWhenTheHttpListenerIsNotThere) {
  TempDir dir;
  GatewayProcess server(dir.path());
  // Port 1 on loopback: nothing listens there, every connection is refused.
  CliRun run = RunCli(absl::StrCat("bench --mode http --target ", server.address(),
                                   " --http-target 127.0.0.1:1 -n 6 -c 2 --bundle-size 3"));
  EXPECT_EQ(run.exit_code, 1);
  ASSERT_GE(run.lines.size(), 2u);
  EXPECT_THAT(run.lines[1], HasSubstr("accepted 0, not accepted 6"));
}

}  // namespace
}  // namespace trialgate::testing
