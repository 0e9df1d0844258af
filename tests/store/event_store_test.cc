#include "gateway/store/event_store.h"

#include <sqlite3.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/store/store_test_support.h"

namespace trialgate::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

SourceWrite MakeWrite(const std::string& source_key, std::vector<std::string> event_ids) {
  SourceWrite write;
  write.source_key = source_key;
  for (const std::string& id : event_ids) write.events.push_back(MakeEvent(id));
  return write;
}

// Commits events a1 and a3 of KRD-001 and a2 of KRD-002 (one source) to `store`, and opens
// a reader; null after a failure (reported).
std::unique_ptr<EventReader> CommitThreeAndOpenReader(EventStore& store) {
  SourceWrite a;
  a.source_key = "src/a";
  a.events = {MakeEvent("a1", "KRD-001"), MakeEvent("a2", "KRD-002"),
              MakeEvent("a3", "KRD-001")};
  const absl::Status committed = CommitOne(store, std::move(a)).status;
  EXPECT_TRUE(committed.ok()) << committed;
  absl::StatusOr<std::unique_ptr<EventReader>> reader = store.OpenReader();
  EXPECT_TRUE(reader.ok()) << reader.status();
  return committed.ok() && reader.ok() ? *std::move(reader) : nullptr;
}

// The event log's contract, held by both stores.
class EventStoreTest : public BackendStoreTest {};

TEST_P(EventStoreTest, CommitsAndReadsBackInOrder) {
  std::unique_ptr<GatewayStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<std::unique_ptr<EventReader>> reader = store->OpenReader();
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_THAT(*(*reader)->ReadAfter(0, 10), IsEmpty());
  EXPECT_EQ(store->LastSequence(), 0u);

  std::vector<SourceWrite> writes;
  writes.push_back(MakeWrite("src/1", {"e1", "e2"}));
  writes.push_back(MakeWrite("src/2", {"e3"}));
  CommitResult first = CommitAndWait(*store, std::move(writes));
  ASSERT_TRUE(first.status.ok()) << first.status;
  ASSERT_EQ(first.results.size(), 2u);
  EXPECT_FALSE(first.results[0].duplicate);
  EXPECT_THAT(first.results[0].event_ids, ElementsAre("e1", "e2"));
  EXPECT_THAT(first.results[1].event_ids, ElementsAre("e3"));
  CommitResult second = CommitOne(*store, MakeWrite("src/3", {"e4", "e5"}));
  ASSERT_TRUE(second.status.ok()) << second.status;

  // The reader opened before the commits sees them: each read is a fresh snapshot.
  absl::StatusOr<std::vector<v1::Event>> all = (*reader)->ReadAfter(0, 100);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_THAT(EventIds(*all), ElementsAre("e1", "e2", "e3", "e4", "e5"));
  for (size_t i = 1; i < all->size(); ++i) {
    EXPECT_GT((*all)[i].sequence(), (*all)[i - 1].sequence());
  }
  EXPECT_EQ((*all)[0].sequence(), first.results[0].sequences[0]);
  EXPECT_EQ((*all)[4].sequence(), second.results[0].sequences[1]);
  EXPECT_EQ(store->LastSequence(), (*all)[4].sequence());
  // The payload comes back whole.
  EXPECT_EQ((*all)[3].subject_id(), "KRD-001");
  EXPECT_EQ((*all)[3].lab_result().analyte(), "serum_m_protein");

  const uint64_t cursor = (*all)[1].sequence();
  absl::StatusOr<std::vector<v1::Event>> later = (*reader)->ReadAfter(cursor, 100);
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_THAT(EventIds(*later), ElementsAre("e3", "e4", "e5"));
  absl::StatusOr<std::vector<v1::Event>> page = (*reader)->ReadAfter(cursor, 2);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(EventIds(*page), ElementsAre("e3", "e4"));
  EXPECT_THAT(*(*reader)->ReadAfter(store->LastSequence(), 100), IsEmpty());
  EXPECT_THAT(*(*reader)->ReadAfter(0, 0), IsEmpty());
}

TEST_P(EventStoreTest, ReadsOneSubjectsEventsAndListsSubjects) {
  std::unique_ptr<GatewayStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  SourceWrite a;
  a.source_key = "src/a";
  a.events = {MakeEvent("a1", "KRD-001"), MakeEvent("a2", "KRD-002")};
  SourceWrite b;
  b.source_key = "src/b";
  b.events = {MakeEvent("b1", "KRD-001"), MakeEvent("b2", "")};
  std::vector<SourceWrite> writes;
  writes.push_back(std::move(a));
  writes.push_back(std::move(b));
  ASSERT_TRUE(CommitAndWait(*store, std::move(writes)).status.ok());

  absl::StatusOr<std::unique_ptr<EventReader>> reader = store->OpenReader();
  ASSERT_TRUE(reader.ok()) << reader.status();
  absl::StatusOr<std::vector<v1::Event>> first = (*reader)->ReadSubject("KRD-001");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(EventIds(*first), ElementsAre("a1", "b1"));
  EXPECT_GT((*first)[1].sequence(), (*first)[0].sequence());
  EXPECT_THAT(EventIds(*(*reader)->ReadSubject("KRD-002")), ElementsAre("a2"));
  EXPECT_THAT(*(*reader)->ReadSubject("KRD-999"), IsEmpty());
  EXPECT_THAT(*(*reader)->ListSubjects(), ElementsAre("KRD-001", "KRD-002"));
}

