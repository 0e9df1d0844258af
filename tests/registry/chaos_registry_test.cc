// The misbehaving receiver does what fault tests rely on it to do.
#include "tests/registry/chaos_registry.h"

#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "tests/registry/registry_test_support.h"

namespace trialgate::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::unique_ptr<ChaosRegistry> StartChaos(const std::filesystem::path& file,
                                          Misbehaviour misbehaviour = {}, uint64_t seed = 1) {
  absl::StatusOr<std::unique_ptr<ChaosRegistry>> registry =
      ChaosRegistry::Start(file, std::move(misbehaviour), seed);
  EXPECT_TRUE(registry.ok()) << registry.status();
  return registry.ok() ? *std::move(registry) : nullptr;
}

// A mix with one misbehaviour at `chance`.
Misbehaviour Only(double Misbehaviour::*misbehaviour, double chance = 1) {
  Misbehaviour mix;
  mix.*misbehaviour = chance;
  return mix;
}

std::vector<std::string> KeptIds(const ChaosRegistry& registry) {
  absl::StatusOr<std::vector<v1::Event>> events = registry.KeptEvents();
  EXPECT_TRUE(events.ok()) << events.status();
  return events.ok() ? EventIds(*events) : std::vector<std::string>{};
}

std::vector<v1::Event> TwoEvents() {
  return {TestEvent("ev-1", "KRD-001-0001", 1), TestEvent("ev-2", "KRD-001-0001", 2)};
}

TEST(ChaosRegistryTest, AlwaysUnavailableFailsEveryCallAndKeepsNothing) {
  TempDir dir;
  auto chaos = StartChaos(dir.path() / "kept.jsonl", Only(&Misbehaviour::unavailable));
  ASSERT_NE(chaos, nullptr);
  RegistryClient client(chaos->address());
  for (int i = 0; i < 3; ++i) {
    v1::PublishResponse response;
    EXPECT_EQ(client.Publish(Batch(TwoEvents()), &response).error_code(),
              grpc::StatusCode::UNAVAILABLE);
  }
  const ChaosStats stats = chaos->stats();
  EXPECT_EQ(stats.calls, 3u);
  EXPECT_EQ(stats.unavailable, 3u);
  EXPECT_EQ(stats.events_received, 6u);
  EXPECT_EQ(stats.events_kept, 0u);
  EXPECT_THAT(KeptIds(*chaos), IsEmpty());
}

