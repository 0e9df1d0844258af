// The real binary keeps an audit log; `trialgate audit verify` says whether it is intact.
#include <csignal>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"

namespace trialgate::testing {
namespace {

using ::testing::HasSubstr;

TEST(AuditCliTest, VerifyPassesAnIntactLogAndFindsAnEditedRecord) {
  TempDir dir;
  {
    GatewayProcess server(dir.path());
    const std::string target = "--target " + server.address();
    EXPECT_EQ(RunCli("submit " + target + " --source hospital-a " + std::string(TRIALGATE_SOURCE_DIR) +
                     "/tests/integration/testdata/transaction-enrol-and-data.json")
                  .exit_code,
              0);
    EXPECT_EQ(RunCli("pull " + target + " --limit 1").exit_code, 0);
    EXPECT_EQ(RunCli("timeline " + target + " KRD-001-0002").exit_code, 0);
    server.Stop(SIGTERM);
  }
  const std::filesystem::path log = dir.path() / "audit.log";

  CliRun intact = RunCli("audit verify --data " + dir.path().string());
  EXPECT_EQ(intact.exit_code, 0);
  ASSERT_EQ(intact.lines.size(), 1u);
  EXPECT_THAT(intact.lines[0], HasSubstr("intact, 3 records, head "));

  // An auditor's worst case: someone rewrites who made the second call.
  std::string text = ReadFile(log);
  const size_t second = text.find('\n') + 1;
  const size_t identity = text.find("insecure-development", second);
  ASSERT_NE(identity, std::string::npos);
  text.replace(identity, 20, "site01-epic-pretends");
  std::ofstream(log, std::ios::binary | std::ios::trunc) << text;

  CliRun tampered = RunCli("audit verify " + log.string());
  EXPECT_EQ(tampered.exit_code, 1);
  ASSERT_EQ(tampered.lines.size(), 1u);
  EXPECT_THAT(tampered.lines[0], HasSubstr("at line 2: edited"));
  EXPECT_THAT(tampered.lines[0], HasSubstr("1 records before it are intact"));

  // The gateway refuses to continue a damaged chain.
  config::Config config;
  config.listen = "127.0.0.1:0";
  config.mllp.listen = "127.0.0.1:0";  // parallel tests: no fixed ports
  config.http.listen = "127.0.0.1:0";
  config.data_dir = dir.path().string();
  const auto restarted = server::GatewayServer::Start(config);
  ASSERT_FALSE(restarted.ok());
  EXPECT_THAT(std::string(restarted.status().message()), HasSubstr("fails verification at line 2"));

  CliRun missing = RunCli("audit verify " + (dir.path() / "nope.log").string());
  EXPECT_EQ(missing.exit_code, 2);
}

}  // namespace
}  // namespace trialgate::testing
