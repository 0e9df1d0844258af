// The delivery worker against the real SQLite store and a scripted receiver: order, batches,
// rejections, transient failures with backoff, the maximum age, stop and resume.
#include "gateway/delivery/destination_worker.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/delivery/forwarder.h"
#include "gateway/delivery/retry_policy.h"
#include "gateway/store/sqlite_event_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/manual_clock.h"

namespace trialgate::delivery {
namespace {

using testing::Eventually;
using testing::ManualClock;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A receiver whose answers a test scripts; it records every request it was sent.
class ScriptedRegistry final : public Publisher {
 public:
  using Answer = std::function<grpc::Status(const v1::PublishRequest&, v1::PublishResponse*)>;
  explicit ScriptedRegistry(Answer answer) : answer_(std::move(answer)) {}

  grpc::Status Publish(const v1::PublishRequest& request, v1::PublishResponse* response,
                       std::chrono::milliseconds) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(request);
    }
    return answer_(request, response);
  }
  void Cancel() override {}

  std::vector<v1::PublishRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  // Event ids in the order they were sent, resends included.
  std::vector<std::string> SentIds() const {
    std::vector<std::string> ids;
    for (const auto& request : requests()) {
      for (const auto& event : request.events()) ids.push_back(event.event_id());
    }
    return ids;
  }

 private:
  Answer answer_;
  mutable std::mutex mu_;
  std::vector<v1::PublishRequest> requests_;
};

grpc::Status AcceptAll(const v1::PublishRequest&, v1::PublishResponse*) {
  return grpc::Status::OK;
}

class DestinationWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("trialgate-worker-", ::testing::UnitTest::GetInstance()->random_seed(),
                        "-", reinterpret_cast<uintptr_t>(this));
    std::filesystem::create_directories(dir_);
    destination_.name = "registry-a";
    destination_.address = "unused";
    destination_.insecure = true;
    destination_.batch_size = 3;
    destination_.retry_initial_ms = 1;
    destination_.retry_max_ms = 5;
    OpenStore();
  }
  void TearDown() override {
    worker_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void OpenStore() {
    store::SqliteStoreOptions options;
    options.outbox_routes = OutboxRoutes({destination_});
    options.clock = &clock_;
    auto store = store::OpenSqliteEventStore((dir_ / "trialgate.db").string(), options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  // Commits one event per id, all of `subject`, each from its own source.
  void CommitEvents(const std::vector<std::string>& ids, const std::string& subject = "S-1") {
    std::vector<store::SourceWrite> writes;
    for (const std::string& id : ids) {
      store::SourceWrite& write = writes.emplace_back();
      write.source_key = "source-" + id;
      v1::Event& event = write.events.emplace_back();
      event.set_event_id(id);
      event.set_subject_id(subject);
      event.set_site_id("site-a");
      event.mutable_lab_result()->set_analyte("serum_m_protein");
    }
    std::promise<store::CommitResult> done;
    store_->Commit(std::move(writes),
                   [&done](store::CommitResult result) { done.set_value(std::move(result)); });
    const store::CommitResult result = done.get_future().get();
    ASSERT_TRUE(result.status.ok()) << result.status;
  }

  ScriptedRegistry* StartWorker(ScriptedRegistry::Answer answer) {
    auto registry = std::make_unique<ScriptedRegistry>(std::move(answer));
    ScriptedRegistry* raw = registry.get();
    worker_ = std::make_unique<DestinationWorker>(destination_, store_.get(), store_.get(),
                                                  std::move(registry), clock_);
    EXPECT_TRUE(worker_->Start().ok());
    return raw;
  }

  store::DestinationProgress Progress() {
    auto progress = store_->Progress({destination_.name});
    EXPECT_TRUE(progress.ok()) << progress.status();
    for (const auto& entry : *progress) {
      if (entry.destination == destination_.name) return entry;
    }
    ADD_FAILURE() << "no progress for " << destination_.name;
    return {};
  }

  std::vector<store::DeadLetterRecord> DeadLetters() {
    auto records = store_->ListDeadLetters({});
    EXPECT_TRUE(records.ok()) << records.status();
    return records.ok() ? *records : std::vector<store::DeadLetterRecord>{};
  }

  bool Drained() { return Progress().pending_events == 0; }

  std::filesystem::path dir_;
  config::DestinationConfig destination_;
  ManualClock clock_{absl::FromUnixMillis(1'800'000'000'000)};  // the store's and the worker's
  std::unique_ptr<store::SqliteEventStore> store_;
  std::unique_ptr<DestinationWorker> worker_;
};

TEST_F(DestinationWorkerTest, DeliversInSequenceOrderInBatchesAndAdvancesTheCursor) {
  CommitEvents({"e1", "e2", "e3", "e4", "e5"});
  ScriptedRegistry* registry = StartWorker(AcceptAll);
  ASSERT_TRUE(Eventually([&] { return Drained(); }));
  EXPECT_THAT(registry->SentIds(), ElementsAre("e1", "e2", "e3", "e4", "e5"));
  ASSERT_EQ(registry->requests().size(), 2u);  // batches of 3
  EXPECT_EQ(registry->requests()[0].destination(), "registry-a");
  EXPECT_EQ(registry->requests()[0].events(0).sequence(), 1u);
  EXPECT_EQ(Progress().cursor, 5u);
  EXPECT_EQ(Progress().delivered_events, 5u);

  // Events committed later are delivered without anyone waking the worker.
  CommitEvents({"e6"});
  ASSERT_TRUE(Eventually([&] { return Progress().cursor == 6; }));
  EXPECT_THAT(DeadLetters(), IsEmpty());
}

TEST_F(DestinationWorkerTest, ARejectedEventIsDeadLetteredAndTheSubjectsLaterEventsGoOn) {
  CommitEvents({"e1", "poison", "e3", "e4"});
  ScriptedRegistry* registry = StartWorker([](const v1::PublishRequest& request,
                                              v1::PublishResponse* response) {
    for (const auto& event : request.events()) {
      if (event.event_id() == "poison") {
        v1::EventRejection* rejection = response->add_rejections();
        rejection->set_event_id("poison");
        rejection->set_code(static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
        rejection->set_reason("unknown analyte");
      }
    }
    return grpc::Status::OK;
  });
  ASSERT_TRUE(Eventually([&] { return Drained(); }));
  EXPECT_THAT(registry->SentIds(), ElementsAre("e1", "poison", "e3", "e4"));  // no resend
  const auto dead = DeadLetters();
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].destination, "registry-a");
  EXPECT_EQ(dead[0].event_id, "poison");
  EXPECT_EQ(dead[0].sequence, 2u);
  EXPECT_EQ(dead[0].subject_id, "S-1");
  EXPECT_EQ(dead[0].event_kind, "lab_result");
  EXPECT_EQ(dead[0].code, static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(dead[0].reason, HasSubstr("unknown analyte"));
  EXPECT_EQ(Progress().delivered_events, 3u);
}

TEST_F(DestinationWorkerTest, APermanentBatchStatusIsNarrowedDownToTheRefusedEvent) {
  CommitEvents({"e1", "e2", "poison", "e4", "e5"});
  ScriptedRegistry* registry =
      StartWorker([](const v1::PublishRequest& request, v1::PublishResponse*) {
        for (const auto& event : request.events()) {
          if (event.event_id() == "poison") {
            return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "subject not registered");
          }
        }
        return grpc::Status::OK;
      });
  ASSERT_TRUE(Eventually([&] { return Drained(); }));
  const auto dead = DeadLetters();
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].event_id, "poison");
  EXPECT_EQ(dead[0].code, static_cast<int>(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_THAT(dead[0].reason, HasSubstr("subject not registered"));
  // Whatever the receiver saw, what it accepted is every other event, in order.
  std::vector<std::string> accepted;
  for (const auto& request : registry->requests()) {
    bool has_poison = false;
    for (const auto& event : request.events()) has_poison |= event.event_id() == "poison";
    if (has_poison) continue;
    for (const auto& event : request.events()) accepted.push_back(event.event_id());
  }
  EXPECT_THAT(accepted, ElementsAre("e1", "e2", "e4", "e5"));
  EXPECT_EQ(Progress().cursor, 5u);
}

TEST_F(DestinationWorkerTest, TransientFailuresAreRetriedWithTheSameEventIdsUntilAcknowledged) {
  CommitEvents({"e1", "e2"});
  std::atomic<int> failures_left{4};
  const std::vector<grpc::StatusCode> codes = {
      grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::DEADLINE_EXCEEDED,
      grpc::StatusCode::RESOURCE_EXHAUSTED, grpc::StatusCode::INTERNAL};
  ScriptedRegistry* registry =
      StartWorker([&](const v1::PublishRequest&, v1::PublishResponse*) {
        const int left = failures_left.fetch_sub(1);
        if (left > 0) return grpc::Status(codes[4 - left], "try later");
        return grpc::Status::OK;
      });
  ASSERT_TRUE(Eventually([&] { return Drained(); }));
  EXPECT_THAT(registry->SentIds(),
              ElementsAre("e1", "e2", "e1", "e2", "e1", "e2", "e1", "e2", "e1", "e2"));
  EXPECT_THAT(DeadLetters(), IsEmpty());
  EXPECT_EQ(worker_->state().last_error, "");
}

TEST_F(DestinationWorkerTest, BackingOffShowsTheLastErrorAndTheNextAttempt) {
  destination_.retry_initial_ms = 60'000;
  destination_.retry_max_ms = 60'000;
  CommitEvents({"e1"});
  StartWorker([](const v1::PublishRequest&, v1::PublishResponse*) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "registry down");
  });
  ASSERT_TRUE(Eventually([&] { return worker_->state().state == "backing-off"; }));
  const WorkerState state = worker_->state();
  EXPECT_EQ(state.last_error, "UNAVAILABLE: registry down");
  EXPECT_GE(state.next_attempt - clock_.Now(), absl::Seconds(30));  // half the delay at least
  EXPECT_EQ(Progress().pending_events, 1u);
  // Stopping does not wait for the backoff.
  const auto before = std::chrono::steady_clock::now();
  worker_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(10));
}