TEST(ChaosRegistryTest, AlwaysResourceExhaustedFailsEveryCallAndKeepsNothing) {
  TempDir dir;
  auto chaos = StartChaos(dir.path() / "kept.jsonl", Only(&Misbehaviour::resource_exhausted));
  ASSERT_NE(chaos, nullptr);
  RegistryClient client(chaos->address());
  v1::PublishResponse response;
  EXPECT_EQ(client.Publish(Batch(TwoEvents()), &response).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(chaos->stats().resource_exhausted, 1u);
  EXPECT_THAT(KeptIds(*chaos), IsEmpty());
}

TEST(ChaosRegistryTest, RejectsThePoisonEveryTimeAndKeepsTheRestOfItsBatch) {
  TempDir dir;
  Misbehaviour poison;
  poison.poison_event_id = "ev-2";
  auto chaos = StartChaos(dir.path() / "kept.jsonl", poison);
  ASSERT_NE(chaos, nullptr);
  RegistryClient client(chaos->address());
  const std::vector<v1::Event> batch = {TestEvent("ev-1", "KRD-001-0001", 1),
                                        TestEvent("ev-2", "KRD-001-0001", 2),
                                        TestEvent("ev-3", "KRD-001-0001", 3)};
  for (int attempt = 0; attempt < 2; ++attempt) {
    v1::PublishResponse response;
    const grpc::Status status = client.Publish(Batch(batch), &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(response.rejections_size(), 1);
    EXPECT_EQ(response.rejections(0).event_id(), "ev-2");
    EXPECT_EQ(response.rejections(0).code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  }
  EXPECT_THAT(KeptIds(*chaos), ElementsAre("ev-1", "ev-3"));
  const ChaosStats stats = chaos->stats();
  EXPECT_EQ(stats.poison_rejections, 2u);
  EXPECT_EQ(stats.events_received, 6u);
  EXPECT_EQ(stats.events_kept, 2u);
  EXPECT_EQ(stats.duplicates, 2u);
}

TEST(ChaosRegistryTest, StallKeepsTheEventsWhileTheCallerSeesDeadlineExceeded) {
  TempDir dir;
  auto chaos = StartChaos(dir.path() / "kept.jsonl", Only(&Misbehaviour::stall));
  ASSERT_NE(chaos, nullptr);
  RegistryClient client(chaos->address());
  v1::PublishResponse response;
  EXPECT_EQ(
      client.Publish(Batch(TwoEvents()), &response, std::chrono::milliseconds(500)).error_code(),
      grpc::StatusCode::DEADLINE_EXCEEDED);
  ASSERT_TRUE(chaos->WaitFor([](const ChaosStats& stats) { return stats.stalled == 1; }));
  EXPECT_THAT(KeptIds(*chaos), ElementsAre("ev-1", "ev-2"));

  // The sender retries; the receiver now behaves and answers the duplicates as accepted.
  chaos->set_misbehaviour({});
  client.PublishOk(Batch(TwoEvents()));
  EXPECT_THAT(KeptIds(*chaos), ElementsAre("ev-1", "ev-2"));
  EXPECT_EQ(chaos->stats().duplicates, 2u);
}

TEST(ChaosRegistryTest, DroppedConnectionKeepsTheEventsAndTheSamePortAnswersAgain) {
  TempDir dir;
  auto chaos = StartChaos(dir.path() / "kept.jsonl", Only(&Misbehaviour::drop_connection));
  ASSERT_NE(chaos, nullptr);
  const int port = chaos->port();
  RegistryClient client(chaos->address());
  v1::PublishResponse response;
  const grpc::Status dropped = client.Publish(Batch(TwoEvents()), &response);
  EXPECT_FALSE(dropped.ok());
  EXPECT_NE(dropped.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << "the drop was not abrupt";
  chaos->AwaitServing();
  EXPECT_EQ(chaos->stats().dropped, 1u);
  EXPECT_THAT(KeptIds(*chaos), ElementsAre("ev-1", "ev-2"));

  chaos->set_misbehaviour({});
  client.PublishOk(
      Batch({TestEvent("ev-2", "KRD-001-0001", 2), TestEvent("ev-3", "KRD-001-0001", 3)}));
  EXPECT_EQ(chaos->port(), port);
  EXPECT_THAT(KeptIds(*chaos), ElementsAre("ev-1", "ev-2", "ev-3"));
}

TEST(ChaosRegistryTest, KillRefusesCallsAndRestartServesTheSamePortWithItsDedupe) {
  TempDir dir;
  auto chaos = StartChaos(dir.path() / "kept.jsonl");
  ASSERT_NE(chaos, nullptr);
  const std::string address = chaos->address();
  RegistryClient client(address);
  client.PublishOk(Batch(TwoEvents()));

  chaos->Kill();
  v1::PublishResponse response;
  EXPECT_EQ(client.Publish(Batch(TwoEvents()), &response).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(KeptIds(*chaos), ElementsAre("ev-1", "ev-2"));  // the file outlives the receiver

  ASSERT_TRUE(chaos->Restart().ok());
  EXPECT_EQ(chaos->address(), address);
  client.PublishOk(
      Batch({TestEvent("ev-1", "KRD-001-0001", 1), TestEvent("ev-2", "KRD-001-0001", 2),
             TestEvent("ev-3", "KRD-001-0002", 3)}));
  EXPECT_THAT(KeptIds(*chaos), ElementsAre("ev-1", "ev-2", "ev-3"));
  EXPECT_EQ(chaos->stats().duplicates, 2u);
}

TEST(ChaosRegistryTest, KillCancelsACallInFlightAtOnce) {
  TempDir dir;
  auto chaos = StartChaos(dir.path() / "kept.jsonl", Only(&Misbehaviour::stall));
  ASSERT_NE(chaos, nullptr);
  RegistryClient client(chaos->address());
  grpc::Status status;
  std::thread caller([&] {
    v1::PublishResponse response;
    status = client.Publish(Batch(TwoEvents()), &response, std::chrono::seconds(60));
  });
  ASSERT_TRUE(chaos->WaitFor([](const ChaosStats& stats) { return stats.stalled == 1; }));
  const auto killed_at = std::chrono::steady_clock::now();
  chaos->Kill();
  caller.join();
  EXPECT_FALSE(status.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - killed_at, std::chrono::seconds(10));
}

// What a fault test of forwarding does, with the simplest sender: batches in order, each
// resent until answered OK. Every misbehaviour at once, many restarts on the same port.
TEST(ChaosRegistryTest, ARetryingSenderGetsEveryEventKeptOnceInOrderThroughEveryFault) {
  TempDir dir;
  Misbehaviour mix;
  mix.unavailable = 0.15;
  mix.resource_exhausted = 0.1;
  mix.stall = 0.1;
  mix.drop_connection = 0.15;
  mix.poison_event_id = "ev-17";
  auto chaos = StartChaos(dir.path() / "kept.jsonl", mix, /*seed=*/7);
  ASSERT_NE(chaos, nullptr);
  RegistryClient client(chaos->address());
  std::vector<v1::Event> sent;
  for (int i = 0; i < 60; ++i) {
    sent.push_back(
        TestEvent("ev-" + std::to_string(i), i % 3 ? "KRD-001-0001" : "KRD-001-0002", i));
  }
  int rejected = 0;
  for (size_t start = 0; start < sent.size(); start += 2) {
    const std::vector<v1::Event> batch(sent.begin() + start, sent.begin() + start + 2);
    for (int attempt = 0;; ++attempt) {
      ASSERT_LT(attempt, 100) << "batch at " << start << " never got through";
      v1::PublishResponse response;
      if (client
              .Publish(Batch(batch), &response, std::chrono::milliseconds(300),
                       /*wait_for_ready=*/true)
              .ok()) {
        rejected += response.rejections_size();
        break;
      }
    }
  }
  chaos->AwaitServing();

  std::vector<std::string> expected = EventIds(sent);
  std::erase(expected, "ev-17");
  EXPECT_THAT(KeptIds(*chaos), ::testing::ElementsAreArray(expected));
  EXPECT_EQ(rejected, 1);
  const ChaosStats stats = chaos->stats();
  EXPECT_GT(stats.unavailable, 0u);
  EXPECT_GT(stats.resource_exhausted, 0u);
  EXPECT_GT(stats.stalled, 0u);
  EXPECT_GT(stats.dropped, 0u);
  EXPECT_GT(stats.duplicates, 0u);  // stalls and drops kept events whose answer was lost
  EXPECT_EQ(stats.events_kept, expected.size());
}

TEST(ChaosRegistryTest, TheSameSeedGivesTheSameMixOfAnswers) {
  Misbehaviour mix = Only(&Misbehaviour::unavailable, 0.3);
  mix.resource_exhausted = 0.3;
  std::vector<grpc::StatusCode> answers[2];
  for (int run = 0; run < 2; ++run) {
    TempDir dir;
    auto chaos = StartChaos(dir.path() / "kept.jsonl", mix, /*seed=*/42);
    ASSERT_NE(chaos, nullptr);
    RegistryClient client(chaos->address());
    for (int i = 0; i < 40; ++i) {
      v1::PublishResponse response;
      answers[run].push_back(
          client
              .Publish(Batch({TestEvent("ev-" + std::to_string(i), "KRD-001-0001", i)}), &response)
              .error_code());
    }
  }
  EXPECT_EQ(answers[0], answers[1]);
  // And it is a mix: each answer occurs.
  for (grpc::StatusCode code : {grpc::StatusCode::OK, grpc::StatusCode::UNAVAILABLE,
                                grpc::StatusCode::RESOURCE_EXHAUSTED}) {
    EXPECT_NE(std::count(answers[0].begin(), answers[0].end(), code), 0) << code;
  }
}

}  // namespace
}  // namespace trialgate::testing
