// Deviations are written to the log once each: on recomputation, after a restart, and as time
// passes; withdrawn when they stop holding.
#include "gateway/schedule/deviation_recorder.h"

#include <memory>

#include "gateway/schedule/finding_codes.h"
#include "gateway/schedule/subject_history.h"
#include "gateway/store/sqlite_event_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/schedule/subject_builder.h"
#include "tests/store/store_test_support.h"
#include "tests/support/manual_clock.h"

namespace trialgate::schedule {
namespace {

using testing::KrdSchedule;
using ::trialgate::testing::ManualClock;
using testing::Noon;
using testing::SubjectBuilder;

const Date kC1D1(2026, 1, 5);

class DeviationRecorderTest : public store::StoreTestBase {
 protected:
  void SetUp() override {
    StoreTestBase::SetUp();
    store_ = OpenStore();
    ASSERT_NE(store_, nullptr);
    timelines_ = std::make_unique<SubjectTimelines>(
        store_.get(), std::make_shared<const Schedule>(KrdSchedule()),
        std::map<std::string, absl::TimeZone>{}, clock_, testing::KrdClinicalRules());
  }
  void TearDown() override {
    timelines_.reset();
    store_.reset();
    StoreTestBase::TearDown();
  }

  void SetToday(Date date) { clock_.Set(Noon(date)); }

  // Commits each event as its own source, as the pipeline would.
  void Commit(const std::vector<v1::Event>& events) {
    ASSERT_TRUE(testing::CommitEach(store_.get(), events).ok());
  }

  // The derived events of one payload kind in the log, in order.
  std::vector<v1::Event> DerivedOf(v1::Event::PayloadCase kind) {
    std::vector<v1::Event> found;
    for (v1::Event& event : Derived()) {
      if (event.payload_case() == kind) found.push_back(std::move(event));
    }
    return found;
  }

  // The derived events in the log, in order.
  std::vector<v1::Event> Derived() {
    auto reader = store_->OpenReader();
    EXPECT_TRUE(reader.ok());
    absl::StatusOr<std::vector<v1::Event>> events = (*reader)->ReadSubject("KRD-001-0001");
    EXPECT_TRUE(events.ok());
    std::vector<v1::Event> derived;
    for (v1::Event& event : *events) {
      if (event.source().resource_type() == kDerivedResourceType) derived.push_back(event);
    }
    return derived;
  }

  ManualClock clock_{absl::UnixEpoch()};
  std::unique_ptr<store::SqliteEventStore> store_;
  std::unique_ptr<SubjectTimelines> timelines_;
};

TEST_F(DeviationRecorderTest, AMissedDoseIsRecordedOnceHoweverOftenItIsDerived) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1);
  subject.Reinduction(kC1D1, 1, 1.818, {{"carfilzomib", 1, 15}});
  Commit(subject.events());
  DeviationRecorder recorder(timelines_.get(), store_.get(), std::chrono::seconds(0));

  SetToday(kC1D1 + 14);  // day 15 itself: not missed yet
  ASSERT_TRUE(recorder.Derive("KRD-001-0001").ok());
  EXPECT_TRUE(Derived().empty());

  SetToday(kC1D1 + 15);  // time passed
  ASSERT_TRUE(recorder.Derive("KRD-001-0001").ok());
  std::vector<v1::Event> derived = Derived();
  ASSERT_EQ(derived.size(), 1u);
  const v1::ProtocolDeviation& deviation = derived[0].protocol_deviation();
  EXPECT_EQ(deviation.status(), v1::ProtocolDeviation::DETECTED);
  EXPECT_EQ(deviation.finding().code(), kDoseMissed);
  EXPECT_EQ(deviation.key(), "DOSE_MISSED|reinduction/c1/d15/carfilzomib|MAJOR");
  EXPECT_EQ(deviation.date(), "2026-01-19");
  EXPECT_EQ(derived[0].subject_id(), "KRD-001-0001");
  EXPECT_EQ(derived[0].site_id(), "site-a");
  EXPECT_EQ(derived[0].position().cycle(), 1);
  EXPECT_EQ(derived[0].findings(0).code(), kDoseMissed);
  EXPECT_EQ(derived[0].occurred_at_fhir(), "2026-01-19");

