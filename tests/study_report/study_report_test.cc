// BuildStudyReport with kept SubjectParts (what StudyReports does between reports) against the
// report computed afresh: after every step of a study that grows (events of one subject, of
// several, corrections, a progression) and of a clock that moves (hours, a new day), the two
// reports are the same, field by field; and only the subjects that must be are computed again.
#include "gateway/study_report/study_report.h"

#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fhir-profiles/embedded.h"
#include "gateway/schedule/subject_timelines.h"
#include "gateway/store/sqlite_event_store.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "mappers/study.h"
#include "tests/schedule/subject_builder.h"
#include "tests/store/store_test_support.h"
#include "tests/support/manual_clock.h"

namespace trialgate::study_report {
namespace {

using schedule::Date;
using schedule::testing::Noon;
using schedule::testing::SubjectBuilder;

const Date kC1D1(2026, 1, 5);
const Date kCutoff = kC1D1 + 90;  // after every day the clock reaches: timelines judged at now
constexpr int kSubjects = 4;

std::string Subject(int s) { return absl::StrCat("KRD-001-", 2000 + s); }

// The builder's events as subject `s` of site-a (even) or site-b (odd), ids made unique.
std::vector<v1::Event> AsSubject(const std::vector<v1::Event>& events, int s) {
  return schedule::testing::AsSubject(events, Subject(s), s % 2 == 0 ? "site-a" : "site-b");
}

class StudyReportPartsTest : public store::StoreTestBase {
 protected:
  void SetUp() override {
    StoreTestBase::SetUp();
    store_ = OpenStore();
    ASSERT_NE(store_, nullptr);
    auto study = mappers::Study::FromFiles(profiles::EmbeddedStudyFiles("krd-asct2"));
    ASSERT_TRUE(study.ok()) << study.status();
    study_ = *study;
    clock_.Set(Noon(kC1D1 + 30));
    timelines_ = Timelines();
    for (int s = 0; s < kSubjects; ++s) {
      SubjectBuilder& subject = builders_.emplace_back();
      subject.Enrollment("on-study", kC1D1 - 5);
      subject.BodySize(kC1D1 - 3);
      subject.Lab("serum_m_protein", kC1D1 - 3, 2.0, "g/dL");
      subject.Reinduction(kC1D1, 1);
      Commit(subject.events(), s);
    }
  }
  void TearDown() override {
    timelines_.reset();
    store_.reset();
    StoreTestBase::TearDown();
  }

  std::unique_ptr<schedule::SubjectTimelines> Timelines() {
    return std::make_unique<schedule::SubjectTimelines>(
        store_.get(), std::make_shared<const schedule::Schedule>(schedule::testing::KrdSchedule()),
        std::map<std::string, absl::TimeZone>{}, clock_, schedule::testing::KrdClinicalRules());
  }

  void Commit(const std::vector<v1::Event>& events, int s) {
    ASSERT_TRUE(schedule::testing::CommitEach(store_.get(), AsSubject(events, s)).ok());
  }

  ReportRequest Request(std::optional<std::string> site = std::nullopt) const {
    ReportRequest request;
    request.data_cutoff = kCutoff;
    request.now = clock_.Now();
    request.site = std::move(site);
    request.last_sequence = store_->LastSequence();
    return request;
  }

  // The report with the kept parts (updated) against the one computed afresh by a new
  // SubjectTimelines without parts: empty when they are the same, else what differs.
  std::string Differences(SubjectParts& parts, std::optional<std::string> site = std::nullopt) {
    const ReportRequest request = Request(site);
    absl::StatusOr<v1::EndpointsReport> kept = BuildStudyReport(
        *timelines_, study_->endpoints(), study_->study_id(), request, &parts);
    EXPECT_TRUE(kept.ok()) << kept.status();
    std::unique_ptr<schedule::SubjectTimelines> fresh_timelines = Timelines();
    absl::StatusOr<v1::EndpointsReport> fresh = BuildStudyReport(
        *fresh_timelines, study_->endpoints(), study_->study_id(), request);
    EXPECT_TRUE(fresh.ok()) << fresh.status();
    if (!kept.ok() || !fresh.ok()) return "error";
    std::string differences;
    google::protobuf::util::MessageDifferencer differencer;
    differencer.ReportDifferencesToString(&differences);
    if (differencer.Compare(*kept, *fresh)) return "";
    return differences.empty() ? "differ" : differences;
  }