TEST_P(EventStoreTest, ReadsOneSubjectOntoABatchAsReadSubjectDoes) {
  std::unique_ptr<GatewayStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::unique_ptr<EventReader> reader = CommitThreeAndOpenReader(*store);
  ASSERT_NE(reader, nullptr);
  absl::StatusOr<std::vector<v1::Event>> plain = reader->ReadSubject("KRD-001");
  ASSERT_TRUE(plain.ok()) << plain.status();

  EventBatch batch;
  batch.Add(MakeEvent("before", "KRD-001"));  // appended to, not replaced
  ASSERT_TRUE(reader->ReadSubjectInto("KRD-001", &batch).ok());
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(batch.front().event_id(), "before");
  for (size_t i = 0; i < plain->size(); ++i) {
    EXPECT_EQ(batch.events()[i + 1]->SerializeAsString(), (*plain)[i].SerializeAsString());
  }
  EXPECT_NE(batch.back().sequence(), 0u);  // each with its sequence, as ReadSubject
  EventBatch none;
  ASSERT_TRUE(reader->ReadSubjectInto("KRD-999", &none).ok());
  EXPECT_TRUE(none.empty());
}

TEST_P(EventStoreTest, ReadsOneSubjectsEventsAfterASequence) {
  std::unique_ptr<GatewayStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::unique_ptr<EventReader> reader = CommitThreeAndOpenReader(*store);
  ASSERT_NE(reader, nullptr);
  absl::StatusOr<std::vector<v1::Event>> first = reader->ReadSubject("KRD-001");
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->size(), 2u);

  // From 0 it is ReadSubject; after the last event read, nothing until more is appended.
  EXPECT_THAT(EventIds(*reader->ReadSubjectAfter("KRD-001", 0)), ElementsAre("a1", "a3"));
  EXPECT_THAT(EventIds(*reader->ReadSubjectAfter("KRD-001", (*first)[0].sequence())),
              ElementsAre("a3"));
  EXPECT_THAT(*reader->ReadSubjectAfter("KRD-001", (*first)[1].sequence()), IsEmpty());
  SourceWrite b;
  b.source_key = "src/b";
  b.events = {MakeEvent("b1", "KRD-002"), MakeEvent("b2", "KRD-001"), MakeEvent("b3", "KRD-001")};
  ASSERT_TRUE(CommitOne(*store, std::move(b)).status.ok());
  absl::StatusOr<std::vector<v1::Event>> after =
      reader->ReadSubjectAfter("KRD-001", (*first)[1].sequence());
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_THAT(EventIds(*after), ElementsAre("b2", "b3"));
  EXPECT_GT((*after)[0].sequence(), (*first)[1].sequence());
  EXPECT_GT((*after)[1].sequence(), (*after)[0].sequence());
  EXPECT_EQ((*after)[1].lab_result().analyte(), "serum_m_protein");
  // The earlier answer and the later one together are exactly a full read.
  std::vector<v1::Event> joined = *first;
  joined.insert(joined.end(), after->begin(), after->end());
  absl::StatusOr<std::vector<v1::Event>> full = reader->ReadSubject("KRD-001");
  ASSERT_TRUE(full.ok()) << full.status();
  ASSERT_EQ(joined.size(), full->size());
  for (size_t i = 0; i < joined.size(); ++i) {
    EXPECT_EQ(joined[i].SerializeAsString(), (*full)[i].SerializeAsString());
  }
  EXPECT_THAT(*reader->ReadSubjectAfter("KRD-999", 0), IsEmpty());
  EXPECT_THAT(*reader->ReadSubjectAfter("KRD-001", ~uint64_t{0}), IsEmpty());
}

TEST_P(EventStoreTest, IgnoresACallerSuppliedSequence) {
  std::unique_ptr<GatewayStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  SourceWrite write = MakeWrite("src/1", {"e1"});
  write.events[0].set_sequence(987654);
  CommitResult result = CommitOne(*store, std::move(write));
  ASSERT_TRUE(result.status.ok()) << result.status;
  std::vector<v1::Event> events = ReadAll(*store);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].sequence(), result.results[0].sequences[0]);
  EXPECT_NE(events[0].sequence(), 987654u);
}

TEST_P(EventStoreTest, DuplicateSourceReturnsOriginalEventsAndWritesNothing) {
  std::unique_ptr<GatewayStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  CommitResult original = CommitOne(*store, MakeWrite("src/1", {"e1", "e2"}));
  ASSERT_TRUE(original.status.ok()) << original.status;

  // Same source key, different content: the stored version wins and nothing is added.
  CommitResult again = CommitOne(*store, MakeWrite("src/1", {"e9"}));
  ASSERT_TRUE(again.status.ok()) << again.status;
  ASSERT_EQ(again.results.size(), 1u);
  EXPECT_TRUE(again.results[0].duplicate);
  EXPECT_THAT(again.results[0].event_ids, ElementsAre("e1", "e2"));
  EXPECT_EQ(again.results[0].sequences, original.results[0].sequences);
  EXPECT_THAT(EventIds(ReadAll(*store)), ElementsAre("e1", "e2"));
  EXPECT_EQ(store->Stats().duplicates, 1u);
  EXPECT_EQ(store->Stats().events_written, 2u);
}

