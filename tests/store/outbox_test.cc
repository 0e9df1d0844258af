// The store side of forwarding: outbox rows written with their events, settling deliveries,
// dead letters and their replay or discard, progress.
#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/store/sqlite_event_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/manual_clock.h"
#include "tests/store/store_test_support.h"

namespace trialgate::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::trialgate::testing::ManualClock;

constexpr char kDoses[] = "dose-registry";  // receives only doses
constexpr char kAll[] = "safety-registry";  // receives everything

v1::Event Dose(const std::string& event_id, const std::string& subject_id = "KRD-001") {
  v1::Event event;
  event.set_event_id(event_id);
  event.set_study_id("KRD-ASCT2");
  event.set_subject_id(subject_id);
  event.mutable_dose_administered()->set_agent("carfilzomib");
  return event;
}

v1::Event Lab(const std::string& event_id, const std::string& subject_id = "KRD-001") {
  v1::Event event;
  event.set_event_id(event_id);
  event.set_study_id("KRD-ASCT2");
  event.set_subject_id(subject_id);
  event.mutable_lab_result()->set_analyte("anc");
  return event;
}

SourceWrite Source(const std::string& source_key, std::vector<v1::Event> events) {
  SourceWrite write;
  write.source_key = source_key;
  write.events = std::move(events);
  return write;
}

std::vector<uint64_t> Sequences(const std::vector<OutboxEntry>& entries) {
  std::vector<uint64_t> sequences;
  for (const OutboxEntry& entry : entries) sequences.push_back(entry.sequence);
  return sequences;
}

std::vector<uint64_t> Sequences(const std::vector<DeadLetterRecord>& records) {
  std::vector<uint64_t> sequences;
  for (const DeadLetterRecord& record : records) sequences.push_back(record.sequence);
  return sequences;
}

DeadLetterRecord Dead(uint64_t sequence, std::string reason = "rejected", uint32_t attempts = 1) {
  DeadLetterRecord record;
  record.sequence = sequence;
  record.code = 3;  // INVALID_ARGUMENT: the registry refused the event itself
  record.reason = std::move(reason);
  record.attempts = attempts;
  return record;
}

DeadLetterSelection BySequences(const std::string& destination, std::vector<uint64_t> sequences) {
  DeadLetterSelection selection;
  selection.destination = destination;
  selection.sequences = std::move(sequences);
  return selection;
}

DeadLetterSelection All(const std::string& destination, const std::string& subject_id = "") {
  DeadLetterSelection selection;
  selection.destination = destination;
  selection.all = true;
  selection.subject_id = subject_id;
  return selection;
}

// What the outbox tests share, on either fixture base.
template <typename Base>
class OutboxTestBase : public Base {
 protected:
  // Two routes and the clock the test sets, on either store's options.
  template <typename Options>
  Options WithRoutes(Options options) {
    options.outbox_routes.push_back(
        {kDoses, [](const v1::Event& event) { return event.has_dose_administered(); }});
    options.outbox_routes.push_back({kAll, [](const v1::Event&) { return true; }});
    options.clock = &clock_;
    return options;
  }

  // Commits one source and returns its events' sequences.
  std::vector<uint64_t> Commit(GatewayStore& store, SourceWrite write) {
    CommitResult result = CommitOne(store, std::move(write));
    EXPECT_TRUE(result.status.ok()) << result.status;
    return result.status.ok() ? result.results[0].sequences : std::vector<uint64_t>();
  }

  std::vector<OutboxEntry> Pending(GatewayStore& store, const std::string& destination,
                                   size_t limit = 1000) {
    absl::StatusOr<std::unique_ptr<OutboxReader>> reader = store.OpenOutboxReader();
    EXPECT_TRUE(reader.ok()) << reader.status();
    if (!reader.ok()) return {};
    absl::StatusOr<std::vector<OutboxEntry>> entries = (*reader)->ReadPending(destination, limit);
    EXPECT_TRUE(entries.ok()) << entries.status();
    return entries.ok() ? *std::move(entries) : std::vector<OutboxEntry>();
  }