  trialgate::testing::ManualClock clock_{absl::UnixEpoch()};
  std::unique_ptr<store::SqliteEventStore> store_;
  std::shared_ptr<const mappers::Study> study_;
  std::unique_ptr<schedule::SubjectTimelines> timelines_;
  std::vector<SubjectBuilder> builders_;
};

TEST_F(StudyReportPartsTest, KeptPartsGiveTheReportComputedAfreshAndOnlyWhatChangedIsComputed) {
  SubjectParts parts;
  EXPECT_EQ(Differences(parts), "");
  EXPECT_EQ(parts.computed, static_cast<size_t>(kSubjects));  // nothing kept yet

  // Nothing new, the same day: nothing computed again.
  EXPECT_EQ(Differences(parts), "");
  EXPECT_EQ(parts.computed, 0u);

  // A progression of subject 1 (serum M-protein up from the nadir, then a reported PD).
  SubjectBuilder& one = builders_[1];
  const size_t before = one.events().size();
  one.Lab("serum_m_protein", kC1D1 + 27, 3.0, "g/dL");
  one.Response("PD", kC1D1 + 29);
  Commit({one.events().begin() + static_cast<long>(before), one.events().end()}, 1);
  EXPECT_EQ(Differences(parts), "");
  EXPECT_EQ(parts.computed, 1u);

  // Hours later, the same day: nothing again. The next day: every subject (a dose due
  // yesterday is missed today).
  clock_.Advance(absl::Hours(5));
  EXPECT_EQ(Differences(parts), "");
  EXPECT_EQ(parts.computed, 0u);
  clock_.Advance(absl::Hours(24));
  EXPECT_EQ(Differences(parts), "");
  EXPECT_EQ(parts.computed, static_cast<size_t>(kSubjects));

  // Random steps: events of one or two subjects (labs, an adverse event, a corrected lab, a dose
  // of cycle 2), or the clock moving on; after each, the two reports agree.
  std::mt19937 random(16);
  for (int step = 0; step < 25; ++step) {
    const int kind = static_cast<int>(random() % 4);
    if (kind == 3) {
      clock_.Advance(absl::Hours(static_cast<int>(random() % 30)));
    } else {
      const int touched = kind == 2 ? 2 : 1;
      for (int t = 0; t < touched; ++t) {
        const int s = static_cast<int>(random() % kSubjects);
        SubjectBuilder& subject = builders_[s];
        const size_t first = subject.events().size();
        const Date day = kC1D1 + static_cast<int>(random() % 40);
        switch (random() % 4) {
          case 0: subject.Lab("serum_m_protein", day, 0.5 + (random() % 30) / 10.0, "g/dL"); break;
          case 1: subject.AdverseEvent("Neutrophil count decreased", 1 + random() % 4, day); break;
          case 2: subject.NewVersion(subject.events()[random() % first]); break;
          default: subject.Dose("dexamethasone", kC1D1 + 28, 40); break;
        }
        Commit({subject.events().begin() + static_cast<long>(first), subject.events().end()}, s);
      }
    }
    ASSERT_EQ(Differences(parts), "") << "step " << step;
    EXPECT_LE(parts.computed, static_cast<size_t>(kSubjects));
  }

  // Another scope starts afresh: site-b's subjects only (the others are read to know their site).
  EXPECT_EQ(Differences(parts, "site-b"), "");
  EXPECT_EQ(parts.computed, static_cast<size_t>(kSubjects));
  EXPECT_EQ(Differences(parts, "site-b"), "");
  EXPECT_EQ(parts.computed, 0u);
}

}  // namespace
}  // namespace trialgate::study_report
