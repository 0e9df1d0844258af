// What only several PostgresEventStores ("replicas") on one database, and faults of that
// database, can show: one gap-free log in commit order however the replicas interleave, a source
// stored once when two replicas receive it at once, followers woken by other replicas' commits,
// and commits that survive a server restart or fail cleanly while it is away. Each test starts a
// server of its own (some stop or restart it).
#include <libpq-fe.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/store/postgres_event_store.h"
#include "gateway/store/postgres_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/store/store_test_support.h"
#include "tests/support/pg_fault_proxy.h"
#include "tests/support/temp_postgres.h"

namespace trialgate::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using StopMode = ::trialgate::testing::TempPostgres::StopMode;
using std::chrono::milliseconds;
using std::chrono::seconds;

// A source of `events` events with ids "<id_prefix>-e<k>", spread over 23 subjects by `spread`.
SourceWrite MakeSource(const std::string& source_key, const std::string& id_prefix, int events,
                       int spread) {
  SourceWrite write;
  write.source_key = source_key;
  for (int k = 0; k < events; ++k) {
    write.events.push_back(MakeEvent(absl::StrCat(id_prefix, "-e", k),
                                     absl::StrCat("KRD-", 100 + (spread + k) % 23)));
  }
  return write;
}

std::vector<std::string> SourceEventIds(const SourceWrite& write) {
  std::vector<std::string> ids;
  for (const v1::Event& event : write.events) ids.push_back(event.event_id());
  return ids;
}

// Expects the log's sequences to be exactly 1, 2, ... (no gap, no repeat, in order): what a
// warehouse pulling by cursor relies on. Reports only the first break, not thousands.
void ExpectGapFree(const std::vector<v1::Event>& log) {
  for (size_t i = 0; i < log.size(); ++i) {
    if (log[i].sequence() != i + 1) {
      ADD_FAILURE() << "position " << i << " holds sequence " << log[i].sequence() << " (event "
                    << log[i].event_id() << "), expected " << i + 1;
      return;
    }
  }
}

// How often each event id occurs in `log`, and at which sequence (the last occurrence).
struct LogIndex {
  std::map<std::string, int> count;
  std::map<std::string, uint64_t> sequence;
};

LogIndex IndexLog(const std::vector<v1::Event>& log) {
  LogIndex index;
  for (const v1::Event& event : log) {
    ++index.count[event.event_id()];
    index.sequence[event.event_id()] = event.sequence();
  }
  return index;
}

// An event id some replica acknowledged, with the sequence it answered.
struct Ack {
  std::string event_id;
  uint64_t sequence = 0;
};

// Waits until `store`'s Health() has `code`; returns whether it did within `timeout`.
bool HealthBecomes(const GatewayStore& store, absl::StatusCode code, milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (store.Health().code() != code) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return true;
}

class PostgresReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<testing::TempPostgres>> server =
        testing::TempPostgres::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  PostgresStoreOptions Options() const {
    PostgresStoreOptions options;
    options.conninfo = server_->conninfo();
    return options;
  }

  // One gateway replica's store on the test's database.
  std::unique_ptr<PostgresEventStore> OpenReplica(PostgresStoreOptions options) {
    absl::StatusOr<std::unique_ptr<PostgresEventStore>> store =
        OpenPostgresEventStore(std::move(options));
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }
  std::unique_ptr<PostgresEventStore> OpenReplica() { return OpenReplica(Options()); }

  // Runs `sql` on the database as an operator (or another program) would.
  void ExecSql(const std::string& sql) {
    PGconn* conn = PQconnectdb(server_->conninfo().c_str());
    PGresult* result = PQexec(conn, sql.c_str());
    const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK ||
                    PQresultStatus(result) == PGRES_TUPLES_OK;
    PQclear(result);
    EXPECT_TRUE(ok) << sql << ": " << PQerrorMessage(conn);
    PQfinish(conn);
  }

  // Outlives the stores: they are locals of the test bodies.
  std::unique_ptr<testing::TempPostgres> server_;
};

