// SubjectTimelines keeps the subjects' parsed events and reads only what is new: what it
// answers must be exactly what a full read of the store answers, whatever was appended, evicted
// or failed in between.
#include "gateway/schedule/subject_timelines.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/store/sqlite_event_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/schedule/subject_builder.h"
#include "tests/store/store_test_support.h"
#include "tests/support/manual_clock.h"

namespace trialgate::schedule {
namespace {

using testing::KrdSchedule;
using testing::Noon;
using testing::SubjectBuilder;

const Date kC1D1(2026, 1, 5);

// A store whose reads can be made to fail (a database that cannot be read: UNAVAILABLE), in
// front of a real one.
class FlakyStore final : public store::EventStore {
 public:
  explicit FlakyStore(store::EventStore* inner) : inner_(inner) {}
  std::atomic<bool> fail{false};
  std::atomic<int> readers_opened{0};

  void Commit(std::vector<store::SourceWrite> writes, store::CommitCallback done) override {
    inner_->Commit(std::move(writes), std::move(done));
  }
  absl::StatusOr<std::unique_ptr<store::EventReader>> OpenReader() override {
    if (fail) return absl::UnavailableError("database is locked");
    absl::StatusOr<std::unique_ptr<store::EventReader>> reader = inner_->OpenReader();
    if (!reader.ok()) return reader.status();
    ++readers_opened;
    return std::unique_ptr<store::EventReader>(new Reader(this, *std::move(reader)));
  }
  uint64_t LastSequence() const override { return inner_->LastSequence(); }
  bool WaitForSequenceAbove(uint64_t sequence, std::chrono::milliseconds timeout) override {
    return inner_->WaitForSequenceAbove(sequence, timeout);
  }
  absl::StatusOr<std::unique_ptr<store::Lease>> TryAcquireLease(const std::string& name) override {
    return inner_->TryAcquireLease(name);
  }
  absl::StatusOr<std::unique_ptr<store::Lease>> TryLockSubject(const std::string& id) override {
    return inner_->TryLockSubject(id);
  }
  absl::StatusOr<std::vector<store::EnrollmentRecord>> LoadEnrollments() override {
    return inner_->LoadEnrollments();
  }
  absl::StatusOr<store::EnrollmentChanges> LoadEnrollmentChanges(uint64_t mark) override {
    return inner_->LoadEnrollmentChanges(mark);
  }

 private:
  class Reader final : public store::EventReader {
   public:
    Reader(FlakyStore* store, std::unique_ptr<store::EventReader> inner)
        : store_(store), inner_(std::move(inner)) {}
    absl::StatusOr<std::vector<v1::Event>> ReadAfter(uint64_t after, size_t limit) override {
      if (store_->fail) return absl::UnavailableError("disk I/O error");
      return inner_->ReadAfter(after, limit);
    }
    absl::StatusOr<std::vector<v1::Event>> ReadSubject(const std::string& subject) override {
      if (store_->fail) return absl::UnavailableError("disk I/O error");
      return inner_->ReadSubject(subject);
    }
    absl::Status ReadSubjectInto(const std::string& subject, store::EventBatch* batch) override {
      if (store_->fail) return absl::UnavailableError("disk I/O error");
      return inner_->ReadSubjectInto(subject, batch);
    }
    absl::StatusOr<std::vector<v1::Event>> ReadSubjectAfter(const std::string& subject,
                                                            uint64_t after) override {
      if (store_->fail) return absl::UnavailableError("disk I/O error");
      return inner_->ReadSubjectAfter(subject, after);
    }
    absl::StatusOr<std::vector<std::string>> ListSubjects() override {
      if (store_->fail) return absl::UnavailableError("disk I/O error");
      return inner_->ListSubjects();
    }

   private:
    FlakyStore* store_;
    std::unique_ptr<store::EventReader> inner_;
  };

