// CourseFromTimeline on realistic subjects (the schedule tests' SubjectBuilder, the embedded
// KRD-ASCT2 study with its clinical derivations): every field against the value worked out by
// hand from the events, then three such courses through ComputeEndpoints (PFS end to end).
#include "gateway/endpoints/course_from_timeline.h"

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "gateway/endpoints/compute_endpoints.h"
#include "gateway/schedule/timeline.h"
#include "gateway/schedule/timeline_state.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/endpoints/cohort_util.h"
#include "tests/schedule/subject_builder.h"

namespace trialgate::endpoints {
namespace {

using schedule::Date;
using schedule::testing::SubjectBuilder;
using ::testing::HasSubstr;

const Date kC1D1(2026, 1, 5);
const Date kC6Last = kC1D1 + (5 * 28 + 27);  // 2026-06-21: cycle 6 day 28
const Date kCutoff(2026, 10, 15);
const std::optional<absl::CivilDay> kNone;
constexpr char kAtc[] = "http://www.whocc.no/atc";

// The timeline of the builder's events as subject `id` of site-a (the builder's site), judged
// at noon of `today`, with the study's clinical derivations.
v1::Timeline TimelineOf(SubjectBuilder& subject, const std::string& id, Date today) {
  return schedule::testing::BuildClinicalAs(subject, id, "site-a", today);
}

std::string Describe(const v1::Timeline& timeline) {
  std::string text = "findings:\n";
  for (const auto& f : timeline.findings()) {
    text += f.date() + " " + f.finding().code() + " (" + std::to_string(f.finding().severity()) +
            "): " + f.finding().text() + "\n";
  }
  text += "responses:\n";
  for (const auto& r : timeline.responses()) {
    text += r.origin() + " " + r.date() + " " + r.response().category() +
            (r.response().confirmed() ? " confirmed " : " ") + r.response().response_date() + "\n";
  }
  return text;
}

// Subject A, through the protocol to maintenance. Enrolled 2025-12-26 (ResearchSubject on-study,
// period.start that day); KRd cycles 1-6 from 2026-01-05, every dose as scheduled; serum
// M-protein 2.0 g/dL at baseline (01-02), 0.8 on 02-01 and on 03-01 (-60%: PR, confirmed by the
// second sample); the site reports VGPR on 06-15 (the labs say PR: RESPONSE_DISCORDANT, a
// WARNING); a grade 3 serious neutropenia on 01-15; CD34+ 3.1 x 10^6/kg and an apheresis on
// 06-28; melphalan 07-19, stem cell infusion (day 0) 07-21; lenalidomide maintenance daily from
// 09-01 to 10-14. Judged on the cutoff, 2026-10-15: still on maintenance.
SubjectBuilder SubjectA() {
  SubjectBuilder subject;
  subject.Enrollment("on-study", Date(2025, 12, 26));
  subject.BodySize(kC1D1 - 3);
  subject.Lab("serum_m_protein", kC1D1 - 3, 2.0, "g/dL");
  subject.Reinduction(kC1D1, 6);
  subject.Lab("serum_m_protein", kC1D1 + 27, 0.8, "g/dL");
  subject.Lab("serum_m_protein", kC1D1 + 55, 0.8, "g/dL");
  v1::Event& ae = subject.AdverseEvent("Neutrophil count decreased", 3, kC1D1 + 10);
  ae.mutable_adverse_event_reported()->set_meddra_code("10029366");
  ae.mutable_adverse_event_reported()->set_serious(true);
  subject.Response("VGPR", kC6Last - 6);
  subject.Lab("cd34_per_kg", kC6Last + 7, 3.1, "10*6/kg");
  subject.Harvest(kC6Last + 7);
  subject.Dose("melphalan", Date(2026, 7, 19), 200);
  subject.Transplant(Date(2026, 7, 21));
  subject.Maintenance(Date(2026, 9, 1), Date(2026, 10, 14));
  return subject;
}

// Subject B, a progression from the labs and a withdrawal. Enrolled 2025-12-31; KRd cycles 1-2
// from 2026-01-05 (last dose: dexamethasone cycle 2 day 22, 02-23); serum M-protein 2.0 at
// baseline, 1.0 on 02-01 (-50%: PR, unconfirmed), 1.6 on 02-15 (+60% and +0.6 g/dL from the
// nadir: PD), 1.7 on 03-01 (PD again: confirmed, response date 02-15). A ResearchSubject
// withdrawn, sent 03-02 with period.end 02-27.
SubjectBuilder SubjectB() {
  SubjectBuilder subject;
  subject.Enrollment("on-study", Date(2025, 12, 31));
  subject.BodySize(kC1D1 - 3);
  subject.Lab("serum_m_protein", kC1D1 - 3, 2.0, "g/dL");
  subject.Reinduction(kC1D1, 2);
  subject.Lab("serum_m_protein", kC1D1 + 27, 1.0, "g/dL");
  subject.Lab("serum_m_protein", kC1D1 + 41, 1.6, "g/dL");
  subject.Lab("serum_m_protein", kC1D1 + 55, 1.7, "g/dL");
  v1::Event& withdrawn = subject.Enrollment("withdrawn", kC1D1 + 56);
  withdrawn.mutable_enrollment_changed()->set_enrolled_on("2025-12-31");
  withdrawn.mutable_enrollment_changed()->set_ended_on("2026-02-27");
  return subject;
}

// Subject C, no ResearchSubject, no baseline M-protein, a reported PD and new therapy. Height
// and weight on 2026-01-03 (its first event); KRd cycles 1-2 from 01-05 (last dose 02-23); a
// serum M-protein only after cycle 1 day 1 (02-01: nothing derived, "no baseline"); PD reported
// 02-24 (treatment ends, follow-up starts); pomalidomide (prohibited: new therapy) on 03-16; an
// adverse event with onset 2026-11-01, after the cutoff. Judged on 2026-12-01.
SubjectBuilder SubjectC() {
  SubjectBuilder subject;
  subject.BodySize(kC1D1 - 2);
  subject.Reinduction(kC1D1, 2);
  subject.Lab("serum_m_protein", kC1D1 + 27, 0.8, "g/dL");
  subject.Response("PD", kC1D1 + 50);
  subject.OtherDrug(kAtc, "L04AX06", "pomalidomide", kC1D1 + 70);
  subject.AdverseEvent("Fatigue", 2, Date(2026, 11, 1));
  return subject;
}
const Date kTodayC(2026, 12, 1);

MATCHER_P3(IsAssessment, date, category, confirmed, "") {
  return arg.date == date && arg.category == category && arg.confirmed == confirmed;
}

TEST(CourseFromTimelineTest, FullCourseThroughMaintenance) {
  SubjectBuilder subject = SubjectA();
  const v1::Timeline timeline = TimelineOf(subject, "KRD-001-0001", kCutoff);
  absl::StatusOr<SubjectCourse> course = CourseFromTimeline(timeline, subject.events(), kCutoff);
  ASSERT_TRUE(course.ok()) << course.status();

  EXPECT_EQ(course->subject_id, "KRD-001-0001");
  EXPECT_EQ(course->site_id, "site-a");
  EXPECT_EQ(course->consent, Date(2025, 12, 26));
  EXPECT_EQ(course->consent_source, ConsentSource::kEnrolmentStart);
  EXPECT_EQ(course->first_dose, kC1D1);
  EXPECT_EQ(course->last_dose, kNone);  // on maintenance at the cutoff
  EXPECT_TRUE(course->measurable_disease);
  EXPECT_EQ(course->measurable_disease_reason, "");
  // Derived: PR on 02-01 (unconfirmed as known then); PR confirmed on 03-01, dated 02-01, and
  // 03-01 kept as an assessment; reported: VGPR 06-15.
  EXPECT_THAT(course->assessments,
              ::testing::UnorderedElementsAre(IsAssessment(Date(2026, 2, 1), "PR", false),
                                              IsAssessment(Date(2026, 2, 1), "PR", true),
                                              IsAssessment(Date(2026, 3, 1), "PR", false),
                                              IsAssessment(Date(2026, 6, 15), "VGPR", true)))
      << Describe(timeline);
  int reported = 0;
  for (const auto& a : course->assessments) reported += a.origin == AssessmentOrigin::kReported;
  EXPECT_EQ(reported, 1);
  EXPECT_EQ(course->progression, kNone);
  EXPECT_EQ(course->death, kNone);
  EXPECT_EQ(course->last_known_alive, Date(2026, 10, 14));  // the last maintenance dose
  EXPECT_EQ(course->new_therapy, kNone);
  EXPECT_EQ(course->withdrawal, kNone);
  EXPECT_EQ(course->asct_day0, Date(2026, 7, 21));
  EXPECT_EQ(course->cycle6_end, Date(2026, 6, 21));
  EXPECT_EQ(course->maintenance_start, Date(2026, 9, 1));
  EXPECT_TRUE(course->mobilisation_attempted);
  ASSERT_TRUE(course->cd34_per_kg.has_value());
  EXPECT_DOUBLE_EQ(*course->cd34_per_kg, 3.1);
  ASSERT_EQ(course->adverse_events.size(), 1u);
  const AdverseEventRecord& ae = course->adverse_events[0];
  EXPECT_EQ(ae.onset, Date(2026, 1, 15));
  EXPECT_EQ(ae.term, "Neutrophil count decreased");
  EXPECT_EQ(ae.meddra_code, "10029366");
  EXPECT_EQ(ae.grade, 3);
  EXPECT_TRUE(ae.serious);
  EXPECT_FALSE(ae.led_to_dose_change);
  EXPECT_EQ(course->deviations, 1) << Describe(timeline);  // the discordant VGPR
}

// The study report's way: the timeline built without its event list, the course from the
// events it would list (the history's): the same course as from the full timeline.
TEST(CourseFromTimelineTest, FromTheHistoryWithoutTheEventListTheCourseIsTheSame) {
  const std::vector<std::tuple<SubjectBuilder, std::string, Date>> subjects = {
      {SubjectA(), "KRD-001-0001", kCutoff},
      {SubjectB(), "KRD-001-0002", kCutoff},
      {SubjectC(), "KRD-001-0003", kTodayC}};
  for (auto [subject, id, today] : subjects) {
    SCOPED_TRACE(id);
    const v1::Timeline timeline = TimelineOf(subject, id, today);
    absl::StatusOr<SubjectCourse> expected =
        CourseFromTimeline(timeline, subject.events(), kCutoff);
    ASSERT_TRUE(expected.ok()) << expected.status();

    const std::unique_ptr<schedule::TimelineState> state = schedule::BuildTimelineState(
        schedule::testing::KrdSchedule(), id, store::EventBatch(subject.events()),
        schedule::testing::Noon(today), schedule::SiteCalendar(),
        schedule::testing::KrdClinicalRules().get(), /*list_events=*/false);
    ASSERT_EQ(state->timeline->events_size(), 0);
    std::vector<DatedEvent> current;
    for (const schedule::Dated& dated : state->history.all) {
      current.push_back({dated.event, dated.date});
    }
    absl::StatusOr<SubjectCourse> course = CourseFromTimeline(*state->timeline, current, kCutoff);
    ASSERT_TRUE(course.ok()) << course.status();
    EXPECT_TRUE(*course == *expected);
    EXPECT_EQ(course->consent, expected->consent);
    EXPECT_EQ(course->cd34_per_kg, expected->cd34_per_kg);
    EXPECT_EQ(course->assessments.size(), expected->assessments.size());
  }
}

TEST(CourseFromTimelineTest, ProgressionFromLabsAndWithdrawal) {
  SubjectBuilder subject = SubjectB();
  const v1::Timeline timeline = TimelineOf(subject, "KRD-001-0002", kCutoff);
  absl::StatusOr<SubjectCourse> course = CourseFromTimeline(timeline, subject.events(), kCutoff);
  ASSERT_TRUE(course.ok()) << course.status();

  EXPECT_EQ(course->subject_id, "KRD-001-0002");
  EXPECT_EQ(course->consent, Date(2025, 12, 31));  // the first enrolment event's period.start
  EXPECT_EQ(course->consent_source, ConsentSource::kEnrolmentStart);
  EXPECT_EQ(course->first_dose, kC1D1);
  EXPECT_EQ(course->last_dose, Date(2026, 2, 23));  // withdrawn: treatment is over
  EXPECT_EQ(course->withdrawal, Date(2026, 2, 27));  // period.end, not the event's 03-02
  EXPECT_THAT(course->assessments,
              ::testing::UnorderedElementsAre(IsAssessment(Date(2026, 2, 1), "PR", false),
                                              IsAssessment(Date(2026, 2, 15), "PD", false),
                                              IsAssessment(Date(2026, 2, 15), "PD", true),
                                              IsAssessment(Date(2026, 3, 1), "PD", false)))
      << Describe(timeline);
  EXPECT_EQ(course->progression, Date(2026, 2, 15));  // at the first confirming assessment
  EXPECT_EQ(course->last_known_alive, Date(2026, 3, 2));  // the withdrawal record
  EXPECT_EQ(course->cycle6_end, kNone);
  EXPECT_EQ(course->asct_day0, kNone);
  EXPECT_EQ(course->maintenance_start, kNone);
  EXPECT_FALSE(course->mobilisation_attempted);
  EXPECT_FALSE(course->cd34_per_kg.has_value());
  EXPECT_TRUE(course->adverse_events.empty());
  EXPECT_EQ(course->deviations, 0) << Describe(timeline);
  EXPECT_TRUE(course->measurable_disease);
}

TEST(CourseFromTimelineTest, ReportedProgressionNewTherapyAndStandInConsent) {
  SubjectBuilder subject = SubjectC();
  const v1::Timeline timeline = TimelineOf(subject, "KRD-001-0003", kTodayC);
  absl::StatusOr<SubjectCourse> course = CourseFromTimeline(timeline, subject.events(), kCutoff);
  ASSERT_TRUE(course.ok()) << course.status();

  EXPECT_EQ(course->consent, Date(2026, 1, 3));  // no ResearchSubject: the first event
  EXPECT_EQ(course->consent_source, ConsentSource::kFirstEvent);
  EXPECT_EQ(course->first_dose, kC1D1);
  EXPECT_EQ(course->last_dose, Date(2026, 2, 23));  // follow-up after the reported PD
  EXPECT_THAT(course->assessments,
              ::testing::ElementsAre(IsAssessment(Date(2026, 2, 24), "PD", true)));
  EXPECT_EQ(course->assessments[0].origin, AssessmentOrigin::kReported);
  EXPECT_EQ(course->progression, Date(2026, 2, 24));
  EXPECT_EQ(course->new_therapy, Date(2026, 3, 16));
  // The AE of 11-01 is after the cutoff: the pomalidomide of 03-16 is the last contact by then.
  EXPECT_EQ(course->last_known_alive, Date(2026, 3, 16));
  ASSERT_EQ(course->adverse_events.size(), 1u);
  EXPECT_EQ(course->adverse_events[0].onset, Date(2026, 11, 1));
  EXPECT_EQ(course->adverse_events[0].grade, 2);
  EXPECT_FALSE(course->adverse_events[0].serious);
  EXPECT_EQ(course->withdrawal, kNone);
  EXPECT_FALSE(course->measurable_disease);
  EXPECT_THAT(course->measurable_disease_reason, HasSubstr("no baseline"));
  EXPECT_EQ(course->deviations, 1) << Describe(timeline);  // PROHIBITED_MEDICATION
}

TEST(CourseFromTimelineTest, AnEnrolmentStartAfterTheFirstDoseFallsBackToTheFirstEvent) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1 - 3);
  subject.Reinduction(kC1D1, 1);
  subject.Enrollment("on-study", kC1D1 + 3);  // period.start after cycle 1 day 1
  const v1::Timeline timeline = TimelineOf(subject, "KRD-001-0004", kC1D1 + 20);
  absl::StatusOr<SubjectCourse> course = CourseFromTimeline(timeline, subject.events(), kCutoff);
  ASSERT_TRUE(course.ok()) << course.status();
  EXPECT_EQ(course->consent, kC1D1 - 3);
  EXPECT_EQ(course->consent_source, ConsentSource::kFirstEvent);
}