TEST_F(PostgresReplicasTest, ReplicasCommittingAtOnceShareOneGapFreeLogAFollowerReadsInOrder) {
  constexpr int kReplicas = 3;
  constexpr int kThreadsPerReplica = 4;
  constexpr int kSourcesPerThread = 75;  // 300 sources a replica, 1-3 events each
  std::vector<std::unique_ptr<PostgresEventStore>> replicas;
  for (int r = 0; r < kReplicas; ++r) {
    replicas.push_back(OpenReplica());
    ASSERT_NE(replicas.back(), nullptr);
  }

  // A warehouse pulling from replica 0 by cursor, as the Subscribe stream does, while all three
  // write: it must never see a sequence before an earlier one becomes visible, or it would skip
  // the earlier one for good.
  absl::StatusOr<std::unique_ptr<EventReader>> reader = replicas[0]->OpenReader();
  ASSERT_TRUE(reader.ok()) << reader.status();
  std::atomic<bool> writers_done{false};
  std::atomic<uint64_t> expected_last{0};  // set once the writers are done
  std::vector<v1::Event> followed;
  absl::Status follow_status;
  std::thread follower([&] {
    uint64_t cursor = 0;
    std::chrono::steady_clock::time_point give_up = std::chrono::steady_clock::time_point::max();
    for (;;) {
      if (writers_done.load()) {
        if (cursor >= expected_last.load()) return;
        if (give_up == std::chrono::steady_clock::time_point::max()) {
          give_up = std::chrono::steady_clock::now() + seconds(10);
        } else if (std::chrono::steady_clock::now() > give_up) {
          return;
        }
      }
      replicas[0]->WaitForSequenceAbove(cursor, milliseconds(200));
      for (;;) {
        absl::StatusOr<std::vector<v1::Event>> page = (*reader)->ReadAfter(cursor, 100);
        if (!page.ok()) {
          follow_status = page.status();
          return;
        }
        if (page->empty()) break;
        for (v1::Event& event : *page) {
          cursor = event.sequence();
          followed.push_back(std::move(event));
        }
      }
    }
  });

  std::mutex acks_mu;
  std::vector<Ack> acks;  // guarded by acks_mu
  std::atomic<int> failed{0};
  std::vector<std::thread> writers;
  for (int r = 0; r < kReplicas; ++r) {
    for (int t = 0; t < kThreadsPerReplica; ++t) {
      writers.emplace_back([&, r, t] {
        std::vector<Ack> mine;
        for (int i = 0; i < kSourcesPerThread; ++i) {
          const std::string id = absl::StrCat("r", r, "-t", t, "-s", i);
          CommitResult result = CommitOne(
              *replicas[r], MakeSource(absl::StrCat("src/", id), id, 1 + (i + t) % 3, r * 7 + i));
          if (!result.status.ok() || result.results.size() != 1) {
            ADD_FAILURE() << id << ": " << result.status;
            ++failed;
            continue;
          }
          EXPECT_FALSE(result.results[0].duplicate) << id;
          for (size_t k = 0; k < result.results[0].event_ids.size(); ++k) {
            mine.push_back({result.results[0].event_ids[k], result.results[0].sequences[k]});
          }
        }
        std::lock_guard<std::mutex> lock(acks_mu);
        acks.insert(acks.end(), mine.begin(), mine.end());
      });
    }
  }
  for (std::thread& writer : writers) writer.join();
  const uint64_t acknowledged = acks.size();
  expected_last = acknowledged;
  writers_done = true;
  follower.join();

  ASSERT_TRUE(follow_status.ok()) << follow_status;
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(followed.size(), acknowledged);
  ExpectGapFree(followed);
  // Every acknowledged event reached the follower exactly once, at the sequence its replica
  // answered (what a caller may log and later look up).
  const LogIndex index = IndexLog(followed);
  for (const Ack& ack : acks) {
    auto count = index.count.find(ack.event_id);
    ASSERT_NE(count, index.count.end()) << ack.event_id << " never reached the follower";
    EXPECT_EQ(count->second, 1) << ack.event_id;
    EXPECT_EQ(index.sequence.at(ack.event_id), ack.sequence) << ack.event_id;
  }
  absl::StatusOr<std::vector<v1::Event>> beyond = (*reader)->ReadAfter(acknowledged, 10);
  ASSERT_TRUE(beyond.ok()) << beyond.status();
  EXPECT_TRUE(beyond->empty()) << "the log holds events nobody acknowledged";
  // Every replica's head follows the others' commits up to the end of the log.
  for (int r = 0; r < kReplicas; ++r) {
    EXPECT_TRUE(replicas[r]->WaitForSequenceAbove(acknowledged - 1, seconds(5))) << "replica " << r;
    EXPECT_EQ(replicas[r]->LastSequence(), acknowledged) << "replica " << r;
  }
  uint64_t transactions = 0;
  for (const auto& replica : replicas) transactions += replica->Stats().transactions;
  RecordProperty("events", static_cast<int>(acknowledged));
  RecordProperty("transactions", static_cast<int>(transactions));
}

