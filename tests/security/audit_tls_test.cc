// The audit log on a TLS listener: calls carry the caller's configured identity, roles and
// site, and calls the authenticator refuses before any service are on record too.
#include <fstream>

#include "gateway/audit/chain_verifier.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "tests/support/gateway_harness.h"
#include "tests/security/dev_ca.h"

namespace trialgate::testing {
namespace {

std::vector<rapidjson::Document> Records(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<rapidjson::Document> records;
  for (std::string line; std::getline(in, line);) records.emplace_back().Parse(line.c_str());
  return records;
}

TEST(AuditTlsTest, RecordsTheIdentityAndCallsRefusedBeforeAnyService) {
  TempDir dir;
  DevCa ca(dir.path() / "ca", {"site-a:site:site-a", "warehouse:warehouse"});
  ASSERT_TRUE(ca.ok()) << "deploy/dev-ca.sh failed";
  absl::StatusOr<config::Config> config = config::LoadConfigFile(ca.config_file().string());
  ASSERT_TRUE(config.ok()) << config.status();
  auto server = StartInProcess(dir.path() / "data", *config);
  ASSERT_NE(server, nullptr);

  GatewayClient warehouse(server->address(), ca.Credentials("warehouse"));
  warehouse.Pull();
  GatewayClient site(server->address(), ca.Credentials("site-a"));
  grpc::ClientContext context;
  v1::PullRequest request;
  auto reader = site.feed().Pull(&context, request);
  v1::Event event;
  while (reader->Read(&event)) {
  }
  ASSERT_EQ(reader->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // A refused call's record is queued by the authenticator, not waited for.
  const std::filesystem::path log = dir.path() / "data" / "audit.log";
  ASSERT_TRUE(Eventually([&] { return Records(log).size() >= 2; }));
  std::vector<rapidjson::Document> records = Records(log);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_STREQ(records[0]["identity"].GetString(), "warehouse");
  EXPECT_STREQ(records[0]["roles"][0].GetString(), "warehouse");
  EXPECT_STREQ(records[0]["code"].GetString(), "OK");
  EXPECT_THAT(records[0]["peer"].GetString(), ::testing::HasSubstr("127.0.0.1"));
  EXPECT_STREQ(records[1]["identity"].GetString(), "site-a");
  EXPECT_STREQ(records[1]["site"].GetString(), "site-a");
  EXPECT_STREQ(records[1]["rpc"].GetString(), "/trialgate.v1.EventFeed/Pull");
  EXPECT_STREQ(records[1]["code"].GetString(), "PERMISSION_DENIED");

  absl::StatusOr<audit::ChainReport> report = audit::VerifyChainFile(log.string());
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->intact) << report->problem;
}

}  // namespace
}  // namespace trialgate::testing