// A Consent of scope research, active, recorded before the enrolment: the consent date, taken
// as recorded; a proposed one earlier and an entered-in-error one do not count.
TEST(CourseFromTimelineTest, ARecordedActiveConsentIsTheConsentDate) {
  SubjectBuilder subject;
  subject.Consent("proposed", kC1D1 - 30);
  subject.Consent("entered-in-error", kC1D1 - 25);
  subject.Consent("active", kC1D1 - 20);
  subject.Consent("active", kC1D1 - 15);  // a second form (e.g. re-consent): the earliest counts
  subject.Enrollment("on-study", kC1D1 - 10);
  subject.BodySize(kC1D1 - 3);
  subject.Reinduction(kC1D1, 1);
  const v1::Timeline timeline = TimelineOf(subject, "KRD-001-0011", kC1D1 + 20);
  absl::StatusOr<SubjectCourse> course = CourseFromTimeline(timeline, subject.events(), kCutoff);
  ASSERT_TRUE(course.ok()) << course.status();
  EXPECT_EQ(course->consent, kC1D1 - 20);
  EXPECT_EQ(course->consent_source, ConsentSource::kRecorded);
  // Without the active ones, the stand-in: the enrolment start.
  SubjectBuilder unrecorded;
  unrecorded.Consent("proposed", kC1D1 - 30);
  unrecorded.Enrollment("on-study", kC1D1 - 10);
  unrecorded.Reinduction(kC1D1, 1);
  const v1::Timeline other = TimelineOf(unrecorded, "KRD-001-0012", kC1D1 + 20);
  course = CourseFromTimeline(other, unrecorded.events(), kCutoff);
  ASSERT_TRUE(course.ok()) << course.status();
  EXPECT_EQ(course->consent, kC1D1 - 10);
  EXPECT_EQ(course->consent_source, ConsentSource::kEnrolmentStart);
  // Nor is one recorded after the first dose taken: ComputeEndpoints would refuse the course.
  unrecorded.Consent("active", kC1D1 + 3);
  course = CourseFromTimeline(TimelineOf(unrecorded, "KRD-001-0012", kC1D1 + 20),
                              unrecorded.events(), kCutoff);
  ASSERT_TRUE(course.ok()) << course.status();
  EXPECT_EQ(course->consent, kC1D1 - 10);
  EXPECT_EQ(course->consent_source, ConsentSource::kEnrolmentStart);
}

