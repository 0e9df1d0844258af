// The HTTP listener under mutual TLS with deploy/dev-ca.sh certificates: the same identities
// and the same access policy as gRPC, checked with a real HTTPS client.

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "tests/security/dev_ca.h"
#include "tests/support/gateway_harness.h"

namespace trialgate::testing {
namespace {

using ::testing::HasSubstr;

class FhirTlsTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(); }

  // The gateway with dev-ca.sh's config less the stranger, and `limits`.
  void Start(security::CallLimits limits = {}) {
    ASSERT_TRUE(ca_.ok()) << "deploy/dev-ca.sh failed";
    absl::StatusOr<config::Config> config = config::LoadConfigFile(ca_.config_file().string());
    ASSERT_TRUE(config.ok()) << config.status();
    std::erase_if(config->identities, [](const auto& i) { return i.name == "stranger"; });
    config->call_limits = limits;
    server_.reset();
    server_ = StartInProcess(dir_.path() / "data", *config);
    ASSERT_NE(server_, nullptr);
    const std::string& address = server_->http_address();
    host_ = address.substr(0, address.rfind(':'));
    port_ = std::stoi(address.substr(address.rfind(':') + 1));
  }

  // An HTTPS client as `client` (its certificate), checking the gateway's certificate against
  // the CA; empty: no client certificate at all.
  std::unique_ptr<httplib::SSLClient> As(const std::string& client) const {
    const std::string cert = client.empty() ? "" : ca_.file(client + ".pem").string();
    const std::string key = client.empty() ? "" : ca_.file(client + ".key").string();
    auto https = std::make_unique<httplib::SSLClient>(host_, port_, cert, key);
    https->set_ca_cert_path(ca_.file("ca.pem").string().c_str());
    https->enable_server_certificate_verification(true);
    return https;
  }
  httplib::Result Post(const std::string& client, const std::string& path,
                       const std::string& body) const {
    return As(client)->Post(path.c_str(), body, "application/fhir+json");
  }
  httplib::Result Get(const std::string& client, const std::string& path) const {
    return As(client)->Get(path.c_str());
  }

  TempDir dir_;
  DevCa ca_{dir_.path() / "ca", {"site-a:site:site-a", "warehouse:warehouse",
                                 "stranger:site:site-z"}};
  std::unique_ptr<server::GatewayServer> server_;
  std::string host_;
  int port_ = 0;
};

TEST_F(FhirTlsTest, ASiteSubmitsForItsOwnSite) {
  httplib::Result result =
      Post("site-a", "/fhir/ResearchSubject", TestData("research-subject-pt-1001.json"));
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 201) << result->body;
  // The events belong to the certificate's site, whatever the request claims.
  const std::vector<v1::Event> events =
      GatewayClient(server_->address(), ca_.Credentials("warehouse")).Pull();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front().site_id(), "site-a");
}

TEST_F(FhirTlsTest, AnotherRoleIsForbidden) {
  httplib::Result result =
      Post("warehouse", "/fhir/ResearchSubject", TestData("research-subject-pt-1001.json"));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 403);
  EXPECT_THAT(result->body, HasSubstr("OperationOutcome"));
  EXPECT_THAT(result->body, HasSubstr("it needs the role site"));
}

TEST_F(FhirTlsTest, AnUnconfiguredCertificateIsUnauthenticated) {
  httplib::Result result =
      Post("stranger", "/fhir/ResearchSubject", TestData("research-subject-pt-1001.json"));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 401);
  EXPECT_THAT(result->body, HasSubstr("not one of the gateway's configured identities"));
}

TEST_F(FhirTlsTest, NoCertificateNoConnection) {
  httplib::Result result = Post("", "/fhir/ResearchSubject",
                                TestData("research-subject-pt-1001.json"));
  EXPECT_FALSE(result) << "the handshake requires a client certificate";
}

TEST_F(FhirTlsTest, AnyIdentityReadsTheCapabilitiesAndHealth) {
  httplib::Result metadata = Get("warehouse", "/fhir/metadata");
  ASSERT_TRUE(metadata);
  EXPECT_EQ(metadata->status, 200);
  EXPECT_THAT(metadata->body, HasSubstr("Mutual TLS"));
  EXPECT_THAT(metadata->body, HasSubstr("https://"));
  httplib::Result ready = Get("warehouse", "/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
}

TEST_F(FhirTlsTest, AnIdentityOverItsRateIsThrottled) {
  security::CallLimits limits;
  limits.requests_per_second = 0.01;
  limits.request_burst = 2;
  Start(limits);
  int throttled = 0;
  for (int i = 0; i < 3; ++i) {
    httplib::Result result = Get("warehouse", "/fhir/metadata");
    ASSERT_TRUE(result);
    if (result->status == 429) {
      ++throttled;
      EXPECT_THAT(result->body, HasSubstr("request rate"));
    }
  }
  EXPECT_EQ(throttled, 1) << "a burst of 2, then refused";
  httplib::Result other = Get("site-a", "/fhir/metadata");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200) << "each identity has its own rate";
}

}  // namespace
}  // namespace trialgate::testing