TEST_F(PostgresReplicasTest, TheSameSourceSentToTwoReplicasAtOnceIsStoredAndAnsweredOnce) {
  constexpr int kKeys = 200;
  std::unique_ptr<PostgresEventStore> replicas[2] = {OpenReplica(), OpenReplica()};
  ASSERT_NE(replicas[0], nullptr);
  ASSERT_NE(replicas[1], nullptr);
  // A hospital system that resends on a timeout, through a load balancer, to another replica.
  // Some keys carry the characters a PostgreSQL array literal quotes: the lookup under the lock
  // must still find them.
  auto source = [](int k) {
    const std::string key = k % 10 == 0
                                ? absl::StrCat("fhir|Observation/\"odd, {", k, "}\\ NULL|v1")
                                : absl::StrCat("fhir|Observation/obs-", k, "|v1");
    return MakeSource(key, absl::StrCat("obs-", k), 1 + k % 3, k);
  };

  // Key by key, both replicas are handed the source at the same moment, so each key is a race
  // of two groups for the log's lock (firing all keys at once would race two big groups, once).
  std::vector<CommitResult> answers[2] = {std::vector<CommitResult>(kKeys),
                                          std::vector<CommitResult>(kKeys)};
  std::barrier together(2);
  std::vector<std::thread> senders;
  for (int s = 0; s < 2; ++s) {
    senders.emplace_back([&, s] {
      for (int k = 0; k < kKeys; ++k) {
        together.arrive_and_wait();
        answers[s][k] = CommitOne(*replicas[s], source(k));
      }
    });
  }
  for (std::thread& sender : senders) sender.join();

  size_t events = 0;
  int originals_by_replica[2] = {0, 0};
  for (int k = 0; k < kKeys; ++k) {
    SCOPED_TRACE(absl::StrCat("key ", k));
    const CommitResult& a = answers[0][k];
    const CommitResult& b = answers[1][k];
    ASSERT_TRUE(a.status.ok()) << a.status;
    ASSERT_TRUE(b.status.ok()) << b.status;
    ASSERT_EQ(a.results.size(), 1u);
    ASSERT_EQ(b.results.size(), 1u);
    // Exactly one replica stored it; the other answers as for any resend.
    EXPECT_NE(a.results[0].duplicate, b.results[0].duplicate);
    originals_by_replica[a.results[0].duplicate ? 1 : 0]++;
    EXPECT_EQ(a.results[0].event_ids, SourceEventIds(source(k)));
    EXPECT_EQ(b.results[0].event_ids, a.results[0].event_ids);
    EXPECT_EQ(b.results[0].sequences, a.results[0].sequences);
    EXPECT_EQ(a.results[0].sequences.size(), a.results[0].event_ids.size());
    events += a.results[0].event_ids.size();
  }
  const std::vector<v1::Event> log = ReadAll(*replicas[0]);
  EXPECT_EQ(log.size(), events);
  ExpectGapFree(log);
  for (const auto& [event_id, count] : IndexLog(log).count) EXPECT_EQ(count, 1) << event_id;
  EXPECT_EQ(replicas[0]->Stats().duplicates + replicas[1]->Stats().duplicates,
            static_cast<uint64_t>(kKeys));
  // How the race fell (not asserted: the scheduler decides).
  RecordProperty("stored_by_replica_0", originals_by_replica[0]);
  RecordProperty("stored_by_replica_1", originals_by_replica[1]);
}

TEST_F(PostgresReplicasTest, AFollowerIsWokenByAnotherReplicasCommitNotByThePoll) {
  // A poll a minute apart: within this test only a notification can move B's head.
  PostgresStoreOptions options = Options();
  options.head_poll = seconds(60);
  std::unique_ptr<PostgresEventStore> a = OpenReplica(options);
  std::unique_ptr<PostgresEventStore> b = OpenReplica(options);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  // B's listener connects in the background; it reads the head once right after LISTEN, so once
  // B has seen A's first commit, B is listening and its next poll is a minute away.
  ASSERT_TRUE(CommitOne(*a, MakeSource("src/1", "first", 1, 0)).status.ok());
  ASSERT_TRUE(b->WaitForSequenceAbove(0, seconds(5)));
  const uint64_t seen = b->LastSequence();

  std::future<std::chrono::steady_clock::duration> woke = std::async(std::launch::async, [&] {
    const auto start = std::chrono::steady_clock::now();
    EXPECT_TRUE(b->WaitForSequenceAbove(seen, seconds(10)));
    return std::chrono::steady_clock::now() - start;
  });
  std::this_thread::sleep_for(milliseconds(50));  // B is waiting
  const CommitResult second = CommitOne(*a, MakeSource("src/2", "second", 1, 0));
  ASSERT_TRUE(second.status.ok()) << second.status;
  const std::chrono::steady_clock::duration waited = woke.get();
  EXPECT_LT(waited, seconds(2)) << "B woke only by a poll or a timeout, not A's notification";
  EXPECT_EQ(b->LastSequence(), second.results[0].sequences[0]);
  RecordProperty("woke_after_ms",
                 static_cast<int>(std::chrono::duration_cast<milliseconds>(waited).count()));
}