  // Again, and after a "restart" (a new recorder on the same log): nothing new.
  ASSERT_TRUE(recorder.Derive("KRD-001-0001").ok());
  DeviationRecorder restarted(timelines_.get(), store_.get(), std::chrono::seconds(0));
  ASSERT_TRUE(restarted.Derive("KRD-001-0001").ok());
  EXPECT_EQ(Derived().size(), 1u);
  // Re-submitting the same resources stores nothing (the store's idempotency) and derives
  // nothing.
  Commit(subject.events());
  ASSERT_TRUE(restarted.Derive("KRD-001-0001").ok());
  EXPECT_EQ(Derived().size(), 1u);
}

TEST_F(DeviationRecorderTest, ALateReportWithdrawsItAndACorrectionBringsItBack) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1);
  subject.Reinduction(kC1D1, 1, 1.818, {{"carfilzomib", 1, 15}});
  Commit(subject.events());
  DeviationRecorder recorder(timelines_.get(), store_.get(), std::chrono::seconds(0));
  SetToday(kC1D1 + 20);
  ASSERT_TRUE(recorder.Derive("KRD-001-0001").ok());
  ASSERT_EQ(Derived().size(), 1u);

  // The day-15 dose was given after all; the hospital reports it late.
  const v1::Event late = subject.Dose("carfilzomib", kC1D1 + 14, 49);
  Commit({late});
  ASSERT_TRUE(recorder.Derive("KRD-001-0001").ok());
  std::vector<v1::Event> derived = Derived();
  ASSERT_EQ(derived.size(), 2u);
  EXPECT_EQ(derived[1].protocol_deviation().status(), v1::ProtocolDeviation::WITHDRAWN);
  EXPECT_EQ(derived[1].protocol_deviation().key(), derived[0].protocol_deviation().key());

  // Then that report is corrected to entered-in-error: the dose is missed again.
  v1::Event& corrected = subject.NewVersion(late);
  corrected.mutable_dose_administered()->set_status(v1::DoseAdministered::ENTERED_IN_ERROR);
  Commit({corrected});
  ASSERT_TRUE(recorder.Derive("KRD-001-0001").ok());
  derived = Derived();
  ASSERT_EQ(derived.size(), 3u);
  EXPECT_EQ(derived[2].protocol_deviation().status(), v1::ProtocolDeviation::DETECTED);
  EXPECT_EQ(derived[2].protocol_deviation().generation(), 1u);
  ASSERT_TRUE(recorder.Derive("KRD-001-0001").ok());
  EXPECT_EQ(Derived().size(), 3u);
}

TEST_F(DeviationRecorderTest, HarvestSuccessIsRecordedOnceAsAnEvent) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1);
  subject.Reinduction(kC1D1, 1);
  subject.Lab("cd34_per_kg", kC1D1 + 20, 1.5, "10*6/kg");
  subject.Lab("cd34_per_kg", kC1D1 + 21, 0.9, "10*6/kg");
  Commit(subject.events());
  DeviationRecorder recorder(timelines_.get(), store_.get(), std::chrono::seconds(0));
  SetToday(kC1D1 + 22);
  ASSERT_TRUE(recorder.Derive("KRD-001-0001").ok());
  ASSERT_TRUE(recorder.Derive("KRD-001-0001").ok());
  std::vector<v1::Event> derived = Derived();
  ASSERT_EQ(derived.size(), 1u);
  ASSERT_TRUE(derived[0].has_stem_cell_harvest());
  EXPECT_TRUE(derived[0].stem_cell_harvest().success());
  EXPECT_DOUBLE_EQ(derived[0].stem_cell_harvest().cd34_per_kg(), 2.4);
  EXPECT_EQ(derived[0].stem_cell_harvest().evidence_event_ids_size(), 2);
  EXPECT_EQ(derived[0].occurred_at_fhir(), "2026-01-26");
}

TEST_F(DeviationRecorderTest, TheWorkerDerivesChangedSubjectsAndSweepsAsTimePasses) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1);
  subject.Reinduction(kC1D1, 1);
  Commit(subject.events());
  SetToday(kC1D1 + 27);
  DeviationRecorder recorder(timelines_.get(), store_.get(), std::chrono::seconds(0));
  recorder.SubjectChanged("KRD-001-0001");
  recorder.WaitIdle();
  EXPECT_TRUE(Derived().empty());

  SetToday(kC1D1 + 28 + 4);  // cycle 2 overdue beyond its window
  recorder.SweepAll();
  recorder.WaitIdle();
  std::vector<v1::Event> derived = Derived();
  ASSERT_EQ(derived.size(), 1u);
  EXPECT_EQ(derived[0].protocol_deviation().finding().code(), kCycleDelayed);
  recorder.SweepAll();
  recorder.WaitIdle();
  EXPECT_EQ(Derived().size(), 1u);

  recorder.Stop();
  recorder.SubjectChanged("KRD-001-0001");  // after Stop: ignored, never blocks
  recorder.WaitIdle();
}