// Death: the earliest of a reported death and a grade 5 AE (at its resolution date when sent,
// else its onset). The death is no contact: last known alive is the last event before it.
TEST(CourseFromTimelineTest, DeathIsTheEarliestOfSubjectDiedAndGradeFiveAdverseEvents) {
  SubjectBuilder subject;
  subject.Enrollment("on-study", kC1D1 - 10);
  subject.Reinduction(kC1D1, 2);
  subject.AdverseEvent("Sepsis", 4, kC1D1 + 30);  // grade 4: not a death
  subject.Death(kC1D1 + 60);
  const v1::Timeline reported = TimelineOf(subject, "KRD-001-0013", kC1D1 + 90);
  absl::StatusOr<SubjectCourse> course = CourseFromTimeline(reported, subject.events(), kCutoff);
  ASSERT_TRUE(course.ok()) << course.status();
  EXPECT_EQ(course->death, kC1D1 + 60);
  // Cycle 2's last dose, dexamethasone day 22; the death is no contact.
  EXPECT_EQ(course->last_known_alive, kC1D1 + 49);
  EXPECT_EQ(course->last_dose, kC1D1 + 49);  // off study after the death: treatment over

  // A grade 5 AE whose onset is earlier: it wins, at its onset.
  v1::Event& fatal = subject.AdverseEvent("Sepsis", 5, kC1D1 + 50);
  course = CourseFromTimeline(TimelineOf(subject, "KRD-001-0013", kC1D1 + 90), subject.events(),
                              kCutoff);
  ASSERT_TRUE(course.ok()) << course.status();
  EXPECT_EQ(course->death, kC1D1 + 50);
  // Its resolution date (the day it was fatal) when sent: 2026-03-01 (C1D1 + 55).
  fatal.mutable_adverse_event_reported()->mutable_resolved()->set_seconds(
      absl::ToUnixSeconds(absl::FromCivil(absl::CivilSecond(kC1D1 + 55), absl::UTCTimeZone())) +
      3600);
  course = CourseFromTimeline(TimelineOf(subject, "KRD-001-0013", kC1D1 + 90), subject.events(),
                              kCutoff);
  ASSERT_TRUE(course.ok()) << course.status();
  EXPECT_EQ(course->death, kC1D1 + 55);
  // A grade 5 AE resolved after the reported death: the reported death is earlier.
  fatal.mutable_adverse_event_reported()->mutable_resolved()->set_seconds(
      absl::ToUnixSeconds(absl::FromCivil(absl::CivilSecond(kC1D1 + 70), absl::UTCTimeZone())));
  course = CourseFromTimeline(TimelineOf(subject, "KRD-001-0013", kC1D1 + 90), subject.events(),
                              kCutoff);
  ASSERT_TRUE(course.ok()) << course.status();
  EXPECT_EQ(course->death, kC1D1 + 60);
}