// A request (so one group) holding a stored source among new ones: the stored one answers its
// original events, the new ones are numbered on from the log's end without a gap, and the
// sources sent after it are stored as usual. (PostgreSQL writes a group of new sources in one
// round trip and falls back to looking them up when one was stored: this is that fall-back.)
TEST_P(EventStoreTest, AStoredSourceAmongNewOnesIsADuplicateAndTheNewOnesFollowWithoutAGap) {
  std::unique_ptr<GatewayStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  CommitResult original = CommitOne(*store, MakeWrite("src/old", {"old-e1", "old-e2"}));
  ASSERT_TRUE(original.status.ok()) << original.status;

  std::vector<SourceWrite> writes;
  writes.push_back(MakeWrite("src/new-1", {"new1-e1"}));
  writes.push_back(MakeWrite("src/old", {"old-e1", "old-e2"}));
  writes.push_back(MakeWrite("src/new-2", {"new2-e1", "new2-e2"}));
  CommitResult mixed = CommitAndWait(*store, std::move(writes));
  ASSERT_TRUE(mixed.status.ok()) << mixed.status;
  ASSERT_EQ(mixed.results.size(), 3u);
  EXPECT_FALSE(mixed.results[0].duplicate);
  EXPECT_TRUE(mixed.results[1].duplicate);
  EXPECT_EQ(mixed.results[1].sequences, original.results[0].sequences);
  EXPECT_FALSE(mixed.results[2].duplicate);
  EXPECT_THAT(mixed.results[0].sequences, ElementsAre(3));
  EXPECT_THAT(mixed.results[2].sequences, ElementsAre(4, 5));

  for (int i = 0; i < 40; ++i) {
    CommitResult later = CommitOne(*store, MakeWrite(absl::StrCat("src/later-", i),
                                                     {absl::StrCat("later-e", i)}));
    ASSERT_TRUE(later.status.ok()) << later.status;
    EXPECT_FALSE(later.results[0].duplicate);
    EXPECT_THAT(later.results[0].sequences, ElementsAre(6 + i));
  }
  const std::vector<v1::Event> log = ReadAll(*store);
  ASSERT_EQ(log.size(), 45u);
  for (size_t i = 0; i < log.size(); ++i) EXPECT_EQ(log[i].sequence(), i + 1);
  EXPECT_EQ(store->Stats().duplicates, 1u);
  EXPECT_EQ(store->Stats().events_written, 45u);
}

TEST_P(EventStoreTest, DuplicateSourceIsDetectedAfterReopen) {
  std::vector<uint64_t> sequences;
  {
    std::unique_ptr<GatewayStore> store = OpenStore();
    ASSERT_NE(store, nullptr);
    CommitResult result = CommitOne(*store, MakeWrite("src/1", {"e1"}));
    ASSERT_TRUE(result.status.ok()) << result.status;
    sequences = result.results[0].sequences;
  }
  std::unique_ptr<GatewayStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  CommitResult again = CommitOne(*store, MakeWrite("src/1", {"e1"}));
  ASSERT_TRUE(again.status.ok()) << again.status;
  EXPECT_TRUE(again.results[0].duplicate);
  EXPECT_THAT(again.results[0].event_ids, ElementsAre("e1"));
  EXPECT_EQ(again.results[0].sequences, sequences);
  EXPECT_EQ(ReadAll(*store).size(), 1u);
}

TEST_P(EventStoreTest, DuplicateWithinOneRequestIsReportedAgainstTheFirst) {
  std::unique_ptr<GatewayStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::vector<SourceWrite> writes;
  writes.push_back(MakeWrite("src/1", {"e1"}));
  writes.push_back(MakeWrite("src/1", {"e1"}));
  CommitResult result = CommitAndWait(*store, std::move(writes));
  ASSERT_TRUE(result.status.ok()) << result.status;
  ASSERT_EQ(result.results.size(), 2u);
  EXPECT_FALSE(result.results[0].duplicate);
  EXPECT_TRUE(result.results[1].duplicate);
  EXPECT_EQ(result.results[1].event_ids, result.results[0].event_ids);
  EXPECT_EQ(result.results[1].sequences, result.results[0].sequences);
  EXPECT_EQ(ReadAll(*store).size(), 1u);
}

TEST_P(EventStoreTest, DuplicateAcrossRequestsOfOneGroupIsReportedAgainstTheFirst) {
  WriterGate gate;
  TestStoreOptions options;
  gate.Install(options.after_group_for_testing);
  std::unique_ptr<GatewayStore> store = OpenStore(std::move(options));
  ASSERT_NE(store, nullptr);
  gate.CloseWith(*store, MakeWrite("src/0", {"e0"}));
  const uint64_t transactions_before = store->Stats().transactions;

  std::promise<CommitResult> first;
  std::promise<CommitResult> second;
  store->Commit({MakeWrite("src/1", {"e1", "e2"})},
                [&first](CommitResult r) { first.set_value(std::move(r)); });
  store->Commit({MakeWrite("src/1", {"e1", "e2"})},
                [&second](CommitResult r) { second.set_value(std::move(r)); });
  gate.Open();
  CommitResult a = first.get_future().get();
  CommitResult b = second.get_future().get();

  ASSERT_TRUE(a.status.ok()) << a.status;
  ASSERT_TRUE(b.status.ok()) << b.status;
  EXPECT_EQ(store->Stats().transactions, transactions_before + 1);  // really one group
  EXPECT_FALSE(a.results[0].duplicate);
  EXPECT_TRUE(b.results[0].duplicate);
  EXPECT_THAT(b.results[0].event_ids, ElementsAre("e1", "e2"));
  EXPECT_EQ(b.results[0].sequences, a.results[0].sequences);
  EXPECT_THAT(EventIds(ReadAll(*store)), ElementsAre("e0", "e1", "e2"));
}

TEST_P(EventStoreTest, SourceWithoutEventsIsRememberedAsDuplicate) {
  {
    std::unique_ptr<GatewayStore> store = OpenStore();
    ASSERT_NE(store, nullptr);
    CommitResult result = CommitOne(*store, MakeWrite("src/empty", {}));
    ASSERT_TRUE(result.status.ok()) << result.status;
    EXPECT_FALSE(result.results[0].duplicate);
    EXPECT_THAT(result.results[0].event_ids, IsEmpty());
    CommitResult again = CommitOne(*store, MakeWrite("src/empty", {"late"}));
    ASSERT_TRUE(again.status.ok()) << again.status;
    EXPECT_TRUE(again.results[0].duplicate);
    EXPECT_THAT(again.results[0].event_ids, IsEmpty());
  }
  std::unique_ptr<GatewayStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  CommitResult after_reopen = CommitOne(*store, MakeWrite("src/empty", {}));
  ASSERT_TRUE(after_reopen.status.ok()) << after_reopen.status;
  EXPECT_TRUE(after_reopen.results[0].duplicate);
  EXPECT_THAT(ReadAll(*store), IsEmpty());
}

