#include "gateway/audit/audit_log.h"

#include <atomic>
#include <future>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/audit/audit_test_support.h"

namespace trialgate::audit {
namespace {

using ::testing::HasSubstr;

// A sink that keeps what it is given and fails from the `fail_at`-th call of Write or Sync on.
class FakeAuditSink final : public AuditSink {
 public:
  FakeAuditSink(std::string* bytes, int fail_at) : bytes_(bytes), fail_at_(fail_at) {}
  absl::Status Write(std::string_view bytes) override {
    if (++calls_ >= fail_at_) return absl::UnavailableError("disk full");
    bytes_->append(bytes);
    return absl::OkStatus();
  }
  absl::Status Sync() override {
    ++syncs;
    return ++calls_ >= fail_at_ ? absl::UnavailableError("EIO") : absl::OkStatus();
  }
  inline static std::atomic<int> syncs{0};

 private:
  std::string* bytes_;
  int fail_at_;
  int calls_ = 0;
};

TEST(AuditLogTest, RecordsFromManyThreadsFormOneIntactChainInFewSyncs) {
  testing::ScratchDir dir;
  const std::string path = dir.File("audit.log");
  constexpr int kThreads = 8, kEach = 500;
  {
    absl::StatusOr<std::unique_ptr<AuditLog>> log = AuditLog::Open(path);
    ASSERT_TRUE(log.ok()) << log.status();
    std::vector<std::thread> threads;
    std::atomic<int> failed{0};
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          if (!(*log)->Append(testing::SampleRecord(t * kEach + i)).ok()) ++failed;
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(failed, 0);
    EXPECT_EQ((*log)->durable().records, uint64_t{kThreads * kEach});
  }
  absl::StatusOr<ChainReport> report = VerifyChainFile(path);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->intact) << report->problem;
  EXPECT_EQ(report->good.records, uint64_t{kThreads * kEach});
}

TEST(AuditLogTest, ReopenContinuesTheChain) {
  testing::ScratchDir dir;
  const std::string path = dir.File("audit.log");
  std::string head;
  for (int run = 0; run < 3; ++run) {
    absl::StatusOr<std::unique_ptr<AuditLog>> log = AuditLog::Open(path);
    ASSERT_TRUE(log.ok()) << log.status();
    EXPECT_EQ((*log)->durable().records, uint64_t(run * 2));
    if (run > 0) {
      EXPECT_EQ((*log)->durable().head, head);
    }
    ASSERT_TRUE((*log)->Append(testing::SampleRecord(run)).ok());
    ASSERT_TRUE((*log)->Append(testing::SampleRecord(run)).ok());
    head = (*log)->durable().head;
  }
  absl::StatusOr<ChainReport> report = VerifyChainFile(path);
  EXPECT_TRUE(report->intact) << report->problem;
  EXPECT_EQ(report->good.records, 6u);
  EXPECT_EQ(report->good.head, head);
}

TEST(AuditLogTest, CallbacksRunOnceDurable) {
  testing::ScratchDir dir;
  absl::StatusOr<std::unique_ptr<AuditLog>> log = AuditLog::Open(dir.File("audit.log"));
  ASSERT_TRUE(log.ok());
  std::promise<uint64_t> durable_then;
  (*log)->AppendAsync(testing::SampleRecord(1), [&](const absl::Status& status) {
    EXPECT_TRUE(status.ok());
    durable_then.set_value((*log)->durable().records);
  });
  EXPECT_EQ(durable_then.get_future().get(), 1u);
}

TEST(AuditLogTest, WriteFailureIsFinalAndNothingIsLostSilently) {
  std::string bytes;
  AuditLog log(std::make_unique<FakeAuditSink>(&bytes, /*fail_at=*/3), ChainPosition(), {});
  EXPECT_TRUE(log.Append(testing::SampleRecord(1)).ok());  // write 1, sync 2
  const absl::Status failed = log.Append(testing::SampleRecord(2));  // write 3 fails
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(failed.message(), HasSubstr("disk full"));
  EXPECT_EQ(log.Append(testing::SampleRecord(3)).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(log.health().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(log.durable().records, 1u);
  EXPECT_EQ(testing::Lines(bytes).size(), 1u);
}

TEST(AuditLogTest, SyncFailureIsFinal) {
  std::string bytes;
  AuditLog log(std::make_unique<FakeAuditSink>(&bytes, /*fail_at=*/2), ChainPosition(), {});
  EXPECT_EQ(log.Append(testing::SampleRecord(1)).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(log.Append(testing::SampleRecord(2)).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(log.durable().records, 0u);
}

TEST(AuditLogTest, FullQueueMakesAppendersWaitNotDrop) {
  testing::ScratchDir dir;
  AuditLog::Options options;
  options.max_queued = 4;
  absl::StatusOr<std::unique_ptr<AuditLog>> log = AuditLog::Open(dir.File("audit.log"), options);
  ASSERT_TRUE(log.ok());
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        (*log)->AppendAsync(testing::SampleRecord(i), [&](const absl::Status& status) {
          EXPECT_TRUE(status.ok());
          ++done;
        });
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  (*log)->Close();
  EXPECT_EQ(done, 800);
  absl::StatusOr<ChainReport> report = VerifyChainFile(dir.File("audit.log"));
  EXPECT_EQ(report->good.records, 800u);
  EXPECT_TRUE(report->intact);
}

TEST(AuditLogTest, AppendAfterCloseFails) {
  testing::ScratchDir dir;
  absl::StatusOr<std::unique_ptr<AuditLog>> log = AuditLog::Open(dir.File("audit.log"));
  ASSERT_TRUE(log.ok());
  (*log)->Close();
  EXPECT_EQ((*log)->Append(testing::SampleRecord(1)).code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace trialgate::audit
