// The real binary, killed with SIGKILL right after acknowledging, loses nothing it acknowledged.
#include <signal.h>

#include <atomic>
#include <set>
#include <thread>

#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"

namespace trialgate::testing {
namespace {

std::string Observation(int i) {
  std::string body = TestData("observation-anc-pt-1001.json");
  body.replace(body.find("obs-anc-1001-c1d1"), 17, "obs-crash-" + std::to_string(i));
  return body;
}

TEST(CrashTest, AcknowledgedEventsSurviveSigkill) {
  TempDir dir;
  std::set<std::string> acknowledged;
  {
    GatewayProcess process(dir.path());
    ASSERT_FALSE(process.address().empty());
    GatewayClient client(process.address());
    v1::SubmitResponse enrolled = client.SubmitOk(TestData("research-subject-pt-1001.json"));
    ASSERT_EQ(enrolled.entries(0).outcome(), v1::EntryOutcome::ACCEPTED);
    acknowledged.insert(enrolled.entries(0).event_ids(0));

    constexpr int kSubmissions = 3000, kKillAfter = 1000;
    grpc::ClientContext context;
    auto stream = client.gateway().SubmitStream(&context);
    std::thread writer([&] {
      for (int i = 0; i < kSubmissions; ++i) {
        v1::SubmitRequest request;
        request.set_source_system("hospital-a");
        request.set_body(Observation(i));
        if (!stream->Write(request)) break;
      }
      stream->WritesDone();
    });
    v1::SubmitResponse response;
    int acks = 0;
    while (stream->Read(&response)) {
      for (const auto& entry : response.entries()) {
        if (entry.outcome() == v1::EntryOutcome::ACCEPTED) acknowledged.insert(entry.event_ids(0));
      }
      if (++acks == kKillAfter) {
        process.Stop(SIGKILL);  // right after an acknowledgement, with more in flight
        break;
      }
    }
    context.TryCancel();
    writer.join();
    stream->Finish();
    ASSERT_GE(acks, kKillAfter);
  }

  GatewayProcess restarted(dir.path());
  GatewayClient client(restarted.address());
  std::set<std::string> stored;
  for (const v1::Event& event : client.Pull()) stored.insert(event.event_id());
  for (const std::string& id : acknowledged) {
    EXPECT_TRUE(stored.count(id)) << "acknowledged event " << id << " was lost";
  }
  EXPECT_GE(stored.size(), acknowledged.size());
}

TEST(CrashTest, SigtermShutsDownCleanly) {
  TempDir dir;
  GatewayProcess process(dir.path());
  GatewayClient client(process.address());
  client.SubmitOk(TestData("research-subject-pt-1001.json"));
  const int status = process.Stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace trialgate::testing
