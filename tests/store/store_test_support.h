#ifndef TRIALGATE_TESTS_STORE_STORE_TEST_SUPPORT_H_
#define TRIALGATE_TESTS_STORE_STORE_TEST_SUPPORT_H_

// What the store tests share: a fresh database per test (a SQLite file in a temporary directory,
// or a database on a PostgreSQL server the test process starts once), synchronous commits,
// reading the whole log, and a gate that makes group commit deterministic.

#include <stdlib.h>

#include <libpq-fe.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/common/clock.h"
#include "gateway/store/gateway_store.h"
#include "gateway/store/postgres_event_store.h"
#include "gateway/store/sqlite_event_store.h"
#include "gtest/gtest.h"
#include "tests/support/temp_postgres.h"

namespace trialgate::store {

// A lab result event of `subject_id`, as the store tests write them.
inline v1::Event MakeEvent(const std::string& event_id,
                           const std::string& subject_id = "KRD-001") {
  v1::Event event;
  event.set_event_id(event_id);
  event.set_study_id("KRD-ASCT2");
  event.set_subject_id(subject_id);
  event.set_site_id("site-a");
  event.mutable_lab_result()->set_analyte("serum_m_protein");
  return event;
}

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
  void Install(std::function<void()>& after_group_for_testing) {
    after_group_for_testing = [this] {
      if (entered_once_.exchange(true)) return;
      entered_.set_value();
      release_.get_future().wait();
    };
  }
  // Commits `write` and waits until the writer holds after writing it.
  // REQUIRES: Install() was applied to the options' hook `store` was opened with.
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

enum class StoreBackend { kSqlite, kPostgres };

inline std::string BackendName(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param == StoreBackend::kSqlite ? "Sqlite" : "Postgres";
}

// What both stores take, as the shared tests set it.
struct TestStoreOptions {
  std::vector<OutboxRoute> outbox_routes;
  const Clock* clock = &SystemClock();
  size_t max_group_requests = 1000;
  size_t max_group_events = 10000;
  std::function<void()> after_group_for_testing;
};

// The PostgreSQL server of this test process: started at first use, stopped at exit.
inline testing::TempPostgres& SharedTestPostgres() {
  static testing::TempPostgres* server = [] {
    absl::StatusOr<std::unique_ptr<testing::TempPostgres>> started = testing::TempPostgres::Start();
    if (!started.ok()) {
      ADD_FAILURE() << started.status();
      std::abort();  // every PostgreSQL test needs it
    }
    static std::unique_ptr<testing::TempPostgres> owner = *std::move(started);
    return owner.get();
  }();
  return *server;
}

// A test run against each store: the contract every GatewayStore keeps. Each test gets a fresh
// database; OpenStore() again opens the same one (a restart).
class BackendStoreTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override {
    if (GetParam() == StoreBackend::kSqlite) {
      std::string pattern =
          (std::filesystem::temp_directory_path() / "store_test_XXXXXX").string();
      ASSERT_NE(mkdtemp(pattern.data()), nullptr);
      dir_ = pattern;
      return;
    }
    testing::TempPostgres& server = SharedTestPostgres();
    static int databases = 0;
    const std::string name = absl::StrCat("store_test_", ++databases);
    PgConn admin(PQconnectdb(server.conninfo().c_str()));
    ASSERT_EQ(PQstatus(admin.get()), CONNECTION_OK) << PQerrorMessage(admin.get());
    PGresult* created = PQexec(admin.get(), absl::StrCat("CREATE DATABASE ", name).c_str());
    const bool ok = PQresultStatus(created) == PGRES_COMMAND_OK;
    PQclear(created);
    ASSERT_TRUE(ok) << PQerrorMessage(admin.get());
    conninfo_ = absl::StrCat("host=", server.dir().string(), " port=", server.port(),
                             " user=postgres dbname=", name);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<GatewayStore> OpenStore(TestStoreOptions options = {}) {
    absl::StatusOr<std::unique_ptr<GatewayStore>> store = TryOpenStore(std::move(options));
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  absl::StatusOr<std::unique_ptr<GatewayStore>> TryOpenStore(TestStoreOptions options) {
    if (GetParam() == StoreBackend::kSqlite) {
      SqliteStoreOptions sqlite;
      sqlite.outbox_routes = std::move(options.outbox_routes);
      sqlite.clock = options.clock;
      sqlite.max_group_requests = options.max_group_requests;
      sqlite.max_group_events = options.max_group_events;
      sqlite.after_group_for_testing = std::move(options.after_group_for_testing);
      absl::StatusOr<std::unique_ptr<SqliteEventStore>> store =
          OpenSqliteEventStore((dir_ / "events.db").string(), std::move(sqlite));
      if (!store.ok()) return store.status();
      return std::unique_ptr<GatewayStore>(*std::move(store));
    }
    PostgresStoreOptions postgres;
    postgres.conninfo = conninfo_;
    postgres.outbox_routes = std::move(options.outbox_routes);
    postgres.clock = options.clock;
    postgres.max_group_requests = options.max_group_requests;
    postgres.max_group_events = options.max_group_events;
    postgres.after_group_for_testing = std::move(options.after_group_for_testing);
    absl::StatusOr<std::unique_ptr<PostgresEventStore>> store =
        OpenPostgresEventStore(std::move(postgres));
    if (!store.ok()) return store.status();
    return std::unique_ptr<GatewayStore>(*std::move(store));
  }

  struct PgConnCloser {
    void operator()(PGconn* conn) const { PQfinish(conn); }
  };
  using PgConn = std::unique_ptr<PGconn, PgConnCloser>;

  std::filesystem::path dir_;  // SQLite
  std::string conninfo_;       // PostgreSQL
};

#define TRIALGATE_INSTANTIATE_BACKEND_TESTS(fixture)                                   \
  INSTANTIATE_TEST_SUITE_P(Backends, fixture,                                         \
                           ::testing::Values(StoreBackend::kSqlite, StoreBackend::kPostgres), \
                           BackendName)

}  // namespace trialgate::store

#endif  // TRIALGATE_TESTS_STORE_STORE_TEST_SUPPORT_H_
