// The real `trialgate serve` binary with TLS from a dev-ca.sh config, and the command-line
// client with --ca/--cert/--key: what an operator sets up and types.
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "tests/security/dev_ca.h"

namespace trialgate::testing {
namespace {

using ::testing::HasSubstr;

TEST(TlsProcessTest, ServeRefusesPlaintextUnlessToldAndThenSaysSoLoudly) {
  TempDir dir;
  const std::string serve = std::string(TRIALGATE_BINARY) + " serve --listen 127.0.0.1:0 --data " +
                            (dir.path() / "data").string();
  const int status =
      std::system((serve + " >/dev/null 2>" + (dir.path() / "refused.log").string()).c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << status;
  EXPECT_THAT(ReadFile(dir.path() / "refused.log"), HasSubstr("pass --insecure"));

  GatewayProcess insecure(dir.path() / "data", dir.path() / "insecure.log");
  ASSERT_FALSE(insecure.address().empty());
  EXPECT_THAT(ReadFile(dir.path() / "insecure.log"), HasSubstr("INSECURE"));
  EXPECT_THAT(ReadFile(dir.path() / "insecure.log"), HasSubstr("PLAINTEXT"));
}

TEST(TlsProcessTest, TheCommandLineClientSpeaksMutualTlsAsItsIdentity) {
  TempDir dir;
  DevCa ca(dir.path() / "ca", {"site-a:site:site-a", "warehouse:warehouse"});
  ASSERT_TRUE(ca.ok());
  GatewayProcess server(dir.path() / "data", dir.path() / "gateway.log", ca.config_file(),
                        /*insecure=*/false);
  ASSERT_FALSE(server.address().empty()) << ReadFile(dir.path() / "gateway.log");
  EXPECT_THAT(ReadFile(dir.path() / "gateway.log"), HasSubstr("mutual TLS"));
  EXPECT_THAT(ReadFile(dir.path() / "gateway.log"), Not(HasSubstr("INSECURE")));

  const auto as = [&](const std::string& client) {
    return "--target " + server.address() + " --ca " + ca.file("ca.pem").string() + " --cert " +
           ca.file(client + ".pem").string() + " --key " + ca.file(client + ".key").string();
  };
  const std::string enrol = TestDataPath("research-subject-pt-1001.json");
  CliRun submit = RunCli("submit " + as("site-a") + " --source site-a-epic " + enrol);
  EXPECT_EQ(submit.exit_code, 0);
  ASSERT_EQ(submit.lines.size(), 1u);
  EXPECT_THAT(submit.lines[0], HasSubstr("\"outcome\":\"accepted\""));

  CliRun pull = RunCli("pull " + as("warehouse"));
  EXPECT_EQ(pull.exit_code, 0);
  ASSERT_EQ(pull.lines.size(), 1u);
  EXPECT_THAT(pull.lines[0], HasSubstr("\"siteId\":\"site-a\""));

  // The wrong identity is refused; so is plaintext against a TLS gateway.
  EXPECT_NE(RunCli("submit " + as("warehouse") + " " + enrol).exit_code, 0);
  EXPECT_NE(RunCli("pull " + as("site-a")).exit_code, 0);
  EXPECT_NE(RunCli("pull --target " + server.address()).exit_code, 0);
}

}  // namespace
}  // namespace trialgate::testing