// A follow-up contact (Encounter finished) after the last dose is the last known alive; a
// planned one is no contact.
TEST(CourseFromTimelineTest, AContactIsTheLastKnownAliveAndAPlannedOneIsNot) {
  SubjectBuilder subject;
  subject.Enrollment("on-study", kC1D1 - 10);
  subject.Reinduction(kC1D1, 1);
  subject.Contact("finished", kC1D1 + 40);
  subject.Contact("planned", kC1D1 + 70);
  const v1::Timeline timeline = TimelineOf(subject, "KRD-001-0014", kC1D1 + 90);
  absl::StatusOr<SubjectCourse> course = CourseFromTimeline(timeline, subject.events(), kCutoff);
  ASSERT_TRUE(course.ok()) << course.status();
  EXPECT_EQ(course->last_known_alive, kC1D1 + 40);
  EXPECT_EQ(course->death, kNone);
}

// No height and weight: each carfilzomib dose of cycle 1 is DOSE_NOT_CHECKED (INFO, not a
// deviation); dexamethasone day 22 reported not done: DOSE_MISSED (WARNING), the one deviation.
TEST(CourseFromTimelineTest, ANotDoneDoseIsNoContactAndStatusesThatDoNotEndParticipation) {
  SubjectBuilder subject;
  subject.Enrollment("on-study", kC1D1 - 1);
  subject.Reinduction(kC1D1, 1, 1.818, {{"dexamethasone", 1, 22}});
  subject.NotDone("dexamethasone", kC1D1 + 21, "fatigue");
  subject.Enrollment("follow-up", kC1D1 + 5);  // still on study
  const v1::Timeline timeline = TimelineOf(subject, "KRD-001-0005", kC1D1 + 25);
  absl::StatusOr<SubjectCourse> course =
      CourseFromTimeline(timeline, subject.events(), kC1D1 + 25);
  ASSERT_TRUE(course.ok()) << course.status();
  EXPECT_EQ(course->last_known_alive, kC1D1 + 20);  // lenalidomide day 21; not the not-done day 22
  EXPECT_EQ(course->withdrawal, kNone);
  EXPECT_EQ(course->last_dose, kNone);  // still in cycle 1
  int info = 0;
  for (const auto& f : timeline.findings()) info += f.finding().severity() == v1::Finding::INFO;
  EXPECT_EQ(info, 6) << Describe(timeline);
  EXPECT_EQ(course->deviations, 1) << Describe(timeline);
}