  // The progress of `destination` (reported even if never seen).
  DestinationProgress ProgressOf(GatewayStore& store, const std::string& destination) {
    absl::StatusOr<std::vector<DestinationProgress>> all = store.Progress({destination});
    EXPECT_TRUE(all.ok()) << all.status();
    if (all.ok()) {
      for (DestinationProgress& progress : *all) {
        if (progress.destination == destination) return progress;
      }
    }
    ADD_FAILURE() << "no progress for " << destination;
    return {};
  }

  std::vector<DeadLetterRecord> DeadLetters(GatewayStore& store, DeadLetterQuery query) {
    absl::StatusOr<std::vector<DeadLetterRecord>> records = store.ListDeadLetters(query);
    EXPECT_TRUE(records.ok()) << records.status();
    return records.ok() ? *std::move(records) : std::vector<DeadLetterRecord>();
  }

  std::vector<DeadLetterRecord> DeadLettersOf(GatewayStore& store,
                                              const std::string& destination,
                                              bool include_discarded = false) {
    DeadLetterQuery query;
    query.destination = destination;
    query.include_discarded = include_discarded;
    return DeadLetters(store, query);
  }

  void SettleDelivered(GatewayStore& store, const std::string& destination,
                       std::vector<uint64_t> sequences) {
    DeliverySettlement settlement;
    settlement.destination = destination;
    settlement.delivered = std::move(sequences);
    ASSERT_TRUE(store.Settle(std::move(settlement)).ok());
  }

  void SettleDead(GatewayStore& store, const std::string& destination,
                  std::vector<DeadLetterRecord> dead) {
    DeliverySettlement settlement;
    settlement.destination = destination;
    settlement.dead = std::move(dead);
    ASSERT_TRUE(store.Settle(std::move(settlement)).ok());
  }

  ManualClock clock_{absl::FromUnixMillis(1'000'000)};
};

// The outbox's contract, held by both stores.
class OutboxTest : public OutboxTestBase<BackendStoreTest> {
 protected:
  TestStoreOptions Options() { return WithRoutes(TestStoreOptions()); }
};

TEST_P(OutboxTest, MatchingEventsGetOutboxRowsWithTheirCommit) {
  std::unique_ptr<GatewayStore> store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  clock_.Set(absl::FromUnixMillis(1'700'000'000'000));
  const std::vector<uint64_t> seq =
      Commit(*store, Source("src/1", {Dose("dose-1"), Lab("lab-1")}));
  ASSERT_EQ(seq.size(), 2u);

  // The dose route takes the dose only; the other route both, in sequence order.
  std::vector<OutboxEntry> doses = Pending(*store, kDoses);
  ASSERT_EQ(doses.size(), 1u);
  EXPECT_EQ(doses[0].sequence, seq[0]);
  EXPECT_EQ(doses[0].enqueued_unix_ms, 1'700'000'000'000);
  EXPECT_EQ(doses[0].event.event_id(), "dose-1");
  EXPECT_EQ(doses[0].event.sequence(), seq[0]);
  EXPECT_EQ(doses[0].event.dose_administered().agent(), "carfilzomib");
  EXPECT_THAT(Sequences(Pending(*store, kAll)), ElementsAre(seq[0], seq[1]));
  EXPECT_EQ(Pending(*store, kAll)[1].event.lab_result().analyte(), "anc");
  EXPECT_THAT(Sequences(Pending(*store, kAll, 1)), ElementsAre(seq[0]));
  EXPECT_THAT(Pending(*store, "no-such-destination"), IsEmpty());
}

TEST_P(OutboxTest, WithoutRoutesNothingIsEnqueued) {
  std::unique_ptr<GatewayStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  Commit(*store, Source("src/1", {Dose("dose-1")}));
  absl::StatusOr<std::vector<DestinationProgress>> progress = store->Progress({});
  ASSERT_TRUE(progress.ok()) << progress.status();
  EXPECT_THAT(*progress, IsEmpty());
}