TEST_F(PostgresReplicasTest, CommitsAnsweredOkSurviveAnImmediateRestartUnderLoad) {
  constexpr int kThreadsPerReplica = 2;
  PostgresStoreOptions options = Options();
  options.commit_retry_window = seconds(30);
  std::unique_ptr<PostgresEventStore> replicas[2] = {OpenReplica(options), OpenReplica(options)};
  ASSERT_NE(replicas[0], nullptr);
  ASSERT_NE(replicas[1], nullptr);

  struct Outcome {
    std::vector<std::string> submitted;
    CommitResult result;
  };
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged{0};
  std::vector<std::vector<Outcome>> outcomes(2 * kThreadsPerReplica);
  std::vector<std::thread> writers;
  for (int r = 0; r < 2; ++r) {
    for (int t = 0; t < kThreadsPerReplica; ++t) {
      const int slot = r * kThreadsPerReplica + t;
      writers.emplace_back([&, r, t, slot] {
        for (int i = 0; !stop.load(); ++i) {
          const std::string id = absl::StrCat("r", r, "-t", t, "-s", i);
          SourceWrite write = MakeSource(absl::StrCat("src/", id), id, 1 + i % 2, i);
          Outcome outcome{SourceEventIds(write), {}};
          outcome.result = CommitOne(*replicas[r], std::move(write));
          if (outcome.result.status.ok()) ++acknowledged;
          outcomes[slot].push_back(std::move(outcome));
        }
      });
    }
  }
  auto wait_for_acks = [&acknowledged](int count) {
    const auto deadline = std::chrono::steady_clock::now() + seconds(40);
    while (acknowledged.load() < count && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(5));
    }
    return acknowledged.load() >= count;
  };
  const bool before = wait_for_acks(100);
  // Like a crash of the server: sessions cut mid-transaction, possibly between a COMMIT and its
  // answer; the next start replays the WAL.
  const absl::Status restarted = server_->Restart(StopMode::kImmediate);
  const bool after = wait_for_acks(acknowledged.load() + 100);
  stop = true;
  for (std::thread& writer : writers) writer.join();
  ASSERT_TRUE(before);
  ASSERT_TRUE(restarted.ok()) << restarted;
  ASSERT_TRUE(after) << "commits did not resume after the restart";

  std::vector<Ack> acks;
  std::map<std::string, bool> submitted;  // event id -> acknowledged
  int failures = 0;
  for (const std::vector<Outcome>& thread : outcomes) {
    for (const Outcome& outcome : thread) {
      for (const std::string& id : outcome.submitted) submitted[id] = outcome.result.status.ok();
      if (!outcome.result.status.ok()) {
        // The only failure the database going away may cause, and a caller may resubmit on.
        EXPECT_EQ(outcome.result.status.code(), absl::StatusCode::kUnavailable)
            << outcome.result.status;
        ++failures;
        continue;
      }
      ASSERT_EQ(outcome.result.results.size(), 1u);
      const SourceResult& source = outcome.result.results[0];
      // Each source was sent once: a retry after a lost COMMIT answer must not call it duplicate.
      EXPECT_FALSE(source.duplicate) << outcome.submitted[0];
      EXPECT_EQ(source.event_ids, outcome.submitted);
      for (size_t k = 0; k < source.event_ids.size(); ++k) {
        acks.push_back({source.event_ids[k], source.sequences[k]});
      }
    }
  }

  // A replica started after the restart reads what was durable.
  std::unique_ptr<PostgresEventStore> fresh = OpenReplica(options);
  ASSERT_NE(fresh, nullptr);
  const std::vector<v1::Event> log = ReadAll(*fresh);
  ExpectGapFree(log);
  const LogIndex index = IndexLog(log);
  for (const Ack& ack : acks) {
    auto count = index.count.find(ack.event_id);
    ASSERT_NE(count, index.count.end()) << ack.event_id << " was acknowledged but is lost";
    EXPECT_EQ(count->second, 1) << ack.event_id;
    EXPECT_EQ(index.sequence.at(ack.event_id), ack.sequence) << ack.event_id;
  }
  for (const auto& [event_id, count] : index.count) {
    EXPECT_EQ(count, 1) << event_id;
    EXPECT_EQ(submitted.count(event_id), 1u) << event_id << " was never submitted";
  }
  if (failures == 0) {
    EXPECT_EQ(log.size(), acks.size());
  }

  // The same store objects write on: no reopening after the database came back.
  uint64_t head = 0;
  for (int r = 0; r < 2; ++r) {
    const CommitResult later = CommitOne(
        *replicas[r], MakeSource(absl::StrCat("src/after-", r), absl::StrCat("after-", r), 1, r));
    ASSERT_TRUE(later.status.ok()) << later.status;
    EXPECT_FALSE(later.results[0].duplicate);
    head = std::max(head, later.results[0].sequences[0]);
    EXPECT_TRUE(HealthBecomes(*replicas[r], absl::StatusCode::kOk, seconds(3)))
        << replicas[r]->Health();
  }
  EXPECT_EQ(head, log.size() + 2);
  // And both follow the head again, the other replica's commit included (their listeners are
  // back).
  for (int r = 0; r < 2; ++r) {
    EXPECT_TRUE(replicas[r]->WaitForSequenceAbove(head - 1, seconds(5))) << "replica " << r;
  }
  RecordProperty("acknowledged", acknowledged.load());
  RecordProperty("failed", failures);
}