TEST_F(DestinationWorkerTest, EventsOlderThanTheMaximumAgeAreDeadLetteredNotDropped) {
  destination_.max_age_seconds = 3600;
  CommitEvents({"old1", "old2"});
  clock_.Advance(absl::Hours(1));
  CommitEvents({"new1"});
  std::atomic<bool> receiver_up{false};
  ScriptedRegistry* registry =
      StartWorker([&](const v1::PublishRequest&, v1::PublishResponse*) {
        return receiver_up ? grpc::Status::OK
                           : grpc::Status(grpc::StatusCode::UNAVAILABLE, "registry down");
      });
  ASSERT_TRUE(Eventually([&] { return DeadLetters().size() == 2; }));
  receiver_up = true;
  ASSERT_TRUE(Eventually([&] { return Drained(); }));
  const auto dead = DeadLetters();
  ASSERT_EQ(dead.size(), 2u);
  EXPECT_EQ(dead[0].event_id, "old1");
  EXPECT_EQ(dead[1].event_id, "old2");
  EXPECT_EQ(dead[0].code, static_cast<int>(grpc::StatusCode::UNAVAILABLE));
  EXPECT_THAT(dead[0].reason, HasSubstr("maximum age of 3600 s"));
  EXPECT_THAT(dead[0].reason, HasSubstr("registry down"));
  EXPECT_GE(dead[0].attempts, 1u);
  EXPECT_EQ(registry->SentIds().back(), "new1");
  EXPECT_EQ(Progress().delivered_events, 1u);
}

TEST_F(DestinationWorkerTest, ARestartResumesWhereTheAcknowledgementsEnded) {
  CommitEvents({"e1", "e2", "e3", "e4", "e5", "e6"});
  std::atomic<int> calls{0};
  StartWorker([&](const v1::PublishRequest&, v1::PublishResponse*) {
    // The first batch is acknowledged; then the receiver goes away.
    return calls++ == 0 ? grpc::Status::OK
                        : grpc::Status(grpc::StatusCode::UNAVAILABLE, "gone");
  });
  ASSERT_TRUE(Eventually([&] { return Progress().cursor == 3; }));
  worker_.reset();
  store_.reset();
  OpenStore();
  ScriptedRegistry* registry = StartWorker(AcceptAll);
  ASSERT_TRUE(Eventually([&] { return Drained(); }));
  EXPECT_THAT(registry->SentIds(), ElementsAre("e4", "e5", "e6"));
  EXPECT_EQ(Progress().cursor, 6u);
}

TEST(OutboxRoutesTest, FilterByEventKindAndSite) {
  config::DestinationConfig destination;
  destination.name = "doses-at-a";
  destination.event_kinds = {"dose_administered"};
  destination.sites = {"site-a"};
  const auto routes = OutboxRoutes({destination});
  ASSERT_EQ(routes.size(), 1u);
  v1::Event dose;
  dose.set_site_id("site-a");
  dose.mutable_dose_administered();
  EXPECT_TRUE(routes[0].accepts(dose));
  dose.set_site_id("site-b");
  EXPECT_FALSE(routes[0].accepts(dose));
  v1::Event lab;
  lab.set_site_id("site-a");
  lab.mutable_lab_result();
  EXPECT_FALSE(routes[0].accepts(lab));
  config::DestinationConfig everything;
  everything.name = "all";
  EXPECT_TRUE(OutboxRoutes({everything})[0].accepts(lab));
}

TEST(BackoffTest, DoublesWithJitterUpToTheCap) {
  Backoff backoff(std::chrono::milliseconds(100), std::chrono::milliseconds(1000), 7);
  const std::vector<int64_t> ceilings = {100, 200, 400, 800, 1000, 1000};
  for (int64_t ceiling : ceilings) {
    const int64_t delay = backoff.NextDelay().count();
    EXPECT_GE(delay, ceiling / 2);
    EXPECT_LE(delay, ceiling);
  }
  backoff.Reset();
  EXPECT_LE(backoff.NextDelay().count(), 100);
}

TEST(RetryPolicyTest, OnlyRefusalsArePermanent) {
  EXPECT_TRUE(IsPermanent(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_TRUE(IsPermanent(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_TRUE(IsPermanent(grpc::StatusCode::PERMISSION_DENIED));
  for (auto code : {grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::DEADLINE_EXCEEDED,
                    grpc::StatusCode::RESOURCE_EXHAUSTED, grpc::StatusCode::INTERNAL,
                    grpc::StatusCode::UNKNOWN, grpc::StatusCode::UNIMPLEMENTED}) {
    EXPECT_FALSE(IsPermanent(code)) << code;
  }
}

}  // namespace
}  // namespace trialgate::delivery