TEST_P(OutboxTest, DuplicateResubmissionAddsNoOutboxRow) {
  std::unique_ptr<GatewayStore> store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  const std::vector<uint64_t> seq = Commit(*store, Source("src/1", {Dose("dose-1")}));
  SettleDelivered(*store, kDoses, seq);  // delivered: a new row now would be a second delivery
  ASSERT_THAT(Pending(*store, kDoses), IsEmpty());

  CommitResult again = CommitOne(*store, Source("src/1", {Dose("dose-1")}));
  ASSERT_TRUE(again.status.ok()) << again.status;
  EXPECT_TRUE(again.results[0].duplicate);
  EXPECT_THAT(Pending(*store, kDoses), IsEmpty());
  EXPECT_THAT(Sequences(Pending(*store, kAll)), ElementsAre(seq[0]));  // still just the one
}

TEST_P(OutboxTest, SettleRemovesDeliveredRowsAndRaisesTheCursor) {
  std::unique_ptr<GatewayStore> store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  const std::vector<uint64_t> seq =
      Commit(*store, Source("src/1", {Lab("lab-1"), Lab("lab-2"), Lab("lab-3")}));
  ASSERT_EQ(seq.size(), 3u);

  SettleDelivered(*store, kAll, {seq[0], seq[2]});
  EXPECT_THAT(Sequences(Pending(*store, kAll)), ElementsAre(seq[1]));
  DestinationProgress progress = ProgressOf(*store, kAll);
  EXPECT_EQ(progress.cursor, seq[2]);
  EXPECT_EQ(progress.delivered_events, 2u);
  EXPECT_EQ(progress.pending_events, 1u);

  // A later settlement of an earlier sequence counts, but never lowers the cursor.
  SettleDelivered(*store, kAll, {seq[1]});
  progress = ProgressOf(*store, kAll);
  EXPECT_EQ(progress.cursor, seq[2]);
  EXPECT_EQ(progress.delivered_events, 3u);
  EXPECT_EQ(progress.pending_events, 0u);
}