// KRd cycles 1-6 and an apheresis during cycle 4 without a CD34+ result: mobilisation attempted,
// the count missing (not 0). Cycle 6 ends on 2026-06-21: while it runs it has only a planned end.
TEST(CourseFromTimelineTest, CycleSixEndsOnlyWhenOverAndAHarvestWithoutCountIsMissing) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1 - 3);
  subject.Reinduction(kC1D1, 6);
  subject.Harvest(kC1D1 + 100);
  const v1::Timeline running = TimelineOf(subject, "KRD-001-0006", kC6Last - 3);
  absl::StatusOr<SubjectCourse> course = CourseFromTimeline(running, subject.events(), kCutoff);
  ASSERT_TRUE(course.ok()) << course.status();
  EXPECT_EQ(course->cycle6_end, kNone);
  EXPECT_TRUE(course->mobilisation_attempted);
  EXPECT_FALSE(course->cd34_per_kg.has_value());
  EXPECT_EQ(course->asct_day0, kNone);
  EXPECT_EQ(course->maintenance_start, kNone);

  const v1::Timeline over = TimelineOf(subject, "KRD-001-0006", kC6Last + 1);
  course = CourseFromTimeline(over, subject.events(), kCutoff);
  ASSERT_TRUE(course.ok()) << course.status();
  EXPECT_EQ(course->cycle6_end, Date(2026, 6, 21));
}