// A channel message (HL7 v2: sending system + control id) is committed with its resources and
// a digest of its content: the same message again is a duplicate; the same id with another
// digest refuses the whole request, in a group with others that still commit.
TEST_P(EventStoreTest, SameMessageKeyAndDigestIsADuplicate) {
  std::unique_ptr<GatewayStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  auto message = [](const std::string& digest, const std::string& event_id) {
    std::vector<SourceWrite> writes;
    writes.push_back(MakeWrite("obs/" + event_id, {event_id}));
    SourceWrite record = MakeWrite("message|hl7v2|LIS@HOSPA|42", {});
    record.digest = digest;
    writes.push_back(std::move(record));
    return writes;
  };
  CommitResult first = CommitAndWait(*store, message("d1", "e1"));
  ASSERT_TRUE(first.status.ok()) << first.status;
  CommitResult resend = CommitAndWait(*store, message("d1", "e1"));
  ASSERT_TRUE(resend.status.ok()) << resend.status;
  EXPECT_TRUE(resend.results[0].duplicate);
  EXPECT_TRUE(resend.results[1].duplicate);

  CommitResult reused = CommitAndWait(*store, message("d2", "e2"));
  EXPECT_EQ(reused.status.code(), absl::StatusCode::kAlreadyExists) << reused.status;
  EXPECT_THAT(reused.status.message(), HasSubstr("message|hl7v2|LIS@HOSPA|42"));
  EXPECT_THAT(reused.results, IsEmpty());
  EXPECT_THAT(EventIds(ReadAll(*store)), ElementsAre("e1"));  // e2 was rolled back
  EXPECT_TRUE(store->Health().ok()) << "a reused id is the request's problem, not the store's";
  CommitResult next = CommitOne(*store, MakeWrite("obs/e3", {"e3"}));
  ASSERT_TRUE(next.status.ok()) << next.status;
}

TEST_P(EventStoreTest, MessageDigestsSurviveReopen) {
  SourceWrite record = MakeWrite("message|hl7v2|LIS@HOSPA|7", {});
  record.digest = "d1";
  {
    std::unique_ptr<GatewayStore> store = OpenStore();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(CommitOne(*store, record).status.ok());
  }
  std::unique_ptr<GatewayStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(CommitOne(*store, record).results.at(0).duplicate);
  record.digest = "d2";
  EXPECT_EQ(CommitOne(*store, record).status.code(), absl::StatusCode::kAlreadyExists);
}

TEST_P(EventStoreTest, EmptyRequestSucceedsWithNoResults) {
  std::unique_ptr<GatewayStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  CommitResult result = CommitAndWait(*store, {});
  EXPECT_TRUE(result.status.ok()) << result.status;
  EXPECT_THAT(result.results, IsEmpty());
}

