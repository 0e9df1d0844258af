// The operational endpoints on a real HTTP listener, with the gateway's probes stood in for:
// what a load balancer and Prometheus read when the gateway is, or is not, ready.

#include "gateway/http/operational_endpoints.h"

#include <atomic>
#include <string>
#include <vector>

#include "gateway/http/http_listener.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace trialgate::http {
namespace {

using ::testing::HasSubstr;

TEST(OperationalEndpointsTest, ReadinessFollowsTheProbes) {
  std::atomic<bool> store_ok{true};
  const RequestCallers callers({}, /*tls=*/false, 1000, 2000);
  HttpListenerOptions options;
  options.listen = "127.0.0.1:0";
  absl::StatusOr<std::unique_ptr<HttpListener>> listener =
      HttpListener::Start(options, [&](httplib::Server& server) {
        InstallOperationalEndpoints(
            server, callers,
            {[&]() -> std::vector<std::string> {
               if (store_ok) return {};
               return {"store not writable: disk I/O error", "delivery worker of r1 stopped"};
             },
             [] { return std::string("# TYPE up gauge\nup 1\n"); }});
      });
  ASSERT_TRUE(listener.ok()) << listener.status();
  httplib::Client client("http://" + (*listener)->address());

  httplib::Result ready = client.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  store_ok = false;
  httplib::Result not_ready = client.Get("/readyz");
  ASSERT_TRUE(not_ready);
  EXPECT_EQ(not_ready->status, 503);
  EXPECT_THAT(not_ready->body, HasSubstr("store not writable: disk I/O error\n"));
  EXPECT_THAT(not_ready->body, HasSubstr("delivery worker of r1 stopped"));
  httplib::Result alive = client.Get("/healthz");
  ASSERT_TRUE(alive);
  EXPECT_EQ(alive->status, 200) << "alive (the process answers) even when not ready";
  httplib::Result metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->body, "# TYPE up gauge\nup 1\n");
  (*listener)->Shutdown();
}

}  // namespace
}  // namespace trialgate::http