TEST(CourseFromTimelineTest, ATimelineWithoutEventsHasNoConsentStandIn) {
  v1::Timeline timeline;
  timeline.set_subject_id("KRD-001-0009");
  absl::StatusOr<SubjectCourse> course =
      CourseFromTimeline(timeline, std::span<const v1::Event>(), kCutoff);
  EXPECT_EQ(course.status().code(), absl::StatusCode::kFailedPrecondition);
}

// End to end: the three courses through the shipped endpoints at the cutoff (2026-10-15).
// PFS (treated; days = end - consent + 1):
//   A: no PD, no new therapy, no withdrawal: censored at the last adequate assessment, the
//      reported VGPR of 2026-06-15: 2025-12-26 .. 2026-06-15 = 171 + 1 = 172 days, no_event.
//   B: confirmed PD dated 2026-02-15, before the withdrawal (02-27): event,
//      2025-12-31 .. 2026-02-15 = 46 + 1 = 47 days.
//   C: reported PD 2026-02-24, before the new therapy (03-16): event,
//      2026-01-03 .. 2026-02-24 = 52 + 1 = 53 days.
TEST(CourseFromTimelineTest, CoursesGiveTheHandWorkedPfs) {
  SubjectBuilder a = SubjectA(), b = SubjectB(), c = SubjectC();
  std::vector<SubjectCourse> courses;
  for (auto [subject, id, today] :
       {std::tuple{&a, "KRD-001-0001", kCutoff}, std::tuple{&b, "KRD-001-0002", kCutoff},
        std::tuple{&c, "KRD-001-0003", kTodayC}}) {
    absl::StatusOr<SubjectCourse> course =
        CourseFromTimeline(TimelineOf(*subject, id, today), subject->events(), kCutoff);
    ASSERT_TRUE(course.ok()) << course.status();
    courses.push_back(*std::move(course));
  }
  absl::StatusOr<EndpointReport> report =
      ComputeEndpoints(testing::ShippedDefinitions(), courses, kCutoff);
  ASSERT_TRUE(report.ok()) << report.status();
  const TimeToEventResult* pfs = nullptr;
  for (const auto& result : report->time_to_event) {
    if (result.id == "pfs") pfs = &result;
  }
  ASSERT_NE(pfs, nullptr);
  EXPECT_EQ(pfs->n, 3);
  EXPECT_EQ(pfs->events, 2);
  ASSERT_EQ(pfs->subjects.size(), 3u);
  std::map<std::string, const SubjectTime*> by_id;
  for (const SubjectTime& s : pfs->subjects) by_id[s.subject_id] = &s;
  ASSERT_EQ(by_id.size(), 3u);
  EXPECT_FALSE(by_id["KRD-001-0001"]->event);
  EXPECT_EQ(by_id["KRD-001-0001"]->end, Date(2026, 6, 15));
  EXPECT_DOUBLE_EQ(by_id["KRD-001-0001"]->days, 172);
  EXPECT_EQ(by_id["KRD-001-0001"]->reason, "no_event");
  EXPECT_TRUE(by_id["KRD-001-0002"]->event);
  EXPECT_DOUBLE_EQ(by_id["KRD-001-0002"]->days, 47);
  EXPECT_TRUE(by_id["KRD-001-0003"]->event);
  EXPECT_DOUBLE_EQ(by_id["KRD-001-0003"]->days, 53);
  // The TEAE table reads the courses' AEs: A's neutropenia is treatment-emergent (grade 3,
  // serious); C's fatigue is after the cutoff and not counted.
  ASSERT_FALSE(report->adverse_events.tables.empty());
  EXPECT_EQ(report->adverse_events.tables[0].phase, "any");
  EXPECT_EQ(report->adverse_events.tables[0].events, 1);
  EXPECT_EQ(report->adverse_events.tables[0].subjects_serious, 1);
}