TEST_F(PostgresReplicasTest, ADatabaseAwayLongerThanTheRetryWindowFailsCommitsUntilItReturns) {
  PostgresStoreOptions options = Options();
  options.commit_retry_window = milliseconds(500);
  std::unique_ptr<PostgresEventStore> store = OpenReplica(options);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(CommitOne(*store, MakeSource("src/1", "before", 1, 0)).status.ok());
  EXPECT_TRUE(store->Health().ok()) << store->Health();

  ASSERT_TRUE(server_->Stop(StopMode::kFast).ok());
  // A readiness probe sees it without a write having to fail first (the listener notices).
  EXPECT_TRUE(HealthBecomes(*store, absl::StatusCode::kUnavailable, seconds(3)))
      << store->Health();
  const auto start = std::chrono::steady_clock::now();
  const CommitResult away = CommitOne(*store, MakeSource("src/2", "away", 1, 0));
  const auto took = std::chrono::steady_clock::now() - start;
  // The caller is told, within about the window, that nothing was kept and resending is safe.
  EXPECT_EQ(away.status.code(), absl::StatusCode::kUnavailable) << away.status;
  EXPECT_THAT(away.status.message(), HasSubstr("could not reach PostgreSQL"));
  EXPECT_THAT(away.status.message(), HasSubstr("nothing of the request was acknowledged"));
  EXPECT_LT(took, seconds(5));
  EXPECT_EQ(store->Health().code(), absl::StatusCode::kUnavailable) << store->Health();

  ASSERT_TRUE(server_->Restart(StopMode::kFast).ok());
  const CommitResult back = CommitOne(*store, MakeSource("src/2", "away", 1, 0));
  ASSERT_TRUE(back.status.ok()) << back.status;
  EXPECT_FALSE(back.results[0].duplicate) << "the failed commit stored something";
  // The listener reconnects on its own schedule (every 200 ms), so not necessarily by now.
  EXPECT_TRUE(HealthBecomes(*store, absl::StatusCode::kOk, seconds(3))) << store->Health();
  EXPECT_THAT(EventIds(ReadAll(*store)), ElementsAre("before-e0", "away-e0"));
}

TEST_F(PostgresReplicasTest, HealthRecoversWhenTheDatabaseReturnsWithoutAWrite) {
  PostgresStoreOptions options = Options();
  options.commit_retry_window = milliseconds(300);
  std::unique_ptr<PostgresEventStore> store = OpenReplica(options);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(server_->Stop(StopMode::kFast).ok());
  EXPECT_EQ(CommitOne(*store, MakeSource("src/1", "away", 1, 0)).status.code(),
            absl::StatusCode::kUnavailable);
  ASSERT_TRUE(server_->Restart(StopMode::kFast).ok());
  // /readyz follows Health(): a replica that stays "not ready" once the database is back gets no
  // traffic from a load balancer, hence no write that could make it ready again.
  EXPECT_TRUE(HealthBecomes(*store, absl::StatusCode::kOk, seconds(3))) << store->Health();
}