TEST_F(DeviationRecorderTest, InformationFindingsStayOnTheTimelineOnly) {
  SubjectBuilder subject;
  subject.Reinduction(kC1D1, 1);  // no height and weight: carfilzomib doses are not checked
  Commit(subject.events());
  SetToday(kC1D1 + 27);
  ASSERT_GT(timelines_->Compute("KRD-001-0001")->findings_size(), 0);
  DeviationRecorder recorder(timelines_.get(), store_.get(), std::chrono::seconds(0));
  ASSERT_TRUE(recorder.Derive("KRD-001-0001").ok());
  EXPECT_TRUE(Derived().empty());
}

TEST_F(DeviationRecorderTest, ChangesWithinTheDelayShareOneDerivation) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1);
  subject.Reinduction(kC1D1, 1, 1.818, {{"carfilzomib", 1, 15}});
  Commit(subject.events());
  SetToday(kC1D1 + 27);
  DeviationRecorder recorder(timelines_.get(), store_.get(), std::chrono::seconds(0),
                             std::chrono::milliseconds(300));
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) recorder.SubjectChanged("KRD-001-0001");
  EXPECT_TRUE(Derived().empty());  // not yet: the delay has not passed
  recorder.WaitIdle();
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
  EXPECT_EQ(Derived().size(), 1u);
}

TEST_F(DeviationRecorderTest, APeriodicRecorderSweepsOnceAtStart) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1);
  subject.Reinduction(kC1D1, 1, 1.818, {{"dexamethasone", 1, 22}});
  Commit(subject.events());
  SetToday(kC1D1 + 27);
  DeviationRecorder recorder(timelines_.get(), store_.get(), std::chrono::seconds(3600));
  recorder.WaitIdle();
  ASSERT_EQ(Derived().size(), 1u);
  EXPECT_EQ(Derived()[0].protocol_deviation().finding().code(), kDoseMissed);
}

TEST_F(DeviationRecorderTest, ALabGradeIsRecordedOnceAndACorrectionWithdrawsAndRegrades) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1 - 3);
  subject.Reinduction(kC1D1, 1);
  const v1::Event lab = subject.Lab("anc", kC1D1 + 22, 0.8, "10*9/L", 1.8, 7.5);  // grade 3
  Commit(subject.events());
  DeviationRecorder recorder(timelines_.get(), store_.get(), std::chrono::seconds(0));
  SetToday(kC1D1 + 24);
  ASSERT_TRUE(recorder.Derive("KRD-001-0001").ok());
  ASSERT_TRUE(recorder.Derive("KRD-001-0001").ok());
  DeviationRecorder restarted(timelines_.get(), store_.get(), std::chrono::seconds(0));
  ASSERT_TRUE(restarted.Derive("KRD-001-0001").ok());

  std::vector<v1::Event> grades = DerivedOf(v1::Event::kToxicityGraded);
  ASSERT_EQ(grades.size(), 1u);
  const v1::ToxicityGraded& grade = grades[0].toxicity_graded();
  EXPECT_EQ(grade.term(), "Neutrophil count decreased");
  EXPECT_EQ(grade.meddra_code(), "10029366");
  EXPECT_EQ(grade.grade(), 3);
  EXPECT_EQ(grade.lab_event_id(), lab.event_id());
  EXPECT_EQ(grade.analyte(), "anc");
  EXPECT_DOUBLE_EQ(grade.value(), 0.8);
  EXPECT_FALSE(grade.withdrawn());
  EXPECT_EQ(grades[0].source().resource_type(), kDerivedResourceType);
  EXPECT_EQ(grades[0].occurred_at_fhir(), "2026-01-27");

  // The lab corrects the count to 1.6 (grade 1): the grade 3 is withdrawn, grade 1 recorded.
  v1::Event corrected = subject.NewVersion(lab);
  corrected.mutable_lab_result()->set_value(1.6);
  Commit({corrected});
  ASSERT_TRUE(recorder.Derive("KRD-001-0001").ok());
  grades = DerivedOf(v1::Event::kToxicityGraded);
  ASSERT_EQ(grades.size(), 3u);
  EXPECT_EQ(grades[1].toxicity_graded().grade(), 1);
  EXPECT_EQ(grades[1].toxicity_graded().lab_event_id(), corrected.event_id());
  EXPECT_FALSE(grades[1].toxicity_graded().withdrawn());
  EXPECT_EQ(grades[2].toxicity_graded().grade(), 3);
  EXPECT_TRUE(grades[2].toxicity_graded().withdrawn());
  EXPECT_EQ(grades[2].toxicity_graded().key(), grades[0].toxicity_graded().key());
  ASSERT_TRUE(recorder.Derive("KRD-001-0001").ok());
  EXPECT_EQ(DerivedOf(v1::Event::kToxicityGraded).size(), 3u);
}