// Cycle 1 with a grade 2 fatigue on day 4 and carfilzomib at 20 instead of 27 mg/m2 on days 15
// and 16 (a dose reduction); with `neutropenia`, a grade 3 neutropenia on day 11 before it.
// Judged on cycle 1 day 28.
struct ReducedCourse {
  v1::Timeline timeline;
  absl::StatusOr<SubjectCourse> course;
};
ReducedCourse ReducedCarfilzomib(const std::string& id, bool neutropenia) {
  SubjectBuilder subject;
  subject.Enrollment("on-study", kC1D1 - 7);
  subject.BodySize(kC1D1);
  subject.Reinduction(kC1D1, 1, 1.818, {{"carfilzomib", 1, 15}, {"carfilzomib", 1, 16}});
  subject.AdverseEvent("Fatigue", 2, kC1D1 + 3);
  if (neutropenia) subject.AdverseEvent("Neutrophil count decreased", 3, kC1D1 + 10);
  subject.Dose("carfilzomib", kC1D1 + 14, 20 * 1.818);
  subject.Dose("carfilzomib", kC1D1 + 15, 20 * 1.818);
  ReducedCourse out{TimelineOf(subject, id, kC1D1 + 27), SubjectCourse{}};
  out.course = CourseFromTimeline(out.timeline, subject.events(), kC1D1 + 27);
  return out;
}