TEST_F(PostgresReplicasTest, RefusesADatabaseWithANewerSchema) {
  ASSERT_NE(OpenReplica(), nullptr);  // creates the schema
  // A newer gateway, rolled out to another replica first, upgraded the database.
  ExecSql("UPDATE schema_meta SET value = '99' WHERE key = 'schema_version'");
  absl::StatusOr<std::unique_ptr<PostgresEventStore>> store = OpenPostgresEventStore(Options());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition) << store.status();
  EXPECT_THAT(store.status().message(), HasSubstr("schema version 99"));
}

TEST(PostgresOpenTest, AnUnreachableServerIsUnavailable) {
  // A socket directory with no server in it: what a replica sees before the database is up.
  std::string pattern =
      (std::filesystem::temp_directory_path() / "postgres_replicas_test_XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  PostgresStoreOptions options;
  options.conninfo = absl::StrCat("host=", pattern, " port=5432 user=postgres dbname=trialgate");
  absl::StatusOr<std::unique_ptr<PostgresEventStore>> store =
      OpenPostgresEventStore(std::move(options));
  std::filesystem::remove_all(pattern);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kUnavailable) << store.status();
  EXPECT_THAT(store.status().message(), HasSubstr("cannot connect to PostgreSQL"));
}

TEST_F(PostgresReplicasTest, EnrollmentsAndSubjectsWrittenThroughOneReplicaAreSeenByAnother) {
  std::unique_ptr<PostgresEventStore> a = OpenReplica();
  std::unique_ptr<PostgresEventStore> b = OpenReplica();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  SourceWrite enrol;
  enrol.source_key = "rs/1/v1";
  enrol.events = {MakeEvent("enrol-1", "KRD-001"), MakeEvent("enrol-2", "KRD-002")};
  enrol.enrollments.push_back({"site-a", "hmac-1", "KRD-001", "on-study", "2024-01-10"});
  enrol.enrollments.push_back({"site-b", "hmac-2", "KRD-002", "candidate", "2024-01-12"});
  ASSERT_TRUE(CommitOne(*a, std::move(enrol)).status.ok());

  // A replica starting up (or re-reading) builds its identity registry from every replica's
  // enrolments, not only its own.
  absl::StatusOr<std::vector<EnrollmentRecord>> loaded = b->LoadEnrollments();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->size(), 2u);
  EXPECT_EQ((*loaded)[0].patient_key_hmac, "hmac-1");
  EXPECT_EQ((*loaded)[0].subject_id, "KRD-001");
  EXPECT_EQ((*loaded)[1].status, "candidate");

  // An update through B is what A loads next: the last write wins whichever replica took it.
  SourceWrite update;
  update.source_key = "rs/2/v2";
  update.events = {MakeEvent("enrol-3", "KRD-003")};
  update.enrollments.push_back({"site-b", "hmac-2", "KRD-002", "on-study", "2024-01-15"});
  ASSERT_TRUE(CommitOne(*b, std::move(update)).status.ok());
  loaded = a->LoadEnrollments();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->size(), 2u);
  EXPECT_EQ((*loaded)[1].status, "on-study");
  EXPECT_EQ((*loaded)[1].enrolled_on, "2024-01-15");

  absl::StatusOr<std::unique_ptr<EventReader>> reader = b->OpenReader();
  ASSERT_TRUE(reader.ok()) << reader.status();
  absl::StatusOr<std::vector<std::string>> subjects = (*reader)->ListSubjects();
  ASSERT_TRUE(subjects.ok()) << subjects.status();
  EXPECT_THAT(*subjects, ElementsAre("KRD-001", "KRD-002", "KRD-003"));
  EXPECT_THAT(EventIds(*(*reader)->ReadSubject("KRD-002")), ElementsAre("enrol-2"));
}

TEST_F(PostgresReplicasTest, OneReplicaAtATimeHoldsADestinationsLease) {
  std::unique_ptr<PostgresEventStore> a = OpenReplica();
  std::unique_ptr<PostgresEventStore> b = OpenReplica();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  absl::StatusOr<std::unique_ptr<Lease>> held = a->TryAcquireLease("destination:registry");
  ASSERT_TRUE(held.ok()) << held.status();
  ASSERT_NE(*held, nullptr);
  EXPECT_TRUE((*held)->held());
  absl::StatusOr<std::unique_ptr<Lease>> refused = b->TryAcquireLease("destination:registry");
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(*refused, nullptr) << "two replicas delivering one destination";
  // Another destination is another lease.
  absl::StatusOr<std::unique_ptr<Lease>> other = b->TryAcquireLease("destination:safety");
  ASSERT_TRUE(other.ok() && *other != nullptr);

  held->reset();  // released: the standby takes it
  absl::StatusOr<std::unique_ptr<Lease>> taken = b->TryAcquireLease("destination:registry");
  ASSERT_TRUE(taken.ok()) << taken.status();
  EXPECT_NE(*taken, nullptr);
}