TEST_P(EventStoreTest, DataSurvivesReopenAndSequencesContinue) {
  uint64_t last = 0;
  {
    std::unique_ptr<GatewayStore> store = OpenStore();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(CommitOne(*store, MakeWrite("src/1", {"e1", "e2"})).status.ok());
    last = store->LastSequence();
    ASSERT_GT(last, 0u);
  }
  std::unique_ptr<GatewayStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->LastSequence(), last);
  EXPECT_THAT(EventIds(ReadAll(*store)), ElementsAre("e1", "e2"));

  CommitResult result = CommitOne(*store, MakeWrite("src/2", {"e3"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_GT(result.results[0].sequences[0], last);
  // A warehouse cursor saved before the restart continues exactly where it stopped.
  absl::StatusOr<std::unique_ptr<EventReader>> reader = store->OpenReader();
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_THAT(EventIds(*(*reader)->ReadAfter(last, 10)), ElementsAre("e3"));
}

TEST_P(EventStoreTest, ConcurrentCommitsAreStoredOnceAndShareTransactions) {
  constexpr int kThreads = 8;
  constexpr int kCommitsPerThread = 500;
  std::unique_ptr<GatewayStore> store = OpenStore();
  ASSERT_NE(store, nullptr);

  std::atomic<int> ok_callbacks{0};
  std::vector<std::vector<uint64_t>> sequences_by_thread(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCommitsPerThread; ++i) {
        const std::string id = absl::StrCat("t", t, "-", i);
        CommitResult result = CommitOne(*store, MakeWrite(absl::StrCat("src/", id), {id}));
        if (result.status.ok() && result.results.size() == 1 &&
            result.results[0].sequences.size() == 1) {
          ++ok_callbacks;
          sequences_by_thread[t].push_back(result.results[0].sequences[0]);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(ok_callbacks.load(), kThreads * kCommitsPerThread);
  std::vector<v1::Event> events = ReadAll(*store);
  ASSERT_EQ(events.size(), static_cast<size_t>(kThreads * kCommitsPerThread));
  std::set<std::string> ids;
  for (size_t i = 0; i < events.size(); ++i) {
    ids.insert(events[i].event_id());
    if (i > 0) {
      EXPECT_GT(events[i].sequence(), events[i - 1].sequence());
    }
  }
  EXPECT_EQ(ids.size(), events.size());
  // Each caller's later commit got a later sequence.
  for (const std::vector<uint64_t>& sequences : sequences_by_thread) {
    for (size_t i = 1; i < sequences.size(); ++i) EXPECT_GT(sequences[i], sequences[i - 1]);
  }
  StoreStats stats = store->Stats();
  EXPECT_EQ(stats.commits, static_cast<uint64_t>(kThreads * kCommitsPerThread));
  EXPECT_EQ(stats.failed_commits, 0u);
  EXPECT_LT(stats.transactions, stats.commits) << "no two commits shared a transaction";
  RecordProperty("transactions", static_cast<int>(stats.transactions));
}

TEST_P(EventStoreTest, WaitForSequenceAboveTimesOutWithoutACommit) {
  std::unique_ptr<GatewayStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(store->WaitForSequenceAbove(0, std::chrono::milliseconds(50)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50));
}

TEST_P(EventStoreTest, WaitForSequenceAboveWakesOnCommit) {
  std::unique_ptr<GatewayStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(CommitOne(*store, MakeWrite("src/1", {"e1"})).status.ok());
  const uint64_t seen = store->LastSequence();
  EXPECT_TRUE(store->WaitForSequenceAbove(seen - 1, std::chrono::milliseconds(0)));

  const auto start = std::chrono::steady_clock::now();
  std::future<bool> woke = std::async(std::launch::async, [&] {
    return store->WaitForSequenceAbove(seen, std::chrono::seconds(30));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  store->Commit({MakeWrite("src/2", {"e2"})}, [](CommitResult) {});
  EXPECT_TRUE(woke.get());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_GT(store->LastSequence(), seen);
}

TEST_P(EventStoreTest, RejectsMissingKeysWithoutFailingTheStore) {
  std::unique_ptr<GatewayStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(CommitOne(*store, MakeWrite("", {"e1"})).status.code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CommitOne(*store, MakeWrite("src/1", {""})).status.code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(store->Health().ok());
  EXPECT_THAT(ReadAll(*store), IsEmpty());
  EXPECT_TRUE(CommitOne(*store, MakeWrite("src/1", {"e1"})).status.ok());
}

TEST_P(EventStoreTest, CallbackMayCallBackIntoTheStore) {
  std::unique_ptr<GatewayStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::promise<CommitResult> nested;
  store->Commit({MakeWrite("src/1", {"e1"})}, [&](CommitResult result) {
    EXPECT_TRUE(result.status.ok());
    EXPECT_EQ(store->LastSequence(), result.results[0].sequences[0]);
    store->Commit({MakeWrite("src/2", {"e2"})},
                  [&nested](CommitResult r) { nested.set_value(std::move(r)); });
  });
  CommitResult result = nested.get_future().get();
  EXPECT_TRUE(result.status.ok()) << result.status;
  EXPECT_THAT(EventIds(ReadAll(*store)), ElementsAre("e1", "e2"));
}

TEST_P(EventStoreTest, DestructionWritesWhatIsQueued) {
  constexpr int kCommits = 200;
  std::atomic<int> ok{0};
  {
    std::unique_ptr<GatewayStore> store = OpenStore();
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < kCommits; ++i) {
      store->Commit({MakeWrite(absl::StrCat("src/", i), {absl::StrCat("e", i)})},
                    [&ok](CommitResult r) { ok += r.status.ok() ? 1 : 0; });
    }
  }
  EXPECT_EQ(ok.load(), kCommits);
  std::unique_ptr<GatewayStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(ReadAll(*store).size(), static_cast<size_t>(kCommits));
}

TEST_P(EventStoreTest, EnrollmentsAreUpsertedAndLoaded) {
  {
    std::unique_ptr<GatewayStore> store = OpenStore();
    ASSERT_NE(store, nullptr);
    SourceWrite enrol = MakeWrite("rs/1/v1", {"enrol-1"});
    enrol.enrollments.push_back({"site-a", "hmac-1", "KRD-001", "on-study", "2024-01-10"});
    enrol.enrollments.push_back({"site-b", "hmac-2", "KRD-002", "candidate", "2024-01-12"});
    ASSERT_TRUE(CommitOne(*store, std::move(enrol)).status.ok());

    SourceWrite update = MakeWrite("rs/2/v2", {"enrol-2"});
    update.enrollments.push_back({"site-b", "hmac-2", "KRD-002", "on-study", "2024-01-15"});
    ASSERT_TRUE(CommitOne(*store, std::move(update)).status.ok());

    // A duplicate source changes nothing, enrolments included.
    SourceWrite stale = MakeWrite("rs/1/v1", {"enrol-1"});
    stale.enrollments.push_back({"site-a", "hmac-1", "KRD-001", "withdrawn", "2024-01-10"});
    ASSERT_TRUE(CommitOne(*store, std::move(stale)).status.ok());
  }
  std::unique_ptr<GatewayStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<std::vector<EnrollmentRecord>> loaded = store->LoadEnrollments();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->size(), 2u);
  EXPECT_EQ((*loaded)[0].site_id, "site-a");
  EXPECT_EQ((*loaded)[0].patient_key_hmac, "hmac-1");
  EXPECT_EQ((*loaded)[0].subject_id, "KRD-001");
  EXPECT_EQ((*loaded)[0].status, "on-study");
  EXPECT_EQ((*loaded)[1].site_id, "site-b");
  EXPECT_EQ((*loaded)[1].status, "on-study");
  EXPECT_EQ((*loaded)[1].enrolled_on, "2024-01-15");
}

// A resource's versions as the FHIR REST facade writes them: keys as identity::SourceKey makes
// them (a length-prefixed resource key, then the version part).
SourceWrite Version(const std::string& resource_key, const std::string& version_part,
                    std::optional<uint64_t> expected_version = std::nullopt) {
  SourceWrite write = MakeWrite(resource_key + version_part, {resource_key + version_part});
  write.resource_key = resource_key;
  write.number_version = true;
  write.expected_version = expected_version;
  return write;
}

TEST_P(EventStoreTest, NumbersAResourcesVersionsAndAnswersADuplicateWithItsNumber) {
  std::unique_ptr<GatewayStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const std::string obs = "4:ehr-a;11:Observation;2:o1;";
  const std::string other = "4:ehr-a;11:Observation;3:o10;";  // shares obs's text as a prefix
  CommitResult first = CommitOne(*store, Version(obs, "sha256=aa"));
  ASSERT_TRUE(first.status.ok()) << first.status;
  EXPECT_EQ(first.results[0].version, 1u);
  EXPECT_GT(first.results[0].stored_at_unix_ms, 0);
  ASSERT_TRUE(CommitOne(*store, Version(other, "sha256=cc")).status.ok());

  // Two versions in one request: numbered in order, and the other resource is not counted.
  std::vector<SourceWrite> two;
  two.push_back(Version(obs, "sha256=bb"));
  two.push_back(Version(obs, "sha256=dd"));
  CommitResult next = CommitAndWait(*store, std::move(two));
  ASSERT_TRUE(next.status.ok()) << next.status;
  EXPECT_EQ(next.results[0].version, 2u);
  EXPECT_EQ(next.results[1].version, 3u);

  CommitResult again = CommitOne(*store, Version(obs, "sha256=aa"));
  ASSERT_TRUE(again.status.ok()) << again.status;
  EXPECT_TRUE(again.results[0].duplicate);
  EXPECT_EQ(again.results[0].version, 1u);
  EXPECT_EQ(again.results[0].stored_at_unix_ms, first.results[0].stored_at_unix_ms);
}

TEST_P(EventStoreTest, AnExpectedVersionThatIsNotTheLatestFailsTheRequestAlone) {
  std::unique_ptr<GatewayStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const std::string obs = "4:ehr-a;11:Observation;2:o1;";
  ASSERT_TRUE(CommitOne(*store, Version(obs, "sha256=aa")).status.ok());

  std::vector<SourceWrite> stale;
  stale.push_back(MakeWrite("src/with-it", {"kept-out"}));
  stale.push_back(Version(obs, "sha256=bb", /*expected_version=*/0));
  CommitResult refused = CommitAndWait(*store, std::move(stale));
  EXPECT_EQ(refused.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status.message(), HasSubstr("at version 1"));
  EXPECT_TRUE(store->Health().ok());

  CommitResult current = CommitOne(*store, Version(obs, "sha256=bb", /*expected_version=*/1));
  ASSERT_TRUE(current.status.ok()) << current.status;
  EXPECT_EQ(current.results[0].version, 2u);
  // Nothing of the refused request was stored.
  EXPECT_THAT(EventIds(ReadAll(*store)), ElementsAre(obs + "sha256=aa", obs + "sha256=bb"));
}

// A write that only undoes what an earlier version said (a Patient's "not deceased"): with no
// version of its resource stored nothing is written, and sent again it is still not needed;
// once a version is stored (here in the same request, before it) it is written like any other.
TEST_P(EventStoreTest, AWriteOnlyAfterAStoredVersionIsNotWrittenWithoutOne) {
  std::unique_ptr<GatewayStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const std::string patient = "9:hosp 1234;7:Patient;3:p-1;";
  auto withdrawal = [&patient](const std::string& version_part) {
    SourceWrite write = MakeWrite(patient + version_part, {patient + version_part});
    write.resource_key = patient;
    write.only_after_a_stored_version = true;
    return write;
  };
  for (int attempt = 0; attempt < 2; ++attempt) {
    CommitResult lone = CommitOne(*store, withdrawal("content=aa"));
    ASSERT_TRUE(lone.status.ok()) << lone.status;
    EXPECT_TRUE(lone.results[0].unneeded);
    EXPECT_FALSE(lone.results[0].duplicate);
    EXPECT_TRUE(lone.results[0].event_ids.empty());
  }
  EXPECT_EQ(store->LastSequence(), 0u);

  std::vector<SourceWrite> death_then_withdrawal;
  death_then_withdrawal.push_back(MakeWrite(patient + "content=bb", {"death"}));
  death_then_withdrawal.push_back(withdrawal("content=aa"));
  CommitResult both = CommitAndWait(*store, std::move(death_then_withdrawal));
  ASSERT_TRUE(both.status.ok()) << both.status;
  EXPECT_FALSE(both.results[1].unneeded);
  EXPECT_THAT(EventIds(ReadAll(*store)), ElementsAre("death", patient + "content=aa"));

  // Stored now: sent again it is a duplicate, as any write.
  CommitResult again = CommitOne(*store, withdrawal("content=aa"));
  ASSERT_TRUE(again.status.ok()) << again.status;
  EXPECT_TRUE(again.results[0].duplicate);
  EXPECT_FALSE(again.results[0].unneeded);
}

TEST_P(EventStoreTest, EnrollmentChangesFromZeroAreEveryEnrollment) {
  std::unique_ptr<GatewayStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  SourceWrite enrol = MakeWrite("rs/1/v1", {"enrol-1"});
  enrol.enrollments.push_back({"site-a", "hmac-1", "KRD-001", "on-study", "2024-01-10"});
  enrol.enrollments.push_back({"site-b", "hmac-2", "KRD-002", "candidate", "2024-01-12"});
  ASSERT_TRUE(CommitOne(*store, std::move(enrol)).status.ok());
  absl::StatusOr<EnrollmentChanges> changes = store->LoadEnrollmentChanges(0);
  ASSERT_TRUE(changes.ok()) << changes.status();
  std::set<std::string> subjects;
  for (const EnrollmentRecord& record : changes->records) subjects.insert(record.subject_id);
  EXPECT_THAT(subjects, ElementsAre("KRD-001", "KRD-002"));
  EXPECT_GT(changes->mark, 0u);
}

TRIALGATE_INSTANTIATE_BACKEND_TESTS(EventStoreTest);

// What only the SQLite store does: its file, its pragmas, its failure mode.
class SqliteEventStoreTest : public StoreTestBase {};

// The first column of the first row `sql` gives on `db`, as text; "" when there is none.
std::string QueryText(sqlite3* db, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  std::string value;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  return value;
}

// Commits `writes` to a new store at `path`, then turns its file into the one a v2 build leaves
// (every payload in the log, an index on its subject column, version 2) and runs `then_sql`.
void MakeVersion2File(const std::string& path, std::vector<SourceWrite> writes,
                      const std::string& then_sql) {
  {
    absl::StatusOr<std::unique_ptr<SqliteEventStore>> store = OpenSqliteEventStore(path);
    ASSERT_TRUE(store.ok()) << store.status();
    for (SourceWrite& write : writes) {
      ASSERT_TRUE(CommitOne(**store, std::move(write)).status.ok());
    }
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const std::string sql = absl::StrCat(
      "UPDATE events SET payload = (SELECT payload FROM subject_events AS s "
      "WHERE s.subject_id = events.subject_id AND s.sequence = events.sequence) "
      "WHERE subject_id IS NOT NULL; DROP TABLE subject_events; "
      "CREATE INDEX events_by_subject ON events(subject_id); "
      "UPDATE meta SET value = '2' WHERE key = 'schema_version'; ",
      then_sql);
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

SourceWrite Source(const std::string& key, std::vector<v1::Event> events) {
  SourceWrite write;
  write.source_key = key;
  write.events = std::move(events);
  return write;
}

TEST_F(SqliteEventStoreTest, AnUnreadablePayloadIsDataLossOnEitherRead) {
  std::unique_ptr<SqliteEventStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  SourceWrite a;
  a.source_key = "src/a";
  a.events = {MakeEvent("a1", "KRD-001")};
  ASSERT_TRUE(CommitOne(*store, std::move(a)).status.ok());
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  // A truncated length-delimited field: no protobuf parser accepts it.
  ASSERT_EQ(sqlite3_exec(other, "UPDATE subject_events SET payload = x'0aff'", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  sqlite3_close(other);
  absl::StatusOr<std::unique_ptr<EventReader>> reader = store->OpenReader();
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ((*reader)->ReadSubject("KRD-001").status().code(), absl::StatusCode::kDataLoss);
  EventBatch batch;
  const absl::Status status = (*reader)->ReadSubjectInto("KRD-001", &batch);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("cannot be parsed"));
}

TEST_F(SqliteEventStoreTest, InjectedCommitFailureFailsTheGroupAndStopsTheStore) {
  {
    SqliteStoreOptions options;
    options.before_commit_for_testing = [] {
      return absl::UnavailableError("injected: disk I/O error");
    };
    std::unique_ptr<SqliteEventStore> store = OpenStore(std::move(options));
    ASSERT_NE(store, nullptr);

    CommitResult failed = CommitOne(*store, MakeWrite("src/1", {"e1"}));
    EXPECT_EQ(failed.status.code(), absl::StatusCode::kUnavailable);
    EXPECT_THAT(failed.status.message(), HasSubstr("injected"));
    EXPECT_THAT(failed.results, IsEmpty());
    EXPECT_THAT(ReadAll(*store), IsEmpty());
    EXPECT_EQ(store->LastSequence(), 0u);
    EXPECT_FALSE(store->Health().ok());

    CommitResult later = CommitOne(*store, MakeWrite("src/2", {"e2"}));
    EXPECT_EQ(later.status.code(), absl::StatusCode::kUnavailable);
    EXPECT_THAT(later.status.message(), HasSubstr("until reopened"));
    EXPECT_THAT(ReadAll(*store), IsEmpty());
    EXPECT_EQ(store->Stats().failed_commits, 2u);
    EXPECT_EQ(store->Stats().transactions, 0u);
  }
  // Nothing of the failed group was kept: after a reopen the same source is new, not a duplicate.
  std::unique_ptr<SqliteEventStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->Health().ok());
  CommitResult retried = CommitOne(*store, MakeWrite("src/1", {"e1"}));
  ASSERT_TRUE(retried.status.ok()) << retried.status;
  EXPECT_FALSE(retried.results[0].duplicate);
  EXPECT_THAT(EventIds(ReadAll(*store)), ElementsAre("e1"));
}

TEST_F(SqliteEventStoreTest, InjectedFailureFailsEveryRequestOfTheGroup) {
  std::atomic<bool> fail{false};
  SqliteStoreOptions options;
  options.before_commit_for_testing = [&fail] {
    return fail ? absl::InternalError("injected") : absl::OkStatus();
  };
  WriterGate gate;
  gate.Install(options.after_group_for_testing);
  std::unique_ptr<SqliteEventStore> store = OpenStore(std::move(options));
  ASSERT_NE(store, nullptr);
  gate.CloseWith(*store, MakeWrite("src/0", {"e0"}));
  std::vector<std::future<CommitResult>> futures;
  std::vector<std::promise<CommitResult>> promises(3);
  for (int i = 0; i < 3; ++i) {
    futures.push_back(promises[i].get_future());
    store->Commit({MakeWrite(absl::StrCat("src/", i + 1), {absl::StrCat("e", i + 1)})},
                  [&promises, i](CommitResult r) { promises[i].set_value(std::move(r)); });
  }
  fail = true;
  gate.Open();
  for (std::future<CommitResult>& future : futures) {
    CommitResult result = future.get();
    EXPECT_EQ(result.status.code(), absl::StatusCode::kInternal);
    EXPECT_THAT(result.status.message(), HasSubstr("injected"));
  }
  EXPECT_THAT(EventIds(ReadAll(*store)), ElementsAre("e0"));
}

TEST_F(SqliteEventStoreTest, LockedDatabaseFailsCommitWithTheSqliteMessage) {
  SqliteStoreOptions options;
  options.busy_timeout = std::chrono::milliseconds(50);
  std::unique_ptr<SqliteEventStore> store = OpenStore(std::move(options));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(CommitOne(*store, MakeWrite("src/1", {"e1"})).status.ok());

  // Another connection (another process, in real life) holds the write lock.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  CommitResult failed = CommitOne(*store, MakeWrite("src/2", {"e2"}));
  EXPECT_EQ(failed.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(failed.status.message(), HasSubstr("locked"));
  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);

  // Even with the lock gone, the store stays failed rather than guessing what is safe.
  CommitResult later = CommitOne(*store, MakeWrite("src/3", {"e3"}));
  EXPECT_EQ(later.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(later.status.message(), HasSubstr("until reopened"));
  EXPECT_THAT(EventIds(ReadAll(*store)), ElementsAre("e1"));
}

TEST_F(SqliteEventStoreTest, UsesWalAndRecordsTheSchemaVersion) {
  ASSERT_NE(OpenStore(), nullptr);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  auto query = [db](const char* sql) { return QueryText(db, sql); };
  EXPECT_EQ(query("PRAGMA journal_mode"), "wal");  // persistent in the file
  EXPECT_EQ(query("SELECT value FROM meta WHERE key = 'schema_version'"), "3");
  sqlite3_close(db);
}

// A file a v2 build left (every payload in the log, an index on its subject column) is moved to
// v3 on open: the same events read the same way, each subject's payloads now in subject order.
TEST_F(SqliteEventStoreTest, OpeningAVersion2DatabaseMovesThePayloadsBySubject) {
  std::vector<SourceWrite> writes;
  writes.push_back(Source("src/a", {MakeEvent("a1", "KRD-002"), MakeEvent("a2", "")}));
  writes.push_back(Source("src/b", {MakeEvent("b1", "KRD-001"), MakeEvent("b2", "KRD-002")}));
  ASSERT_NO_FATAL_FAILURE(MakeVersion2File(path_, std::move(writes), ""));

  std::unique_ptr<SqliteEventStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(EventIds(ReadAll(*store)), ElementsAre("a1", "a2", "b1", "b2"));
  absl::StatusOr<std::unique_ptr<EventReader>> reader = store->OpenReader();
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_THAT(EventIds(*(*reader)->ReadSubject("KRD-002")), ElementsAre("a1", "b2"));
  EXPECT_THAT(*(*reader)->ListSubjects(), ElementsAre("KRD-001", "KRD-002"));
  SourceWrite c;
  c.source_key = "src/c";
  c.events = {MakeEvent("c1", "KRD-001")};
  ASSERT_TRUE(CommitOne(*store, std::move(c)).status.ok());
  EXPECT_THAT(EventIds(*(*reader)->ReadSubject("KRD-001")), ElementsAre("b1", "c1"));
  store.reset();

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  auto query = [db](const char* sql) { return QueryText(db, sql); };
  EXPECT_EQ(query("SELECT value FROM meta WHERE key = 'schema_version'"), "3");
  EXPECT_EQ(query("SELECT count(*) FROM subject_events"), "4");
  // The log keeps a payload only for the event without a subject.
  EXPECT_EQ(query("SELECT group_concat(event_id) FROM events WHERE length(payload) > 0"), "a2");
  EXPECT_EQ(query("SELECT count(*) FROM sqlite_schema WHERE name = 'events_by_subject'"), "0");
  sqlite3_close(db);
}

// A move that fails leaves the file as it was: still version 2, every payload in the log.
TEST_F(SqliteEventStoreTest, AVersion2MoveThatFailsChangesNothing) {
  std::vector<SourceWrite> writes;
  writes.push_back(Source("src/a", {MakeEvent("a1", "KRD-001")}));
  // A v2 file, and in it a table of that name the move cannot write to.
  ASSERT_NO_FATAL_FAILURE(
      MakeVersion2File(path_, std::move(writes), "CREATE TABLE subject_events (unrelated TEXT)"));

  absl::StatusOr<std::unique_ptr<SqliteEventStore>> store = OpenSqliteEventStore(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(store.status().message(), HasSubstr("cannot move the payloads"));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  EXPECT_EQ(QueryText(db, "SELECT value FROM meta WHERE key = 'schema_version'"), "2");
  EXPECT_EQ(QueryText(db, "SELECT count(*) FROM events WHERE length(payload) > 0"), "1");
  sqlite3_close(db);
}

TEST_F(SqliteEventStoreTest, RefusesASchemaNewerThanThisBuild) {
  ASSERT_NE(OpenStore(), nullptr);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE meta SET value = '99' WHERE key = 'schema_version'", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  absl::StatusOr<std::unique_ptr<SqliteEventStore>> store = OpenSqliteEventStore(path_);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("schema version 99"));
}

TEST_F(SqliteEventStoreTest, RefusesADatabaseWithoutWal) {
  absl::StatusOr<std::unique_ptr<SqliteEventStore>> store = OpenSqliteEventStore(":memory:");
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("WAL"));
}

TEST_F(SqliteEventStoreTest, ReportsAnUnopenableDatabase) {
  absl::StatusOr<std::unique_ptr<SqliteEventStore>> store =
      OpenSqliteEventStore((dir_ / "missing" / "events.db").string());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(store.status().message(), HasSubstr("cannot open"));
}

TEST_F(SqliteEventStoreTest, RejectsBadOptions) {
  SqliteStoreOptions options;
  options.max_group_requests = 0;
  EXPECT_EQ(OpenSqliteEventStore(path_, std::move(options)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace trialgate::store