TEST_P(OutboxTest, SettleMovesDeadRowsIntoDeadLettersWithEveryField) {
  std::unique_ptr<GatewayStore> store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  clock_.Set(absl::FromUnixMillis(1'000));
  const std::vector<uint64_t> seq = Commit(*store, Source("src/1", {Dose("dose-1", "KRD-007")}));
  clock_.Set(absl::FromUnixMillis(5'000));
  SettleDead(*store, kDoses, {Dead(seq[0], "unknown agent code", 4)});

  EXPECT_THAT(Pending(*store, kDoses), IsEmpty());
  std::vector<DeadLetterRecord> dead = DeadLettersOf(*store, kDoses);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].destination, kDoses);
  EXPECT_EQ(dead[0].sequence, seq[0]);
  EXPECT_EQ(dead[0].event_id, "dose-1");
  EXPECT_EQ(dead[0].subject_id, "KRD-007");
  EXPECT_EQ(dead[0].event_kind, "dose_administered");
  EXPECT_EQ(dead[0].code, 3);
  EXPECT_EQ(dead[0].reason, "unknown agent code");
  EXPECT_EQ(dead[0].attempts, 4u);
  EXPECT_EQ(dead[0].enqueued_unix_ms, 1'000);
  EXPECT_EQ(dead[0].dead_lettered_unix_ms, 5'000);
  EXPECT_EQ(dead[0].discarded_unix_ms, 0);

  DestinationProgress progress = ProgressOf(*store, kDoses);
  EXPECT_EQ(progress.dead_letters, 1u);
  EXPECT_EQ(progress.pending_events, 0u);
  EXPECT_EQ(progress.cursor, 0u);  // dead is not acknowledged
  EXPECT_EQ(progress.delivered_events, 0u);
  // The other destination is not concerned.
  EXPECT_THAT(Sequences(Pending(*store, kAll)), ElementsAre(seq[0]));
  EXPECT_THAT(DeadLettersOf(*store, kAll), IsEmpty());
}

TEST_P(OutboxTest, SettlingTwiceIsHarmless) {
  std::unique_ptr<GatewayStore> store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  const std::vector<uint64_t> seq = Commit(*store, Source("src/1", {Lab("lab-1"), Lab("lab-2")}));
  DeliverySettlement settlement;
  settlement.destination = kAll;
  settlement.delivered = {seq[0]};
  settlement.dead = {Dead(seq[1], "first reason")};
  clock_.Set(absl::FromUnixMillis(2'000));
  ASSERT_TRUE(store->Settle(settlement).ok());

  // The same result settled again (a worker retrying after a crash) changes nothing.
  clock_.Set(absl::FromUnixMillis(9'000));
  settlement.dead[0].reason = "second reason";
  EXPECT_TRUE(store->Settle(settlement).ok());
  DestinationProgress progress = ProgressOf(*store, kAll);
  EXPECT_EQ(progress.delivered_events, 1u);
  EXPECT_EQ(progress.cursor, seq[0]);
  EXPECT_EQ(progress.dead_letters, 1u);
  std::vector<DeadLetterRecord> dead = DeadLettersOf(*store, kAll);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].reason, "first reason");
  EXPECT_EQ(dead[0].dead_lettered_unix_ms, 2'000);
}

TEST_P(OutboxTest, SettlementSurvivesReopening) {
  std::vector<uint64_t> seq;
  {
    std::unique_ptr<GatewayStore> store = OpenStore(Options());
    ASSERT_NE(store, nullptr);
    seq = Commit(*store, Source("src/1", {Lab("lab-1"), Lab("lab-2"), Lab("lab-3")}));
    DeliverySettlement settlement;
    settlement.destination = kAll;
    settlement.delivered = {seq[0]};
    settlement.dead = {Dead(seq[1])};
    ASSERT_TRUE(store->Settle(std::move(settlement)).ok());
  }
  std::unique_ptr<GatewayStore> store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(Sequences(Pending(*store, kAll)), ElementsAre(seq[2]));
  EXPECT_THAT(Sequences(DeadLettersOf(*store, kAll)), ElementsAre(seq[1]));
  DestinationProgress progress = ProgressOf(*store, kAll);
  EXPECT_EQ(progress.cursor, seq[0]);
  EXPECT_EQ(progress.delivered_events, 1u);
}

TEST_P(OutboxTest, ReplayPutsDeadLettersBackInSequenceOrderBeforeNewerRows) {
  std::unique_ptr<GatewayStore> store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  const std::vector<uint64_t> old = Commit(*store, Source("src/1", {Lab("lab-1"), Lab("lab-2")}));
  SettleDead(*store, kAll, {Dead(old[1]), Dead(old[0])});
  const std::vector<uint64_t> newer = Commit(*store, Source("src/2", {Lab("lab-3")}));

  clock_.Set(absl::FromUnixMillis(7'000'000));
  absl::StatusOr<size_t> replayed = store->ReplayDeadLetters(All(kAll));
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_EQ(*replayed, 2u);
  std::vector<OutboxEntry> pending = Pending(*store, kAll);
  EXPECT_THAT(Sequences(pending), ElementsAre(old[0], old[1], newer[0]));
  EXPECT_EQ(pending[0].event.event_id(), "lab-1");
  EXPECT_EQ(pending[0].enqueued_unix_ms, 7'000'000);  // enqueued again, now
  EXPECT_THAT(DeadLettersOf(*store, kAll, /*include_discarded=*/true), IsEmpty());
  EXPECT_EQ(ProgressOf(*store, kAll).dead_letters, 0u);
}

TEST_P(OutboxTest, ReplayedEventDeadAgainIsRecordedAgain) {
  std::unique_ptr<GatewayStore> store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  const std::vector<uint64_t> seq = Commit(*store, Source("src/1", {Dose("dose-1")}));
  clock_.Set(absl::FromUnixMillis(2'000));
  SettleDead(*store, kDoses, {Dead(seq[0], "registry down for too long", 10)});
  clock_.Set(absl::FromUnixMillis(3'000));
  ASSERT_EQ(*store->ReplayDeadLetters(BySequences(kDoses, {seq[0]})), 1u);
  clock_.Set(absl::FromUnixMillis(4'000));
  SettleDead(*store, kDoses, {Dead(seq[0], "unknown agent code", 1)});

  std::vector<DeadLetterRecord> dead = DeadLettersOf(*store, kDoses);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].reason, "unknown agent code");
  EXPECT_EQ(dead[0].attempts, 1u);
  EXPECT_EQ(dead[0].enqueued_unix_ms, 3'000);  // its replay
  EXPECT_EQ(dead[0].dead_lettered_unix_ms, 4'000);
  EXPECT_THAT(Pending(*store, kDoses), IsEmpty());
}

TEST_P(OutboxTest, DiscardedDeadLettersAreKeptButNeverReplayed) {
  std::unique_ptr<GatewayStore> store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  const std::vector<uint64_t> seq = Commit(*store, Source("src/1", {Lab("lab-1"), Lab("lab-2")}));
  SettleDead(*store, kAll, {Dead(seq[0]), Dead(seq[1])});

  clock_.Set(absl::FromUnixMillis(8'000));
  EXPECT_EQ(*store->DiscardDeadLetters(BySequences(kAll, {seq[0]})), 1u);
  EXPECT_EQ(*store->DiscardDeadLetters(BySequences(kAll, {seq[0]})), 0u);  // already discarded
  EXPECT_THAT(Sequences(DeadLettersOf(*store, kAll)), ElementsAre(seq[1]));
  std::vector<DeadLetterRecord> with_discarded = DeadLettersOf(*store, kAll, true);
  EXPECT_THAT(Sequences(with_discarded), ElementsAre(seq[0], seq[1]));
  EXPECT_EQ(with_discarded[0].discarded_unix_ms, 8'000);
  EXPECT_EQ(with_discarded[1].discarded_unix_ms, 0);
  EXPECT_EQ(ProgressOf(*store, kAll).dead_letters, 1u);

  EXPECT_EQ(*store->ReplayDeadLetters(BySequences(kAll, {seq[0]})), 0u);
  EXPECT_EQ(*store->ReplayDeadLetters(All(kAll)), 1u);
  EXPECT_THAT(Sequences(Pending(*store, kAll)), ElementsAre(seq[1]));
  EXPECT_THAT(Sequences(DeadLettersOf(*store, kAll, true)), ElementsAre(seq[0]));
}

TEST_P(OutboxTest, SelectsDeadLettersBySequenceByAllAndBySubject) {
  std::unique_ptr<GatewayStore> store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  const std::vector<uint64_t> seq = Commit(
      *store, Source("src/1", {Dose("d1", "KRD-001"), Dose("d2", "KRD-002"),
                               Dose("d3", "KRD-001"), Dose("d4", "KRD-003")}));
  SettleDead(*store, kAll, {Dead(seq[0]), Dead(seq[1]), Dead(seq[2]), Dead(seq[3])});
  SettleDead(*store, kDoses, {Dead(seq[0])});

  // All of one subject, of one destination only.
  EXPECT_EQ(*store->ReplayDeadLetters(All(kAll, "KRD-001")), 2u);
  EXPECT_THAT(Sequences(Pending(*store, kAll)), ElementsAre(seq[0], seq[2]));
  EXPECT_THAT(Sequences(DeadLettersOf(*store, kDoses)), ElementsAre(seq[0]));
  // By sequence; one that is not a dead letter of this destination is skipped.
  EXPECT_EQ(*store->DiscardDeadLetters(BySequences(kAll, {seq[1], seq[0]})), 1u);
  // Discard all of a subject, then all that is left.
  EXPECT_EQ(*store->DiscardDeadLetters(All(kAll, "KRD-002")), 0u);  // discarded already
  EXPECT_EQ(*store->DiscardDeadLetters(All(kAll)), 1u);
  EXPECT_THAT(DeadLettersOf(*store, kAll), IsEmpty());

  // Listing filters by destination, subject, and limits.
  DeadLetterQuery query;
  query.include_discarded = true;
  EXPECT_EQ(DeadLetters(*store, query).size(), 3u);  // both destinations
  query.subject_id = "KRD-001";
  std::vector<DeadLetterRecord> of_subject = DeadLetters(*store, query);
  ASSERT_EQ(of_subject.size(), 1u);
  EXPECT_EQ(of_subject[0].destination, kDoses);
  query.subject_id.clear();
  query.destination = kAll;
  query.limit = 1;
  EXPECT_THAT(Sequences(DeadLetters(*store, query)), ElementsAre(seq[1]));
}

TEST_P(OutboxTest, RefusesAmbiguousOrIncompleteRequests) {
  std::unique_ptr<GatewayStore> store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  const std::vector<uint64_t> seq = Commit(*store, Source("src/1", {Dose("dose-1")}));
  SettleDead(*store, kAll, {Dead(seq[0])});

  DeadLetterSelection neither;
  neither.destination = kAll;
  DeadLetterSelection both = All(kAll);
  both.sequences = {seq[0]};
  DeadLetterSelection subject_without_all = BySequences(kAll, {seq[0]});
  subject_without_all.subject_id = "KRD-001";
  DeadLetterSelection no_destination = All("");
  for (const DeadLetterSelection& selection : {neither, both, subject_without_all,
                                               no_destination}) {
    EXPECT_EQ(store->ReplayDeadLetters(selection).status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(store->DiscardDeadLetters(selection).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
  DeliverySettlement other_destination;
  other_destination.destination = kDoses;
  other_destination.dead = {Dead(seq[0])};
  other_destination.dead[0].destination = kAll;
  EXPECT_EQ(store->Settle(other_destination).code(), absl::StatusCode::kInvalidArgument);
  DeliverySettlement delivered_and_dead;
  delivered_and_dead.destination = kDoses;
  delivered_and_dead.delivered = {seq[0]};
  delivered_and_dead.dead = {Dead(seq[0])};
  EXPECT_EQ(store->Settle(delivered_and_dead).code(), absl::StatusCode::kInvalidArgument);

  // Nothing changed, and the store still works.
  EXPECT_THAT(Sequences(DeadLettersOf(*store, kAll)), ElementsAre(seq[0]));
  EXPECT_THAT(Sequences(Pending(*store, kDoses)), ElementsAre(seq[0]));
  EXPECT_TRUE(store->Health().ok());
}

TEST_P(OutboxTest, ProgressReportsPendingOldestAndUnseenDestinations) {
  std::unique_ptr<GatewayStore> store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  clock_.Set(absl::FromUnixMillis(10'000));
  const std::vector<uint64_t> first = Commit(*store, Source("src/1", {Dose("dose-1")}));
  clock_.Set(absl::FromUnixMillis(20'000));
  Commit(*store, Source("src/2", {Lab("lab-1")}));

  absl::StatusOr<std::vector<DestinationProgress>> all = store->Progress({"archive", kDoses});
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 3u);  // sorted by name
  EXPECT_EQ((*all)[0].destination, "archive");
  EXPECT_EQ((*all)[0].pending_events, 0u);
  EXPECT_EQ((*all)[0].oldest_pending_unix_ms, 0);
  EXPECT_EQ((*all)[0].cursor, 0u);
  EXPECT_EQ((*all)[0].delivered_events, 0u);
  EXPECT_EQ((*all)[0].dead_letters, 0u);
  EXPECT_EQ((*all)[1].destination, kDoses);
  EXPECT_EQ((*all)[1].pending_events, 1u);
  EXPECT_EQ((*all)[1].oldest_pending_unix_ms, 10'000);
  EXPECT_EQ((*all)[2].destination, kAll);  // had rows: listed without being asked for
  EXPECT_EQ((*all)[2].pending_events, 2u);
  EXPECT_EQ((*all)[2].oldest_pending_unix_ms, 10'000);

  SettleDelivered(*store, kAll, first);
  EXPECT_EQ(ProgressOf(*store, kAll).oldest_pending_unix_ms, 20'000);
  SettleDelivered(*store, kDoses, first);
  absl::StatusOr<std::vector<DestinationProgress>> after = store->Progress({});
  ASSERT_TRUE(after.ok()) << after.status();
  ASSERT_EQ(after->size(), 2u);  // both still known by their cursor, with nothing pending
  EXPECT_EQ((*after)[0].destination, kDoses);
  EXPECT_EQ((*after)[0].pending_events, 0u);
  EXPECT_EQ((*after)[0].oldest_pending_unix_ms, 0);
  EXPECT_EQ((*after)[0].cursor, first[0]);
}

TRIALGATE_INSTANTIATE_BACKEND_TESTS(OutboxTest);

// What only the SQLite store does: outbox writes in its group transactions, its failure mode, its
// schema upgrade.
class SqliteOutboxTest : public OutboxTestBase<StoreTestBase> {
 protected:
  SqliteStoreOptions Options() { return WithRoutes(SqliteStoreOptions()); }
};

TEST_F(SqliteOutboxTest, FailedCommitLeavesNeitherEventNorOutboxRow) {
  {
    SqliteStoreOptions options = Options();
    options.before_commit_for_testing = [] { return absl::UnavailableError("injected: I/O"); };
    std::unique_ptr<SqliteEventStore> store = OpenStore(std::move(options));
    ASSERT_NE(store, nullptr);
    CommitResult failed = CommitOne(*store, Source("src/1", {Dose("dose-1")}));
    EXPECT_EQ(failed.status.code(), absl::StatusCode::kUnavailable);
    EXPECT_THAT(ReadAll(*store), IsEmpty());
    EXPECT_THAT(Pending(*store, kDoses), IsEmpty());
    EXPECT_THAT(Pending(*store, kAll), IsEmpty());
  }
  std::unique_ptr<SqliteEventStore> store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(ProgressOf(*store, kAll).pending_events, 0u);
  // The retried commit gets its row: nothing of the failed one is in the way.
  const std::vector<uint64_t> seq = Commit(*store, Source("src/1", {Dose("dose-1")}));
  EXPECT_THAT(Sequences(Pending(*store, kDoses)), ElementsAre(seq[0]));
}

TEST_F(SqliteOutboxTest, WritesFailWithUnavailableWhileTheStoreIsFailed) {
  std::atomic<bool> fail{false};
  SqliteStoreOptions options = Options();
  options.before_commit_for_testing = [&fail] {
    return fail ? absl::UnavailableError("injected: disk full") : absl::OkStatus();
  };
  std::unique_ptr<SqliteEventStore> store = OpenStore(std::move(options));
  ASSERT_NE(store, nullptr);
  const std::vector<uint64_t> seq = Commit(*store, Source("src/1", {Dose("d1"), Dose("d2")}));
  SettleDead(*store, kAll, {Dead(seq[1])});

  // A settlement whose transaction fails is not applied...
  fail = true;
  DeliverySettlement settlement;
  settlement.destination = kDoses;
  settlement.delivered = {seq[0]};
  absl::Status failed = store->Settle(settlement);
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(failed.message(), HasSubstr("injected"));
  EXPECT_THAT(Sequences(Pending(*store, kDoses)), ElementsAre(seq[0], seq[1]));
  // ...and from then on every write is refused, even with the cause gone.
  fail = false;
  EXPECT_EQ(store->Settle(settlement).code(), absl::StatusCode::kUnavailable);
  absl::StatusOr<size_t> replay = store->ReplayDeadLetters(All(kAll));
  EXPECT_EQ(replay.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(replay.status().message(), HasSubstr("until reopened"));
  EXPECT_EQ(store->DiscardDeadLetters(All(kAll)).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_THAT(Sequences(Pending(*store, kDoses)), ElementsAre(seq[0], seq[1]));
  EXPECT_THAT(Sequences(DeadLettersOf(*store, kAll)), ElementsAre(seq[1]));
  // Reads still answer.
  EXPECT_EQ(ProgressOf(*store, kAll).dead_letters, 1u);
}

TEST_F(SqliteOutboxTest, SettleSharesAGroupWithCommitsInASavepointOfItsOwn) {
  WriterGate gate;
  SqliteStoreOptions options = Options();
  gate.Install(options.after_group_for_testing);
  std::unique_ptr<SqliteEventStore> store = OpenStore(std::move(options));
  ASSERT_NE(store, nullptr);
  gate.CloseWith(*store, Source("src/0", {Dose("dose-0")}));  // the writer holds from now on
  const uint64_t transactions_before = store->Stats().transactions;
  const uint64_t delivered = store->LastSequence();

  // One group: a good commit, a commit with bad data, and a settlement.
  std::promise<CommitResult> good;
  std::promise<CommitResult> bad;
  store->Commit({Source("src/1", {Dose("dose-1")})},
                [&good](CommitResult r) { good.set_value(std::move(r)); });
  store->Commit({Source("", {Dose("dose-2")})},
                [&bad](CommitResult r) { bad.set_value(std::move(r)); });
  std::future<absl::Status> settle = std::async(std::launch::async, [&] {
    DeliverySettlement settlement;
    settlement.destination = kDoses;
    settlement.delivered = {delivered};
    return store->Settle(std::move(settlement));
  });
  while (store->Stats().queued_requests < 3) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  gate.Open();

  CommitResult committed = good.get_future().get();
  ASSERT_TRUE(committed.status.ok()) << committed.status;
  EXPECT_EQ(bad.get_future().get().status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(settle.get().ok());
  EXPECT_EQ(store->Stats().transactions, transactions_before + 1);
  EXPECT_THAT(Sequences(Pending(*store, kDoses)), ElementsAre(committed.results[0].sequences[0]));
  EXPECT_EQ(ProgressOf(*store, kDoses).cursor, delivered);
  EXPECT_EQ(store->Stats().commits, 2u);  // the counters stay about Commit()
  EXPECT_EQ(store->Stats().failed_commits, 1u);
}

TEST_F(SqliteOutboxTest, OpeningAVersion1DatabaseUpgradesIt) {
  {
    std::unique_ptr<SqliteEventStore> store = OpenStore();
    ASSERT_NE(store, nullptr);
    Commit(*store, Source("src/old", {Dose("old-dose")}));
  }
  // Make it the file a v1 build left: no forwarding tables, version 1.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "DROP TABLE outbox; DROP TABLE dead_letters; DROP TABLE destinations; "
                         "UPDATE meta SET value = '1' WHERE key = 'schema_version'",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);

  std::unique_ptr<SqliteEventStore> store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  // Events from before are not enqueued; new ones are.
  EXPECT_THAT(Pending(*store, kDoses), IsEmpty());
  const std::vector<uint64_t> seq = Commit(*store, Source("src/new", {Dose("new-dose")}));
  EXPECT_THAT(Sequences(Pending(*store, kDoses)), ElementsAre(seq[0]));
  EXPECT_THAT(EventIds(ReadAll(*store)), ElementsAre("old-dose", "new-dose"));
  store.reset();

  // Recorded as the current version, which a v1 build refuses rather than skip the outbox.
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'schema_version'", -1,
                               &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "3");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_F(SqliteOutboxTest, RejectsBadRoutes) {
  auto open_with = [this](std::vector<OutboxRoute> routes) {
    SqliteStoreOptions options;
    options.outbox_routes = std::move(routes);
    return OpenSqliteEventStore(path_, std::move(options)).status();
  };
  auto accept = [](const v1::Event&) { return true; };
  EXPECT_EQ(open_with({{"", accept}}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(open_with({{"a", nullptr}}).code(), absl::StatusCode::kInvalidArgument);
  absl::Status twice = open_with({{"a", accept}, {"a", accept}});
  EXPECT_EQ(twice.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(twice.message(), HasSubstr("'a'"));
}

}  // namespace
}  // namespace trialgate::store