// The neutropenia, within the look-back before the reduction, led to a dose change; the grade 2
// fatigue (below the qualifying grade) did not. The TEAE table counts the subject once under
// "with a dose change".
TEST(CourseFromTimelineTest, TheToxicityADoseReductionFollowsLedToADoseChange) {
  const auto [timeline, course] = ReducedCarfilzomib("KRD-001-0009", true);
  ASSERT_TRUE(course.ok()) << course.status();

  std::map<std::string, bool> led_to_dose_change;
  for (const AdverseEventRecord& ae : course->adverse_events) {
    led_to_dose_change[ae.term] = ae.led_to_dose_change;
  }
  EXPECT_THAT(led_to_dose_change,
              ::testing::ElementsAre(::testing::Pair("Fatigue", false),
                                     ::testing::Pair("Neutrophil count decreased", true)))
      << Describe(timeline);

  absl::StatusOr<EndpointReport> report = ComputeEndpoints(
      testing::ShippedDefinitions(), std::vector<SubjectCourse>{*course}, kC1D1 + 27);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_FALSE(report->adverse_events.tables.empty());
  EXPECT_EQ(report->adverse_events.tables[0].phase, "any");
  EXPECT_EQ(report->adverse_events.tables[0].subjects_with_teae, 1);
  EXPECT_EQ(report->adverse_events.tables[0].subjects_dose_change, 1);
}

// A reduction without a qualifying toxicity before it names no cause: no AE led to it.
TEST(CourseFromTimelineTest, AnUnexplainedReductionIsNoAdverseEventsDoseChange) {
  const auto [timeline, course] = ReducedCarfilzomib("KRD-001-0010", false);
  ASSERT_TRUE(course.ok()) << course.status();
  ASSERT_EQ(course->adverse_events.size(), 1u);
  EXPECT_FALSE(course->adverse_events[0].led_to_dose_change) << Describe(timeline);
}

}  // namespace
}  // namespace trialgate::endpoints
