// The reference receiver in this process on 127.0.0.1:0, called with a real gRPC client.
#include "gateway/registry_sink/registry_sink_server.h"

#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gateway/registry_sink/event_lines.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "tests/registry/registry_test_support.h"

namespace trialgate::testing {
namespace {

using registry_sink::PublishSummary;
using registry_sink::RegistrySinkServer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::unique_ptr<RegistrySinkServer> StartSink(const std::filesystem::path& file,
                                              std::vector<PublishSummary>* summaries = nullptr,
                                              std::mutex* summaries_mu = nullptr) {
  registry_sink::ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.out_file = file;
  if (summaries != nullptr) {
    options.on_publish = [=](const PublishSummary& summary) {
      std::lock_guard<std::mutex> lock(*summaries_mu);
      summaries->push_back(summary);
    };
  }
  absl::StatusOr<std::unique_ptr<RegistrySinkServer>> server =
      RegistrySinkServer::Start(std::move(options));
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

std::vector<std::string> IdsInFile(const std::filesystem::path& path) {
  absl::StatusOr<std::vector<v1::Event>> events = registry_sink::ReadEventFile(path);
  EXPECT_TRUE(events.ok()) << events.status();
  return events.ok() ? EventIds(*events) : std::vector<std::string>{};
}

TEST(RegistrySinkServerTest, ListensOnTheFreePortItReports) {
  TempDir dir;
  auto server = StartSink(dir.path() / "events.jsonl");
  ASSERT_NE(server, nullptr);
  EXPECT_GT(server->port(), 0);
  EXPECT_EQ(server->address(), absl::StrCat("127.0.0.1:", server->port()));
}

TEST(RegistrySinkServerTest, KeepsNewEventsAndAnswersDuplicatesAsAccepted) {
  TempDir dir;
  const auto file = dir.path() / "events.jsonl";
  std::vector<PublishSummary> summaries;
  std::mutex summaries_mu;
  auto server = StartSink(file, &summaries, &summaries_mu);
  ASSERT_NE(server, nullptr);
  RegistryClient client(server->address());
  const v1::Event a = TestEvent("ev-a", "KRD-001-0001", 1);
  const v1::Event b = TestEvent("ev-b", "KRD-001-0001", 2);
  const v1::Event c = TestEvent("ev-c", "KRD-001-0002", 3);

  client.PublishOk(Batch({a, b}));
  client.PublishOk(Batch({b, c, b}));  // a resend overlapping a new event

  EXPECT_THAT(IdsInFile(file), ElementsAre("ev-a", "ev-b", "ev-c"));
  std::lock_guard<std::mutex> lock(summaries_mu);
  ASSERT_EQ(summaries.size(), 2u);
  EXPECT_EQ(summaries[1].destination, "test-registry");
  EXPECT_EQ(summaries[1].events, 3u);
  EXPECT_EQ(summaries[1].kept, 1u);
  EXPECT_EQ(summaries[1].duplicates, 2u);
}

TEST(RegistrySinkServerTest, RejectsAnEventWithoutIdAloneAndKeepsTheRestOfItsBatch) {
  TempDir dir;
  const auto file = dir.path() / "events.jsonl";
  auto server = StartSink(file);
  ASSERT_NE(server, nullptr);
  RegistryClient client(server->address());
  v1::Event no_id = TestEvent("", "KRD-001-0001", 7);

  v1::PublishResponse response;
  const grpc::Status status = client.Publish(
      Batch({TestEvent("ev-a", "KRD-001-0001", 6), no_id, TestEvent("ev-b", "KRD-001-0001", 8)}),
      &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.rejections_size(), 1);
  EXPECT_EQ(response.rejections(0).code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(response.rejections(0).reason(), HasSubstr("sequence 7"));
  EXPECT_THAT(IdsInFile(file), ElementsAre("ev-a", "ev-b"));
}

TEST(RegistrySinkServerTest, ConcurrentPublishersGetEachEventKeptOnce) {
  TempDir dir;
  const auto file = dir.path() / "events.jsonl";
  auto server = StartSink(file);
  ASSERT_NE(server, nullptr);
  // Four clients send the same 60 events, each in its own batching; all must be answered OK.
  std::vector<std::thread> publishers;
  for (int p = 0; p < 4; ++p) {
    publishers.emplace_back([&, p] {
      RegistryClient client(server->address());
      const int batch_size = 5 + 5 * p;
      for (int start = 0; start < 60; start += batch_size) {
        std::vector<v1::Event> batch;
        for (int i = start; i < std::min(60, start + batch_size); ++i) {
          batch.push_back(TestEvent("ev-" + std::to_string(i), "KRD-001-0001", i + 1));
        }
        client.PublishOk(Batch(batch));
      }
    });
  }
  for (std::thread& publisher : publishers) publisher.join();
  const std::vector<std::string> ids = IdsInFile(file);
  EXPECT_EQ(ids.size(), 60u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 60u);
}

TEST(RegistrySinkServerTest, DoesNotStartOnAnAddressAnotherSinkListensOn) {
  TempDir dir;
  auto first = StartSink(dir.path() / "first.jsonl");
  ASSERT_NE(first, nullptr);
  registry_sink::ServerOptions options;
  options.listen = first->address();
  options.out_file = dir.path() / "second.jsonl";
  absl::StatusOr<std::unique_ptr<RegistrySinkServer>> second =
      RegistrySinkServer::Start(std::move(options));
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(second.status().message(), HasSubstr("cannot listen on " + first->address()));
}

TEST(RegistrySinkServerTest, DoesNotStartWithAFileItCannotWrite) {
  TempDir dir;
  registry_sink::ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.out_file = dir.path() / "missing" / "events.jsonl";
  absl::StatusOr<std::unique_ptr<RegistrySinkServer>> server =
      RegistrySinkServer::Start(std::move(options));
  ASSERT_FALSE(server.ok());
  EXPECT_THAT(server.status().message(), HasSubstr((dir.path() / "missing").string()));
}

}  // namespace
}  // namespace trialgate::testing