TEST_F(PostgresReplicasTest, ALeaseWhoseSessionEndsIsNoLongerHeldAndPassesOn) {
  PostgresStoreOptions options = Options();
  options.lease_idle_timeout = milliseconds(800);  // heartbeat every 200 ms
  std::unique_ptr<PostgresEventStore> a = OpenReplica(options);
  std::unique_ptr<PostgresEventStore> b = OpenReplica(options);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  absl::StatusOr<std::unique_ptr<Lease>> held = a->TryAcquireLease("destination:registry");
  ASSERT_TRUE(held.ok() && *held != nullptr);
  // An operator (or the network) ends the holder's session.
  ExecSql(
      "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while ((*held)->held() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_FALSE((*held)->held()) << "the holder would go on delivering without its lease";
  absl::StatusOr<std::unique_ptr<Lease>> taken = b->TryAcquireLease("destination:registry");
  ASSERT_TRUE(taken.ok()) << taken.status();
  EXPECT_NE(*taken, nullptr);
}

TEST_F(PostgresReplicasTest, AFrozenHoldersLeaseIsTakenOverAfterTheIdleTimeout) {
  PostgresStoreOptions options = Options();
  options.lease_idle_timeout = milliseconds(800);
  std::unique_ptr<PostgresEventStore> standby = OpenReplica(options);
  ASSERT_NE(standby, nullptr);
  // A holder that stopped beating (a SIGSTOPped replica): its session, set up as a lease
  // session is, holds the lock and then says nothing.
  PGconn* frozen = PQconnectdb(server_->conninfo().c_str());
  ASSERT_EQ(PQstatus(frozen), CONNECTION_OK);
  PQclear(PQexec(frozen, "SET idle_session_timeout = 800"));
  PGresult* locked = PQexec(frozen,
                            "SELECT pg_try_advisory_lock(hashtextextended("
                            "'trialgate-lease:destination:registry', 0))");
  ASSERT_STREQ(PQgetvalue(locked, 0, 0), "t");
  PQclear(locked);
  absl::StatusOr<std::unique_ptr<Lease>> refused =
      standby->TryAcquireLease("destination:registry");
  ASSERT_TRUE(refused.ok() && *refused == nullptr) << "the lock's key is not the lease's";

  const auto start = std::chrono::steady_clock::now();
  std::unique_ptr<Lease> taken;
  while (taken == nullptr && std::chrono::steady_clock::now() - start < std::chrono::seconds(5)) {
    std::this_thread::sleep_for(milliseconds(100));
    absl::StatusOr<std::unique_ptr<Lease>> lease =
        standby->TryAcquireLease("destination:registry");
    ASSERT_TRUE(lease.ok()) << lease.status();
    taken = *std::move(lease);
  }
  EXPECT_NE(taken, nullptr) << "a frozen holder keeps the destination forever";
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(600));
  PQfinish(frozen);
}

TEST_F(PostgresReplicasTest, OneReplicaAtATimeDerivesASubject) {
  std::unique_ptr<PostgresEventStore> a = OpenReplica();
  std::unique_ptr<PostgresEventStore> b = OpenReplica();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  absl::StatusOr<std::unique_ptr<Lease>> deriving = a->TryLockSubject("KRD-001");
  ASSERT_TRUE(deriving.ok() && *deriving != nullptr) << deriving.status();
  absl::StatusOr<std::unique_ptr<Lease>> refused = b->TryLockSubject("KRD-001");
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(*refused, nullptr) << "two replicas deriving one subject at once";
  absl::StatusOr<std::unique_ptr<Lease>> other = b->TryLockSubject("KRD-002");
  ASSERT_TRUE(other.ok() && *other != nullptr) << "one subject's lock held up another's";
  other->reset();
  deriving->reset();  // derived and durable: the other replica may read it now
  absl::StatusOr<std::unique_ptr<Lease>> next = b->TryLockSubject("KRD-001");
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_NE(*next, nullptr);
}