TEST_F(DeviationRecorderTest, ADerivedResponseIsRecordedOncePerChange) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1 - 3);
  subject.Reinduction(kC1D1, 1);
  subject.Lab("serum_m_protein", kC1D1 - 3, 2.0, "g/dL");
  const v1::Event first = subject.Lab("serum_m_protein", kC1D1 + 27, 0.8, "g/dL");
  Commit(subject.events());
  DeviationRecorder recorder(timelines_.get(), store_.get(), std::chrono::seconds(0));
  SetToday(kC1D1 + 30);
  ASSERT_TRUE(recorder.Derive("KRD-001-0001").ok());
  std::vector<v1::Event> responses = DerivedOf(v1::Event::kResponseAssessed);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].response_assessed().category(), "PR");
  EXPECT_FALSE(responses[0].response_assessed().confirmed());
  EXPECT_EQ(responses[0].response_assessed().assessment_date(), "2026-02-01");

  // The same value a month later confirms it; a third changes nothing.
  Commit({subject.Lab("serum_m_protein", kC1D1 + 55, 0.8, "g/dL")});
  ASSERT_TRUE(recorder.Derive("KRD-001-0001").ok());
  Commit({subject.Lab("serum_m_protein", kC1D1 + 83, 0.8, "g/dL")});
  SetToday(kC1D1 + 85);
  ASSERT_TRUE(recorder.Derive("KRD-001-0001").ok());
  DeviationRecorder restarted(timelines_.get(), store_.get(), std::chrono::seconds(0));
  ASSERT_TRUE(restarted.Derive("KRD-001-0001").ok());
  responses = DerivedOf(v1::Event::kResponseAssessed);
  ASSERT_EQ(responses.size(), 2u);
  const v1::ResponseAssessed& confirmed = responses[1].response_assessed();
  EXPECT_EQ(confirmed.category(), "PR");
  EXPECT_TRUE(confirmed.confirmed());
  EXPECT_EQ(confirmed.response_date(), "2026-02-01");
  EXPECT_EQ(confirmed.assessment_date(), "2026-03-01");
  EXPECT_EQ(responses[1].occurred_at_fhir(), "2026-02-01");
  EXPECT_FALSE(confirmed.rule().empty());

  // The first sample is corrected to 1.5 g/dL (-25%: MR): the unconfirmed PR of that day and
  // the confirmation it made are withdrawn, and what the labs now give is recorded.
  v1::Event corrected = subject.NewVersion(first);
  corrected.mutable_lab_result()->set_value(1.5);
  Commit({corrected});
  ASSERT_TRUE(recorder.Derive("KRD-001-0001").ok());
  responses = DerivedOf(v1::Event::kResponseAssessed);
  int withdrawn = 0;
  for (const v1::Event& event : responses) withdrawn += event.response_assessed().withdrawn();
  EXPECT_GE(withdrawn, 1);
  bool first_day_is_mr = false;
  for (const v1::Event& event : responses) {
    const v1::ResponseAssessed& response = event.response_assessed();
    if (!response.withdrawn() && response.assessment_date() == "2026-02-01") {
      first_day_is_mr = response.category() == "MR";
    }
  }
  EXPECT_TRUE(first_day_is_mr);
}

