#ifndef TRIALGATE_TESTS_STORE_STORE_TEST_SUPPORT_H_
#define TRIALGATE_TESTS_STORE_STORE_TEST_SUPPORT_H_

// What the store tests share: a fresh database directory per test, synchronous commits, reading
// the whole log, and a gate that makes group commit deterministic.

#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gateway/store/sqlite_event_store.h"
#include "gtest/gtest.h"

namespace trialgate::store {

// Commits and waits for the callback, as a synchronous caller (one RPC) would.
inline CommitResult CommitAndWait(EventStore& store, std::vector<SourceWrite> writes) {
  std::promise<CommitResult> promise;
  std::future<CommitResult> future = promise.get_future();
  store.Commit(std::move(writes), [&promise](CommitResult result) {
    promise.set_value(std::move(result));
  });
  return future.get();
}

inline CommitResult CommitOne(EventStore& store, SourceWrite write) {
  std::vector<SourceWrite> writes;
  writes.push_back(std::move(write));
  return CommitAndWait(store, std::move(writes));
}

inline std::vector<v1::Event> ReadAll(EventStore& store) {
  absl::StatusOr<std::unique_ptr<EventReader>> reader = store.OpenReader();
  EXPECT_TRUE(reader.ok()) << reader.status();
  if (!reader.ok()) return {};
  absl::StatusOr<std::vector<v1::Event>> events = (*reader)->ReadAfter(0, 1'000'000);
  EXPECT_TRUE(events.ok()) << events.status();
  return events.ok() ? *std::move(events) : std::vector<v1::Event>();
}

inline std::vector<std::string> EventIds(const std::vector<v1::Event>& events) {
  std::vector<std::string> ids;
  for (const v1::Event& event : events) ids.push_back(event.event_id());
  return ids;
}

// Holds the writer thread inside a callback so that the requests submitted meanwhile are queued
// and then taken as one group: makes "same group" deterministic instead of timing-dependent.
class WriterGate {
 public:
  // Makes the store's writer stop after its first group until Open(): requests committed in
  // the meantime queue up and are taken together as the next group.
  void Install(SqliteStoreOptions& options) {
    options.after_group_for_testing = [this] {
      if (entered_once_.exchange(true)) return;
      entered_.set_value();
      release_.get_future().wait();
    };
  }
  // Commits `write` and waits until the writer holds after writing it.
  // REQUIRES: Install() was applied to the options `store` was opened with.
  void CloseWith(EventStore& store, SourceWrite write) {
    std::vector<SourceWrite> writes;
    writes.push_back(std::move(write));
    store.Commit(std::move(writes),
                 [](CommitResult result) { EXPECT_TRUE(result.status.ok()) << result.status; });
    entered_.get_future().wait();
  }
  void Open() { release_.set_value(); }

 private:
  std::atomic<bool> entered_once_{false};
  std::promise<void> entered_;
  std::promise<void> release_;
};

// A fresh directory per test for the database file, removed afterwards.
class StoreTestBase : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "store_test_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = (dir_ / "events.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<SqliteEventStore> OpenStore(SqliteStoreOptions options = {}) {
    absl::StatusOr<std::unique_ptr<SqliteEventStore>> store =
        OpenSqliteEventStore(path_, std::move(options));
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  std::filesystem::path dir_;
  std::string path_;
};

}  // namespace trialgate::store

#endif  // TRIALGATE_TESTS_STORE_STORE_TEST_SUPPORT_H_
