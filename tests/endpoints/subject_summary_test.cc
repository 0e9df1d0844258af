// SummarizeSubject, AddCensoring and DeviationTally on subjects of the schedule tests'
// SubjectBuilder (the embedded KRD-ASCT2 study with its clinical derivations): each row's days,
// phases, markers and waterfall value against what the events say, worked out by hand.
#include "gateway/endpoints/subject_summary.h"

#include <string>
#include <vector>

#include "gateway/endpoints/course_from_timeline.h"
#include "gateway/schedule/timeline.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/schedule/subject_builder.h"

namespace trialgate::endpoints {
namespace {

using schedule::Date;
using schedule::testing::SubjectBuilder;

const Date kC1D1(2026, 1, 5);
const Date kCutoff(2026, 3, 15);

v1::Timeline TimelineOf(SubjectBuilder& subject, const std::string& id, const std::string& site,
                        Date today) {
  return schedule::testing::BuildClinicalAs(subject, id, site, today);
}

// Enrolled 2025-12-26 (day 1); KRd cycles 1-2 from 2026-01-05 (day 11); serum M-protein 2.0 g/dL
// at baseline (01-02), 0.8 on 02-01 and 03-01 (-60%: PR, confirmed by the second sample);
// cycle 3 (due 03-02) never starts, so its doses are missed by the cutoff 2026-03-15 (day 80).
SubjectBuilder PartialResponder() {
  SubjectBuilder subject;
  subject.Enrollment("on-study", Date(2025, 12, 26));
  subject.BodySize(kC1D1 - 3);
  subject.Lab("serum_m_protein", kC1D1 - 3, 2.0, "g/dL");
  subject.Reinduction(kC1D1, 2);
  subject.Lab("serum_m_protein", kC1D1 + 27, 0.8, "g/dL");
  subject.Lab("serum_m_protein", kC1D1 + 55, 0.8, "g/dL");
  return subject;
}

std::vector<std::string> MarkersOf(const v1::SubjectSummary& summary, const std::string& kind) {
  std::vector<std::string> out;
  for (const v1::SubjectMarker& marker : summary.markers()) {
    if (marker.kind() == kind) out.push_back(std::to_string(marker.day()) + " " + marker.label());
  }
  return out;
}

TEST(SubjectSummaryTest, ARowCountsDaysFromConsentAndEndsAtTheCutoff) {
  SubjectBuilder subject = PartialResponder();
  const v1::Timeline timeline = TimelineOf(subject, "KRD-001-0001", "site-a", kCutoff);
  absl::StatusOr<SubjectCourse> course = CourseFromTimeline(timeline, subject.events(), kCutoff);
  ASSERT_TRUE(course.ok()) << course.status();
  const v1::SubjectSummary summary = SummarizeSubject(timeline, *course, kCutoff);

  EXPECT_EQ(summary.subject_id(), "KRD-001-0001");
  EXPECT_EQ(summary.site_id(), "site-a");
  EXPECT_EQ(summary.consent(), "2025-12-26");
  EXPECT_EQ(summary.consent_source(), "enrolment_start");
  EXPECT_EQ(summary.status(), "on_treatment");
  EXPECT_TRUE(summary.ongoing());
  EXPECT_EQ(summary.death(), "");
  EXPECT_EQ(summary.last_day(), 80);  // 2026-03-15 - 2025-12-26 + 1
  // Re-induction from C1D1 (day 11), in progress: drawn to the cutoff.
  ASSERT_GE(summary.phases_size(), 1);
  EXPECT_EQ(summary.phases(0).kind(), "reinduction");
  EXPECT_EQ(summary.phases(0).start(), "2026-01-05");
  EXPECT_EQ(summary.phases(0).start_day(), 11);
  EXPECT_LE(summary.phases(0).end_day(), 80);
  // One dose marker per cycle start: C1D1 on day 11, C2D1 on day 39.
  EXPECT_EQ(MarkersOf(summary, "dose"), (std::vector<std::string>{"11 C1D1", "39 C2D1"}));
  // PR derived and confirmed (once, at its assessment date), -60% the best change.
  EXPECT_THAT(MarkersOf(summary, "response"), ::testing::ElementsAre(::testing::HasSubstr("PR")));
  EXPECT_EQ(summary.best_response(), "PR");
  ASSERT_TRUE(summary.has_best_m_protein_change_percent());
  EXPECT_NEAR(summary.best_m_protein_change_percent(), -60.0, 1e-9);
  // Cycle 3's missed doses are deviations, on or before the cutoff, counted as the course says.
  EXPECT_FALSE(MarkersOf(summary, "deviation").empty());
  EXPECT_EQ(summary.deviations(), course->deviations);
  for (const v1::SubjectMarker& marker : summary.markers()) {
    EXPECT_GE(marker.day(), 1);
    EXPECT_LE(marker.day(), 80) << marker.kind() << " " << marker.label();
  }
}

TEST(SubjectSummaryTest, ADeathEndsTheRowAndHidesWhatFollows) {
  SubjectBuilder subject = PartialResponder();
  const v1::Timeline timeline = TimelineOf(subject, "KRD-001-0001", "site-a", kCutoff);
  absl::StatusOr<SubjectCourse> course = CourseFromTimeline(timeline, subject.events(), kCutoff);
  ASSERT_TRUE(course.ok()) << course.status();
  course->death = Date(2026, 2, 10);  // day 47: after C2D1 (day 39), before the second sample
  const v1::SubjectSummary summary = SummarizeSubject(timeline, *course, kCutoff);
  EXPECT_EQ(summary.status(), "died");
  EXPECT_FALSE(summary.ongoing());
  EXPECT_EQ(summary.death(), "2026-02-10");
  EXPECT_EQ(summary.last_day(), 47);
  EXPECT_EQ(MarkersOf(summary, "death"), std::vector<std::string>{"47 death"});
  EXPECT_EQ(MarkersOf(summary, "dose"), (std::vector<std::string>{"11 C1D1", "39 C2D1"}));
  EXPECT_TRUE(MarkersOf(summary, "deviation").empty());  // cycle 3 was due after the death
  for (const v1::SubjectPhaseSpan& span : summary.phases()) EXPECT_LE(span.end_day(), 47);
}

TEST(SubjectSummaryTest, NoBaselineNoWaterfallBar) {
  SubjectBuilder subject;
  subject.Enrollment("on-study", Date(2025, 12, 26));
  subject.BodySize(kC1D1 - 3);
  subject.Reinduction(kC1D1, 1);
  subject.Lab("serum_m_protein", kC1D1 + 27, 0.8, "g/dL");  // after C1D1: no baseline
  const v1::Timeline timeline = TimelineOf(subject, "KRD-001-0003", "site-a", Date(2026, 2, 5));
  absl::StatusOr<SubjectCourse> course =
      CourseFromTimeline(timeline, subject.events(), Date(2026, 2, 5));
  ASSERT_TRUE(course.ok()) << course.status();
  const v1::SubjectSummary summary = SummarizeSubject(timeline, *course, Date(2026, 2, 5));
  EXPECT_FALSE(summary.has_best_m_protein_change_percent());
  EXPECT_EQ(summary.best_response(), "");
}

TEST(SubjectSummaryTest, CensoringIsMarkedOnTheCensoredSubjectsOnly) {
  TimeToEventResult pfs;
  pfs.name = "Progression-free survival";
  pfs.subjects = {{"A", Date(2026, 1, 1), Date(2026, 3, 1), 60, false, "no_event"},
                  {"B", Date(2026, 1, 1), Date(2026, 2, 1), 32, true, "confirmed_progression"}};
  std::vector<v1::SubjectSummary> summaries(3);
  summaries[0].set_subject_id("A");
  summaries[1].set_subject_id("B");
  summaries[2].set_subject_id("C");  // not in the analysis
  AddCensoring(pfs, summaries);
  EXPECT_EQ(MarkersOf(summaries[0], "censored"),
            std::vector<std::string>{"60 Progression-free survival censored: no_event"});
  EXPECT_EQ(summaries[1].markers_size(), 0);
  EXPECT_EQ(summaries[2].markers_size(), 0);
}

TEST(DeviationTallyTest, CountsBySiteAndCodeWithSubjectsOnce) {
  auto timeline = [](const std::string& site, std::vector<std::pair<std::string, int>> findings) {
    v1::Timeline t;
    t.set_site_id(site);
    for (const auto& [code, severity] : findings) {
      v1::TimelineFinding* f = t.add_findings();
      f->set_date("2026-02-01");
      f->mutable_finding()->set_code(code);
      f->mutable_finding()->set_severity(static_cast<v1::Finding::Severity>(severity));
    }
    return t;
  };
  DeviationTally one, two;
  one.Add(timeline("site-a", {{"DOSE_MISSED", v1::Finding::WARNING},
                              {"DOSE_MISSED", v1::Finding::MAJOR},
                              {"LAB_LATE", v1::Finding::INFO}}),  // INFO: not a deviation
          Date(2026, 3, 1));
  two.Add(timeline("site-a", {{"DOSE_MISSED", v1::Finding::WARNING}}), Date(2026, 3, 1));
  two.Add(timeline("site-b", {{"DOSE_MISSED", v1::Finding::WARNING}}), Date(2026, 1, 31));
  one.Merge(two);
  const std::vector<v1::DeviationCount> counts = one.Counts();
  ASSERT_EQ(counts.size(), 1u);  // site-b's finding is after its cutoff
  EXPECT_EQ(counts[0].site_id(), "site-a");
  EXPECT_EQ(counts[0].code(), "DOSE_MISSED");
  EXPECT_EQ(counts[0].severity(), "MAJOR");
  EXPECT_EQ(counts[0].deviations(), 3);
  EXPECT_EQ(counts[0].subjects(), 2);
}

}  // namespace
}  // namespace trialgate::endpoints