TEST_F(DeviationRecorderTest, AGradeTheAlbuminOfItsDayCorrectsAwayIsWithdrawnOnTheAppendPath) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1 - 7);
  subject.Reinduction(kC1D1, 1);
  Commit(subject.events());
  SetToday(kC1D1 + 27);  // day 28: no dose that day
  DeviationRecorder recorder(timelines_.get(), store_.get(), std::chrono::seconds(0));
  ASSERT_TRUE(recorder.Derive("KRD-001-0001").ok());

  SubjectBuilder labs;
  v1::Event calcium = labs.Lab("calcium", kC1D1 + 27, 8.0, "mg/dL", 8.5, 10.5);  // low
  calcium.set_event_id("calcium-1");
  calcium.mutable_source()->set_logical_id("calcium-1");
  Commit({calcium});
  ASSERT_TRUE(recorder.Derive("KRD-001-0001").ok());
  ASSERT_EQ(DerivedOf(v1::Event::kToxicityGraded).size(), 1u);

  // The albumin of the same day: 8.0 + 0.8 x (4 - 2.5) = 9.2 mg/dL corrected, within range.
  v1::Event albumin = labs.Lab("albumin", kC1D1 + 27, 25, "g/L", 35, 50);
  albumin.set_event_id("albumin-1");
  albumin.mutable_source()->set_logical_id("albumin-1");
  Commit({albumin});
  const uint64_t appends = timelines_->CacheStats().appends;
  ASSERT_TRUE(recorder.Derive("KRD-001-0001").ok());
  EXPECT_EQ(timelines_->CacheStats().appends, appends + 1);
  std::vector<v1::Event> grades = DerivedOf(v1::Event::kToxicityGraded);
  ASSERT_GE(grades.size(), 2u);
  bool calcium_withdrawn = false;
  for (const v1::Event& grade : grades) {
    calcium_withdrawn = calcium_withdrawn || (grade.toxicity_graded().withdrawn() &&
                                              grade.toxicity_graded().lab_event_id() == "calcium-1");
  }
  EXPECT_TRUE(calcium_withdrawn);
}

// The recorder looks only at what changed since its last derivation; a fresh recorder looks at
// everything. Fed a course one resource at a time, the first must leave nothing for the second.
TEST_F(DeviationRecorderTest, FollowingTheLogLeavesNothingForAFreshRecorderToWrite) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1 - 7);
  subject.Lab("creatinine", kC1D1 - 7, 1.0, "mg/dL", 0.6, 1.2);
  subject.Lab("serum_m_protein", kC1D1 - 7, 3.0, "g/dL");
  double m_protein = 3.0;
  for (int day = 1; day <= 56; ++day) {
    const Date date = kC1D1 + (day - 1);
    const int cycle_day = (day - 1) % 28 + 1;
    if (cycle_day == 1 || cycle_day == 8 || cycle_day == 15 || cycle_day == 22) {
      subject.Lab("anc", date, day % 3 == 0 ? 0.9 : 1.4, "10*9/L", 1.5, 7.5);
      subject.Lab("platelets", date, day % 5 == 0 ? 60 : 140, "10*9/L", 150, 400);
      subject.Lab("creatinine", date, day % 4 == 0 ? 2.2 : 1.1, "mg/dL", 0.6, 1.2);
      subject.Lab("calcium", date, 8.0, "mg/dL", 8.5, 10.5);
      if (day % 2 == 0) subject.Lab("albumin", date, 25, "g/L", 35, 50);
      if (day <= 22) m_protein *= 0.6;  // then steady: the same response at several visits
      subject.Lab("serum_m_protein", date, m_protein, "g/dL");
    }
    for (int k : {1, 2, 8, 9, 15, 16}) {
      if (cycle_day == k) subject.Dose("carfilzomib", date, 27 * 1.818);
    }
    if (cycle_day <= 21) subject.Dose("lenalidomide", date, 25);
  }
  SetToday(kC1D1 + 60);
  DeviationRecorder recorder(timelines_.get(), store_.get(), std::chrono::seconds(0));
  // After each derivation, a recorder that reads the whole log and computes everything finds
  // nothing to write.
  for (const v1::Event& event : subject.events()) {
    Commit({event});
    ASSERT_TRUE(recorder.Derive("KRD-001-0001").ok());
    const size_t written = Derived().size();
    SubjectTimelines fresh_timelines(store_.get(),
                                     std::make_shared<const Schedule>(KrdSchedule()),
                                     std::map<std::string, absl::TimeZone>{}, clock_,
                                     testing::KrdClinicalRules());
    DeviationRecorder fresh(&fresh_timelines, store_.get(), std::chrono::seconds(0));
    ASSERT_TRUE(fresh.Derive("KRD-001-0001").ok());
    ASSERT_EQ(Derived().size(), written) << "after " << event.ShortDebugString();
  }
  EXPECT_GT(timelines_->CacheStats().appends, 20u);
  EXPECT_GT(DerivedOf(v1::Event::kToxicityGraded).size(), 5u);
  EXPECT_GT(DerivedOf(v1::Event::kResponseAssessed).size(), 0u);
  EXPECT_GT(DerivedOf(v1::Event::kProtocolDeviation).size(), 0u);
}

}  // namespace
}  // namespace trialgate::schedule