  store::EventStore* inner_;
};


std::string Subject(int s) { return absl::StrCat("KRD-001-", 1000 + s); }

// The events of `builder`, as subject `s`'s own (ids and resources of their own).
std::vector<v1::Event> AsSubject(const std::vector<v1::Event>& events, int s) {
  return schedule::testing::AsSubject(events, Subject(s));
}

class SubjectTimelinesTest : public store::StoreTestBase {
 protected:
  void SetUp() override {
    StoreTestBase::SetUp();
    store_ = OpenStore();
    ASSERT_NE(store_, nullptr);
    flaky_ = std::make_unique<FlakyStore>(store_.get());
    clock_.Set(Noon(kC1D1 + 30));
  }
  void TearDown() override {
    timelines_.reset();
    flaky_.reset();
    store_.reset();
    StoreTestBase::TearDown();
  }

  SubjectTimelines& Timelines(TimelineCacheLimits limits = TimelineCacheLimits(),
                              std::shared_ptr<const ClinicalRules> clinical = nullptr) {
    timelines_ = std::make_unique<SubjectTimelines>(
        flaky_.get(), std::make_shared<const Schedule>(KrdSchedule()),
        std::map<std::string, absl::TimeZone>{}, clock_, std::move(clinical), limits);
    return *timelines_;
  }

  // Subject `s` through cycle 1 (doses to day 22), committed.
  void CommitCycleOne(int s) {
    SubjectBuilder subject;
    subject.BodySize(kC1D1 - 7);
    subject.Lab("anc", kC1D1 - 7, 2.5, "10*9/L", 1.5, 7.5);
    subject.Reinduction(kC1D1, 1);
    Commit(AsSubject(subject.events(), s));
  }

  // A lab of subject `s` dated `date` (a new resource), committed; the event.
  v1::Event CommitLab(int s, const std::string& analyte, Date date, double value) {
    v1::Event lab = builder_.Lab(analyte, date, value, "10*9/L", 1.5, 7.5);
    lab.set_event_id(absl::StrCat("lab-", next_lab_));
    lab.mutable_source()->set_logical_id(absl::StrCat("lab-", next_lab_++));
    const std::vector<v1::Event> events = AsSubject({lab}, s);
    Commit(events);
    return events.front();
  }

  // The timeline of a full read of the store, at the clock's time.
  std::string FullTimeline(int s) {
    auto reader = store_->OpenReader();
    EXPECT_TRUE(reader.ok()) << reader.status();
    absl::StatusOr<std::vector<v1::Event>> events = (*reader)->ReadSubject(Subject(s));
    EXPECT_TRUE(events.ok()) << events.status();
    return timelines_->Build(Subject(s), *events, clock_.Now()).SerializeAsString();
  }

  // Commits each event as its own source, as the pipeline would.
  void Commit(const std::vector<v1::Event>& events) {
    ASSERT_TRUE(testing::CommitEach(store_.get(), events).ok());
  }

  // `count` new labs of subject `s`.
  void AppendLabs(int s, int count) {
    std::vector<v1::Event> labs;
    for (int i = 0; i < count; ++i) {
      v1::Event lab = builder_.Lab("anc", kC1D1 + 20, 1.0 + i, "10*9/L");
      lab.set_event_id(absl::StrCat("lab-", next_lab_));
      lab.mutable_source()->set_logical_id(absl::StrCat("lab-", next_lab_++));
      labs.push_back(std::move(lab));
    }
    Commit(AsSubject(labs, s));
  }

  // What a fresh reader of the store answers, serialized event by event.
  std::vector<std::string> FullRead(const std::string& subject) {
    auto reader = store_->OpenReader();
    EXPECT_TRUE(reader.ok()) << reader.status();
    absl::StatusOr<std::vector<v1::Event>> events = (*reader)->ReadSubject(subject);
    EXPECT_TRUE(events.ok()) << events.status();
    return Serialized(*events);
  }
  static std::vector<std::string> Serialized(const std::vector<v1::Event>& events) {
    std::vector<std::string> out;
    for (const v1::Event& event : events) out.push_back(event.SerializeAsString());
    return out;
  }
  static std::vector<std::string> Serialized(const store::EventBatch& events) {
    std::vector<std::string> out;
    for (const v1::Event* event : events.events()) out.push_back(event->SerializeAsString());
    return out;
  }
  std::vector<std::string> CachedRead(const std::string& subject) {
    absl::StatusOr<std::vector<v1::Event>> events = timelines_->Read(subject);
    EXPECT_TRUE(events.ok()) << events.status();
    return events.ok() ? Serialized(*events) : std::vector<std::string>{};
  }