TEST_F(PostgresReplicasTest, AFrozenReplicasOpenTransactionIsEndedByTheServer) {
  // Every session of the store is opened as PgConnect opens it. A replica frozen (SIGSTOP) inside
  // a group's transaction holds the log's head, and every replica's writes wait for it: the
  // server ends such a session after the timeout, and the lock with it.
  absl::StatusOr<PgConnPtr> conn = PgConnect(server_->conninfo());
  ASSERT_TRUE(conn.ok()) << conn.status();
  absl::StatusOr<PgResultPtr> shown =
      PgExec(conn->get(), "SHOW idle_in_transaction_session_timeout", {}, "show");
  ASSERT_TRUE(shown.ok()) << shown.status();
  EXPECT_EQ(PgText(shown->get(), 0, 0), "10s");
  shown = PgExec(conn->get(), "SHOW synchronous_commit", {}, "show");
  ASSERT_TRUE(shown.ok()) << shown.status();
  EXPECT_EQ(PgText(shown->get(), 0, 0), "on");
}

TEST_F(PostgresReplicasTest, ClosingWithTheDatabaseAwayAnswersWhatIsQueuedAtOnce) {
  std::unique_ptr<PostgresEventStore> store = OpenReplica();  // the 30 s retry window
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(server_->Stop(testing::TempPostgres::StopMode::kImmediate).ok());
  std::atomic<int> unavailable{0};
  for (int i = 0; i < 5; ++i) {
    store->Commit({MakeSource(absl::StrCat("src/late-", i), "late", 1, i)},
                  [&unavailable](CommitResult result) {
                    if (absl::IsUnavailable(result.status)) ++unavailable;
                  });
  }
  const auto start = std::chrono::steady_clock::now();
  store.reset();  // a gateway shutting down (SIGTERM)
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10))
      << "a shutdown waited out the retry window";
  EXPECT_EQ(unavailable.load(), 5) << "every queued request is answered, none acknowledged";
}

// The outcome of a COMMIT unknown to the replica: the proxy ends the connection right after the
// COMMIT went to the server (it committed) or instead of sending it (it did not). Either way the
// writer reconnects and tries the group again with the same attempt id; the caller is answered
// once, as stored (never "duplicate"), and the log holds the events once.
class UnknownCommitOutcomeTest : public PostgresReplicasTest,
                                 public ::testing::WithParamInterface<testing::PgFaultProxy::Cut> {
};

TEST_P(UnknownCommitOutcomeTest, TheRetryAnswersWhatWasStoredOnce) {
  testing::PgFaultProxy proxy(server_->dir() / absl::StrCat(".s.PGSQL.", server_->port()));
  ASSERT_NE(proxy.port(), 0);
  PostgresStoreOptions options = Options();
  options.conninfo = proxy.conninfo("postgres", "trialgate");
  std::unique_ptr<PostgresEventStore> store = OpenReplica(options);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(CommitOne(*store, MakeSource("src/before", "before", 1, 0)).status.ok());

  proxy.CutNextCommit(GetParam());
  CommitResult result = CommitOne(*store, MakeSource("src/cut", "cut", 2, 0));
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_EQ(proxy.cuts(), 1) << "the COMMIT was not cut: the test proves nothing";
  ASSERT_EQ(result.results.size(), 1u);
  EXPECT_FALSE(result.results[0].duplicate) << "the caller's first submission called a duplicate";
  ASSERT_EQ(result.results[0].sequences.size(), 2u);

  std::unique_ptr<PostgresEventStore> reader = OpenReplica();  // straight to the server
  ASSERT_NE(reader, nullptr);
  const std::vector<v1::Event> log = ReadAll(*reader);
  ExpectGapFree(log);
  EXPECT_THAT(EventIds(log), ElementsAre("before-e0", "cut-e0", "cut-e1"));
  EXPECT_EQ(log.back().sequence(), result.results[0].sequences[1]);
  // And the same source again is now a duplicate, as any resubmission.
  CommitResult again = CommitOne(*store, MakeSource("src/cut", "cut", 2, 0));
  ASSERT_TRUE(again.status.ok()) << again.status;
  EXPECT_TRUE(again.results[0].duplicate);
}

INSTANTIATE_TEST_SUITE_P(Cuts, UnknownCommitOutcomeTest,
                         ::testing::Values(testing::PgFaultProxy::Cut::kAfterCommitSent,
                                           testing::PgFaultProxy::Cut::kBeforeCommitSent),
                         [](const ::testing::TestParamInfo<testing::PgFaultProxy::Cut>& info) {
                           return info.param == testing::PgFaultProxy::Cut::kAfterCommitSent
                                      ? std::string("AfterCommitSent")
                                      : std::string("BeforeCommitSent");
                         });

}  // namespace
}  // namespace trialgate::store