  trialgate::testing::ManualClock clock_{absl::UnixEpoch()};
  std::unique_ptr<store::SqliteEventStore> store_;
  std::unique_ptr<FlakyStore> flaky_;
  std::unique_ptr<SubjectTimelines> timelines_;
  SubjectBuilder builder_;
  int next_lab_ = 0;
};

TEST_F(SubjectTimelinesTest, ReadsOnlyWhatIsNewAndAnswersWhatAFullReadAnswers) {
  SubjectTimelines& timelines = Timelines();
  for (int s = 0; s < 3; ++s) {
    SubjectBuilder subject;
    subject.BodySize(kC1D1);
    subject.Reinduction(kC1D1, 1);
    Commit(AsSubject(subject.events(), s));
  }
  for (int s = 0; s < 3; ++s) EXPECT_EQ(CachedRead(Subject(s)), FullRead(Subject(s)));
  EXPECT_EQ(timelines.CacheStats().full_reads, 3u);

  // Appends between reads, to one subject at a time and to several at once; a read with
  // nothing new; derived events (written by the recorder) count like any other.
  AppendLabs(1, 1);
  EXPECT_EQ(CachedRead(Subject(1)), FullRead(Subject(1)));
  EXPECT_EQ(CachedRead(Subject(1)), FullRead(Subject(1)));
  AppendLabs(0, 3);
  AppendLabs(2, 1);
  AppendLabs(0, 1);
  for (int s = 0; s < 3; ++s) EXPECT_EQ(CachedRead(Subject(s)), FullRead(Subject(s)));
  const TimelineCacheStats stats = timelines.CacheStats();
  EXPECT_EQ(stats.full_reads, 3u);
  EXPECT_EQ(stats.delta_reads, 5u);
  EXPECT_EQ(stats.subjects, 3u);
  EXPECT_EQ(stats.evictions, 0u);
  size_t total = 0;
  for (int s = 0; s < 3; ++s) total += FullRead(Subject(s)).size();
  EXPECT_EQ(stats.events, total);

  // The timeline is the one of the full read.
  absl::StatusOr<std::vector<v1::Event>> all = timelines.Read(Subject(0));
  ASSERT_TRUE(all.ok());
  auto reader = store_->OpenReader();
  ASSERT_TRUE(reader.ok());
  absl::StatusOr<std::vector<v1::Event>> full = (*reader)->ReadSubject(Subject(0));
  ASSERT_TRUE(full.ok());
  absl::StatusOr<v1::Timeline> computed = timelines.Compute(Subject(0));
  ASSERT_TRUE(computed.ok()) << computed.status();
  EXPECT_EQ(computed->SerializeAsString(),
            timelines.Build(Subject(0), *full, clock_.Now()).SerializeAsString());
}

// A sweep over every subject (the study report) reads what a full read reads and leaves the
// cache as it was: subjects not cached stay out, a cached one is brought up to date.
TEST_F(SubjectTimelinesTest, ASweepReadKeepsNothingNew) {
  SubjectTimelines& timelines = Timelines();
  for (int s = 0; s < 2; ++s) {
    SubjectBuilder subject;
    subject.BodySize(kC1D1);
    subject.Reinduction(kC1D1, 1);
    Commit(AsSubject(subject.events(), s));
  }
  EXPECT_EQ(CachedRead(Subject(0)), FullRead(Subject(0)));  // subject 0 cached
  AppendLabs(0, 1);
  for (int s = 0; s < 2; ++s) {
    absl::StatusOr<store::EventBatch> swept = timelines.ReadWithoutKeeping(Subject(s));
    ASSERT_TRUE(swept.ok()) << swept.status();
    EXPECT_EQ(Serialized(*swept), FullRead(Subject(s)));
  }
  const TimelineCacheStats stats = timelines.CacheStats();
  EXPECT_EQ(stats.subjects, 1u);  // subject 1 was not kept
  EXPECT_EQ(stats.events, FullRead(Subject(0)).size());  // subject 0 is up to date
  EXPECT_EQ(timelines.ReadWithoutKeeping("KRD-999-9999").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(SubjectTimelinesTest, ANewLabIsAddedToTheKeptTimelineAndEqualsTheFullComputation) {
  SubjectTimelines& timelines = Timelines(TimelineCacheLimits(), testing::KrdClinicalRules());
  CommitCycleOne(0);
  ASSERT_TRUE(timelines.Compute(Subject(0)).ok());
  EXPECT_EQ(timelines.CacheStats().rebuilds, 1u);

  // Today's labs, one commit each: added to the kept timeline.
  const v1::Event anc = CommitLab(0, "anc", kC1D1 + 30, 1.1);  // grade 2
  CommitLab(0, "platelets", kC1D1 + 30, 40);                    // grade 3, no dose that day
  absl::StatusOr<SubjectTimelines::Refreshed> refreshed = timelines.Refresh(Subject(0), 0);
  ASSERT_TRUE(refreshed.ok()) << refreshed.status();
  EXPECT_EQ(timelines.CacheStats().appends, 1u);
  EXPECT_EQ(refreshed->timeline->SerializeAsString(), FullTimeline(0));
  EXPECT_EQ(refreshed->timeline->toxicities_size(), 2);
  // The events after a sequence are those of the log after it.
  EXPECT_EQ(refreshed->events.size(), FullRead(Subject(0)).size());
  const uint64_t last = refreshed->events.back().sequence();
  CommitLab(0, "anc", kC1D1 + 30, 2.0);
  refreshed = timelines.Refresh(Subject(0), last);
  ASSERT_TRUE(refreshed.ok()) << refreshed.status();
  ASSERT_EQ(refreshed->events.size(), 1u);
  EXPECT_GT(refreshed->events.front().sequence(), last);
  EXPECT_EQ(timelines.CacheStats().appends, 2u);

  // A correction of a lab held is computed from all events, and still the full timeline.
  v1::Event corrected = anc;
  corrected.set_event_id(anc.event_id() + "-v2");
  corrected.mutable_source()->set_version_id("2");
  corrected.mutable_source()->set_content_sha256("sha-corrected");
  corrected.mutable_lab_result()->set_value(0.4);
  Commit({corrected});
  absl::StatusOr<v1::Timeline> computed = timelines.Compute(Subject(0));
  ASSERT_TRUE(computed.ok()) << computed.status();
  EXPECT_EQ(timelines.CacheStats().rebuilds, 2u);
  EXPECT_EQ(computed->SerializeAsString(), FullTimeline(0));

  // So is the next day (missed doses are judged anew).
  clock_.Set(Noon(kC1D1 + 31));
  computed = timelines.Compute(Subject(0));
  ASSERT_TRUE(computed.ok());
  EXPECT_EQ(timelines.CacheStats().rebuilds, 3u);
  EXPECT_EQ(computed->SerializeAsString(), FullTimeline(0));
}

TEST_F(SubjectTimelinesTest, ManySmallAppendsStayExact) {
  SubjectTimelines& timelines = Timelines();
  AppendLabs(0, 2);
  AppendLabs(1, 1);
  for (int round = 0; round < 25; ++round) {  // past the merging of chunks, several times
    AppendLabs(round % 2, 1 + round % 3);
    EXPECT_EQ(CachedRead(Subject(round % 2)), FullRead(Subject(round % 2))) << round;
    if (round % 5 == 0) {
      EXPECT_EQ(CachedRead(Subject(round % 2)), FullRead(Subject(round % 2))) << round;
    }
  }
  EXPECT_EQ(CachedRead(Subject(0)), FullRead(Subject(0)));
  EXPECT_EQ(CachedRead(Subject(1)), FullRead(Subject(1)));
  const TimelineCacheStats stats = timelines.CacheStats();
  EXPECT_EQ(stats.full_reads, 2u);
  EXPECT_EQ(stats.events, FullRead(Subject(0)).size() + FullRead(Subject(1)).size());
}

TEST_F(SubjectTimelinesTest, AnEvictedSubjectIsReadInFullAgain) {
  SubjectTimelines& timelines = Timelines(TimelineCacheLimits{2, 1000});
  for (int s = 0; s < 3; ++s) AppendLabs(s, 2);
  for (int s = 0; s < 3; ++s) EXPECT_EQ(CachedRead(Subject(s)), FullRead(Subject(s)));
  TimelineCacheStats stats = timelines.CacheStats();
  EXPECT_EQ(stats.subjects, 2u);   // subject 0, the least recently read, went
  EXPECT_EQ(stats.evictions, 1u);
  EXPECT_EQ(stats.events, 4u);

  AppendLabs(0, 1);
  EXPECT_EQ(CachedRead(Subject(0)), FullRead(Subject(0)));  // re-read in full: 3 events
  stats = timelines.CacheStats();
  EXPECT_EQ(stats.full_reads, 4u);
  EXPECT_EQ(stats.evictions, 2u);  // subject 1 went for it
  // Subject 2 was read after 1, so it stayed: a delta read.
  AppendLabs(2, 1);
  EXPECT_EQ(CachedRead(Subject(2)), FullRead(Subject(2)));
  EXPECT_EQ(timelines.CacheStats().full_reads, 4u);
  EXPECT_EQ(timelines.CacheStats().delta_reads, 1u);
  EXPECT_EQ(CachedRead(Subject(1)), FullRead(Subject(1)));
  EXPECT_EQ(timelines.CacheStats().full_reads, 5u);
}

TEST_F(SubjectTimelinesTest, TheEventBoundEvictsAndASubjectAboveItIsNeverCached) {
  SubjectTimelines& timelines = Timelines(TimelineCacheLimits{100, 5});
  AppendLabs(0, 3);
  AppendLabs(1, 2);
  AppendLabs(2, 6);
  EXPECT_EQ(CachedRead(Subject(0)), FullRead(Subject(0)));
  EXPECT_EQ(CachedRead(Subject(1)), FullRead(Subject(1)));
  EXPECT_EQ(timelines.CacheStats().events, 5u);
  EXPECT_EQ(CachedRead(Subject(2)), FullRead(Subject(2)));  // 6 > 5: not kept
  EXPECT_EQ(timelines.CacheStats().events, 5u);
  EXPECT_EQ(CachedRead(Subject(2)), FullRead(Subject(2)));
  EXPECT_EQ(timelines.CacheStats().full_reads, 4u);
  AppendLabs(1, 1);  // subject 1 grows to 3: 6 in all, subject 0 (least recent) goes
  EXPECT_EQ(CachedRead(Subject(1)), FullRead(Subject(1)));
  EXPECT_EQ(timelines.CacheStats().subjects, 1u);
  EXPECT_EQ(timelines.CacheStats().events, 3u);
  EXPECT_EQ(CachedRead(Subject(0)), FullRead(Subject(0)));
  EXPECT_EQ(timelines.CacheStats().subjects, 1u);  // subject 0 (3 events) pushed 1 out
  EXPECT_EQ(timelines.CacheStats().events, 3u);
  // A cached subject that grows above the bound is dropped, not kept in part.
  AppendLabs(0, 3);
  EXPECT_EQ(CachedRead(Subject(0)), FullRead(Subject(0)));
  EXPECT_EQ(timelines.CacheStats().subjects, 0u);
  EXPECT_EQ(timelines.CacheStats().events, 0u);
  EXPECT_EQ(CachedRead(Subject(0)), FullRead(Subject(0)));

  // No cache at all: every read in full, still right.
  SubjectTimelines& uncached = Timelines(TimelineCacheLimits{0, 0});
  AppendLabs(0, 1);
  EXPECT_EQ(CachedRead(Subject(0)), FullRead(Subject(0)));
  EXPECT_EQ(CachedRead(Subject(0)), FullRead(Subject(0)));
  EXPECT_EQ(uncached.CacheStats().full_reads, 2u);
  EXPECT_EQ(uncached.CacheStats().subjects, 0u);
}

TEST_F(SubjectTimelinesTest, AStoreThatCannotBeReadIsAnErrorNotTheCachedEvents) {
  SubjectTimelines& timelines = Timelines();
  AppendLabs(0, 2);
  EXPECT_EQ(CachedRead(Subject(0)), FullRead(Subject(0)));
  AppendLabs(0, 1);  // the cache now lags the log

  flaky_->fail = true;  // the pooled reader fails its read
  absl::StatusOr<std::vector<v1::Event>> read = timelines.Read(Subject(0));
  EXPECT_TRUE(absl::IsUnavailable(read.status())) << read.status();
  EXPECT_TRUE(absl::IsUnavailable(timelines.Compute(Subject(0)).status()));  // cannot open one
  EXPECT_TRUE(absl::IsUnavailable(timelines.Subjects().status()));

  flaky_->fail = false;
  EXPECT_EQ(CachedRead(Subject(0)), FullRead(Subject(0)));
  EXPECT_EQ(FullRead(Subject(0)).size(), 3u);
}

TEST_F(SubjectTimelinesTest, ASubjectWithoutEventsIsNotFoundAndNotCached) {
  SubjectTimelines& timelines = Timelines();
  EXPECT_TRUE(absl::IsNotFound(timelines.Read(Subject(7)).status()));
  EXPECT_EQ(timelines.CacheStats().subjects, 0u);
  AppendLabs(7, 1);
  EXPECT_EQ(CachedRead(Subject(7)), FullRead(Subject(7)));
}

TEST_F(SubjectTimelinesTest, ReadersKeepTheirConnectionsBetweenReads) {
  SubjectTimelines& timelines = Timelines();
  AppendLabs(0, 1);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(timelines.Read(Subject(0)).ok());
  ASSERT_TRUE(timelines.Subjects().ok());
  EXPECT_EQ(flaky_->readers_opened, 1);
}

// gRPC threads and the deviation worker read at once while the log grows: each answer is an
// exact prefix of the subject's log (in order, nothing missing, nothing twice), never shrinking,
// and once the writes stop, every read is the full read.
TEST_F(SubjectTimelinesTest, ConcurrentReadersWhileTheLogGrows) {
  SubjectTimelines& timelines = Timelines(TimelineCacheLimits{2, 1000});
  for (int s = 0; s < 3; ++s) AppendLabs(s, 1);
  std::atomic<bool> writing{true};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&, t] {
      std::vector<size_t> seen(3, 0);
      int round = 0;
      while (writing || round < 10) {
        const int s = (t + round++) % 3;
        absl::StatusOr<std::vector<v1::Event>> read = timelines.Read(Subject(s));
        if (!read.ok()) {
          ++failures;
          continue;
        }
        // Timelines are computed (and labs appended to the kept ones) at the same time.
        absl::StatusOr<v1::Timeline> timeline = timelines.Compute(Subject(s));
        if (!timeline.ok() || static_cast<size_t>(timeline->events_size()) < read->size()) {
          ++failures;
        }
        for (size_t i = 1; i < read->size(); ++i) {
          if ((*read)[i].sequence() <= (*read)[i - 1].sequence()) ++failures;
        }
        if (read->size() < seen[s]) ++failures;
        seen[s] = read->size();
      }
    });
  }
  for (int i = 0; i < 30; ++i) AppendLabs(i % 3, 1);
  writing = false;
  for (std::thread& thread : readers) thread.join();
  EXPECT_EQ(failures, 0);
  for (int s = 0; s < 3; ++s) {
    const std::vector<std::string> full = FullRead(Subject(s));
    EXPECT_EQ(full.size(), 11u);
    EXPECT_EQ(CachedRead(Subject(s)), full);
    absl::StatusOr<v1::Timeline> timeline = timelines.Compute(Subject(s));
    ASSERT_TRUE(timeline.ok());
    EXPECT_EQ(timeline->SerializeAsString(), FullTimeline(s));
  }
}

}  // namespace
}  // namespace trialgate::schedule
