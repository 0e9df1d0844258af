// The schedule engine on hand-built subjects: a full protocol without deviation, one test per
// finding code that triggers exactly that finding, and arrival order not mattering.
#include "gateway/schedule/timeline.h"

#include <algorithm>
#include <map>
#include <random>

#include "fhir-profiles/embedded.h"
#include "gateway/schedule/bsa.h"
#include "gateway/schedule/finding_codes.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "mappers/study.h"
#include "tests/schedule/subject_builder.h"

namespace trialgate::schedule {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::Build;
using testing::Codes;
using testing::PhaseOf;
using testing::SubjectBuilder;

const Date kC1D1(2026, 1, 5);
const Date kC6Last = kC1D1 + (5 * 28 + 27);  // 2026-06-21
const Date kMaintenanceStart(2026, 9, 1);
const Date kMaintenanceEnd(2028, 2, 29);      // 18 months from 2026-09-01, minus a day
const Date kFollowUpEnd(2031, 2, 28);

std::string Describe(const v1::Timeline& timeline) {
  std::string text;
  for (const auto& finding : timeline.findings()) {
    text += finding.date() + " " + finding.finding().code() + ": " + finding.finding().text() + "\n";
  }
  return text;
}

// Re-induction, response gate, harvest, ASCT, maintenance: every step as the protocol says.
void ThroughMaintenance(SubjectBuilder& subject) {
  subject.BodySize(kC1D1 - 3);
  subject.Reinduction(kC1D1, 6);
  subject.Response("VGPR", kC6Last - 6);
  for (Date date = kC6Last + 3; date <= kC6Last + 6; ++date) subject.Dose("filgrastim", date, 0.48);
  subject.Dose("plerixafor", kC6Last + 6, 24);
  subject.Lab("cd34_per_kg", kC6Last + 7, 3.1, "10*6/kg");
  subject.Harvest(kC6Last + 7);
  subject.Dose("melphalan", Date(2026, 7, 19), 200);
  subject.Transplant(Date(2026, 7, 21));
  subject.Maintenance(kMaintenanceStart, kMaintenanceEnd);
}

TEST(TimelineTest, FullSubjectThroughEveryPhaseWithoutDeviationHasNoFindings) {
  SubjectBuilder subject;
  ThroughMaintenance(subject);
  for (int n = 1; n <= 12; ++n) {  // a follow-up visit every 3 months
    subject.Response("VGPR", AddMonths(kMaintenanceEnd + 1, 3 * n));
  }
  const v1::Timeline timeline = Build(subject.events(), Date(2031, 3, 10));

  EXPECT_THAT(Codes(timeline), IsEmpty()) << Describe(timeline);
  EXPECT_EQ(timeline.current_phase(), "off_study");
  const auto& reinduction = PhaseOf(timeline, "reinduction");
  EXPECT_EQ(reinduction.status(), "completed");
  EXPECT_EQ(reinduction.start_date(), "2026-01-05");
  EXPECT_EQ(reinduction.end_date(), "2026-06-21");
  ASSERT_EQ(reinduction.cycles_size(), 6);
  EXPECT_EQ(reinduction.cycles(5).day1_date(), "2026-05-25");
  EXPECT_EQ(reinduction.cycles(0).doses_size(), 6 + 21 + 4);
  for (const auto& dose : reinduction.cycles(0).doses()) EXPECT_EQ(dose.status(), "given");
  const auto& c1d1_k = reinduction.cycles(0).doses(0);
  EXPECT_EQ(c1d1_k.agent(), "carfilzomib");
  EXPECT_DOUBLE_EQ(c1d1_k.expected(), 27);
  EXPECT_EQ(c1d1_k.expected_unit(), "mg/m2");
  EXPECT_NEAR(c1d1_k.bsa_m2(), 1.818, 0.001);
  EXPECT_NEAR(c1d1_k.expected_mg(), 49.09, 0.01);

  const auto& gate = PhaseOf(timeline, "response_gate");
  EXPECT_EQ(gate.status(), "met");
  EXPECT_EQ(gate.response(), "VGPR");
  const auto& harvest = PhaseOf(timeline, "mobilisation");
  EXPECT_EQ(harvest.status(), "completed");
  EXPECT_TRUE(harvest.harvest_success());
  EXPECT_DOUBLE_EQ(harvest.cd34_per_kg(), 3.1);
  EXPECT_EQ(harvest.doses_size(), 5);
  const auto& asct = PhaseOf(timeline, "asct");
  EXPECT_EQ(asct.start_date(), "2026-07-19");
  EXPECT_EQ(asct.day0_date(), "2026-07-21");
  EXPECT_EQ(asct.end_date(), "2026-08-31");
  const auto& maintenance = PhaseOf(timeline, "maintenance");
  EXPECT_EQ(maintenance.status(), "completed");
  EXPECT_EQ(maintenance.end_date(), "2028-02-29");
  EXPECT_EQ(maintenance.cycles_size(), 20);
  const auto& follow_up = PhaseOf(timeline, "follow_up");
  EXPECT_EQ(follow_up.start_date(), "2028-03-01");
  EXPECT_EQ(follow_up.end_date(), "2031-02-28");
  ASSERT_EQ(follow_up.visits_size(), 12);
  for (const auto& visit : follow_up.visits()) EXPECT_TRUE(visit.seen()) << visit.due_date();
  EXPECT_EQ(PhaseOf(timeline, "off_study").start_date(), "2031-03-01");

  // Every event is placed: the body size before the first dose, the response in cycle 6, the
  // transplant on the transplant phase's third day.
  std::map<std::string, v1::Position> positions;
  for (const auto& event : timeline.events()) positions[event.kind() + " " + event.date()] = event.position();
  EXPECT_EQ(timeline.events_size(), static_cast<int>(subject.events().size()));
  EXPECT_EQ(positions["lab_result 2026-01-02"].phase(), "pre_treatment");
  const v1::Position& response = positions["response_assessed 2026-06-15"];
  EXPECT_EQ(response.phase(), "reinduction");
  EXPECT_EQ(response.cycle(), 6);
  EXPECT_EQ(response.day(), 22);
  const v1::Position& transplant = positions["transplant_performed 2026-07-21"];
  EXPECT_EQ(transplant.phase(), "asct");
  EXPECT_EQ(transplant.day(), 3);
  EXPECT_EQ(positions["lab_result 2026-06-28"].phase(), "mobilisation");
}

TEST(TimelineTest, CurrentPhaseAndPendingDosesMidCycle) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1);
  subject.Reinduction(kC1D1, 1);
  // Cycle 2 day 1 only; today is its day 1.
  subject.Dose("carfilzomib", kC1D1 + 28, 49);
  const v1::Timeline timeline = Build(subject.events(), kC1D1 + 28);
  EXPECT_THAT(Codes(timeline), IsEmpty()) << Describe(timeline);
  EXPECT_EQ(timeline.current_phase(), "reinduction");
  const auto& cycle2 = PhaseOf(timeline, "reinduction").cycles(1);
  EXPECT_EQ(cycle2.due_date(), cycle2.day1_date());
  int pending = 0;
  for (const auto& dose : cycle2.doses()) pending += dose.status() == "pending";
  EXPECT_EQ(pending, 6 + 21 + 4 - 1);
}

TEST(TimelineTest, AgentNotInRegimen) {
  SubjectBuilder subject;
  ThroughMaintenance(subject);
  subject.Dose("dexamethasone", Date(2027, 1, 10), 40);
  const v1::Timeline timeline = Build(subject.events(), Date(2027, 1, 11));
  ASSERT_THAT(Codes(timeline), ElementsAre(kAgentNotInRegimen)) << Describe(timeline);
  const auto& finding = timeline.findings(0);
  EXPECT_EQ(finding.finding().severity(), v1::Finding::MAJOR);
  EXPECT_EQ(finding.position().phase(), "maintenance");
  EXPECT_THAT(finding.finding().text(),
              HasSubstr("Dexamethasone was given on 2027-01-10 during Lenalidomide maintenance"));
  EXPECT_FALSE(finding.event_id().empty());
}

TEST(TimelineTest, DayNotScheduledForLenalidomideOnDay24) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1);
  subject.Reinduction(kC1D1, 1);
  subject.Dose("lenalidomide", kC1D1 + 23, 25);
  const v1::Timeline timeline = Build(subject.events(), kC1D1 + 27);
  ASSERT_THAT(Codes(timeline), ElementsAre(kDayNotScheduled)) << Describe(timeline);
  const auto& finding = timeline.findings(0);
  EXPECT_EQ(finding.position().cycle(), 1);
  EXPECT_EQ(finding.position().day(), 24);
  EXPECT_EQ(finding.finding().text(),
            "Lenalidomide was given on cycle 1 day 24 (2026-01-28); in Re-induction (KRd) it is "
            "scheduled on days 1-21.");
  EXPECT_EQ(finding.finding().rule(),
            "schedule.json phases[reinduction].regimen[lenalidomide].days");
}

TEST(TimelineTest, DayNotScheduledForDexamethasoneOnDay19) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1);
  subject.Reinduction(kC1D1, 1);
  subject.Dose("dexamethasone", kC1D1 + 18, 40);
  const v1::Timeline timeline = Build(subject.events(), kC1D1 + 27);
  ASSERT_THAT(Codes(timeline), ElementsAre(kDayNotScheduled)) << Describe(timeline);
  EXPECT_THAT(timeline.findings(0).finding().text(), HasSubstr("days 1, 8, 15, 22"));
}

TEST(TimelineTest, DoseOutOfToleranceAboveIsCritical) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1);
  subject.Reinduction(kC1D1, 1, 1.818, {{"carfilzomib", 1, 8}});
  subject.Dose("carfilzomib", kC1D1 + 7, 60);
  const v1::Timeline timeline = Build(subject.events(), kC1D1 + 27);
  ASSERT_THAT(Codes(timeline), ElementsAre(kDoseOutOfTolerance)) << Describe(timeline);
  const auto& finding = timeline.findings(0).finding();
  EXPECT_EQ(finding.severity(), v1::Finding::CRITICAL);
  EXPECT_EQ(finding.text(),
            "Carfilzomib 60 mg (33 mg/m2 at BSA 1.82 m2) on cycle 1 day 8 (2026-01-12) is 22% "
            "above the expected 49.09 mg (27 mg/m2 x BSA 1.82 m2); the protocol allows 10%.");
}

TEST(TimelineTest, DoseOutOfToleranceBelowIsMajor) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1);
  subject.Reinduction(kC1D1, 1, 1.818, {{"dexamethasone", 1, 8}});
  subject.Dose("dexamethasone", kC1D1 + 7, 30);
  const v1::Timeline timeline = Build(subject.events(), kC1D1 + 27);
  ASSERT_THAT(Codes(timeline), ElementsAre(kDoseOutOfTolerance)) << Describe(timeline);
  EXPECT_EQ(timeline.findings(0).finding().severity(), v1::Finding::MAJOR);
}

TEST(TimelineTest, ToleranceIsTenPercent) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1);
  subject.Reinduction(kC1D1, 1, 1.818, {{"lenalidomide", 1, 2}, {"lenalidomide", 1, 3}});
  subject.Dose("lenalidomide", kC1D1 + 1, 27.5);   // +10%: within
  subject.Dose("lenalidomide", kC1D1 + 2, 27.6);   // +10.4%: out
  const v1::Timeline timeline = Build(subject.events(), kC1D1 + 27);
  ASSERT_THAT(Codes(timeline), ElementsAre(kDoseOutOfTolerance)) << Describe(timeline);
  EXPECT_EQ(timeline.findings(0).position().day(), 3);
}

TEST(TimelineTest, DoseReducedWithoutToxicityIsAWarningOnceThenTheLevelHolds) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1);
  subject.Reinduction(kC1D1, 1);
  subject.Reinduction(kC1D1 + 28, 1, 1.818, {});
  // Rebuild cycle 2 lenalidomide at 15 mg: drop the 25 mg doses of cycle 2 first.
  auto& events = subject.events();
  events.erase(std::remove_if(events.begin(), events.end(),
                              [](const v1::Event& e) {
                                return e.dose_administered().agent() == "lenalidomide" &&
                                       e.occurred_at_fhir() >= "2026-02-02";
                              }),
               events.end());
  for (int day = 0; day < 21; ++day) subject.Dose("lenalidomide", kC1D1 + 28 + day, 15);
  const v1::Timeline timeline = Build(subject.events(), kC1D1 + 55);
  ASSERT_THAT(Codes(timeline), ElementsAre(kDoseReduced)) << Describe(timeline);
  const auto& finding = timeline.findings(0);
  EXPECT_EQ(finding.finding().severity(), v1::Finding::WARNING);
  EXPECT_EQ(finding.position().cycle(), 2);
  EXPECT_EQ(finding.position().day(), 1);
  EXPECT_THAT(finding.finding().text(), HasSubstr("please document the reason"));
  EXPECT_EQ(finding.finding().cause_event_id(), "");
  // Later slots expect the reduced level.
  EXPECT_DOUBLE_EQ(PhaseOf(timeline, "reinduction").cycles(1).doses(4).expected(), 15);
}

TEST(TimelineTest, DoseReducedAfterAQualifyingToxicityIsInformation) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1);
  subject.Reinduction(kC1D1, 1, 1.818, {{"carfilzomib", 1, 15}, {"carfilzomib", 1, 16}});
  const v1::Event ae = subject.AdverseEvent("Neutrophil count decreased", 3, kC1D1 + 10);
  subject.Dose("carfilzomib", kC1D1 + 14, 20 * 1.818);
  subject.Dose("carfilzomib", kC1D1 + 15, 20 * 1.818);
  const v1::Timeline timeline = Build(subject.events(), kC1D1 + 27);
  ASSERT_THAT(Codes(timeline), ElementsAre(kDoseReduced)) << Describe(timeline);
  EXPECT_EQ(timeline.findings(0).finding().severity(), v1::Finding::INFO);
  EXPECT_THAT(timeline.findings(0).finding().text(),
              HasSubstr("It follows Neutrophil count decreased grade 3 on 2026-01-15"));
  EXPECT_EQ(timeline.findings(0).finding().cause_event_id(), ae.event_id());
}

TEST(TimelineTest, CarfilzomibAtTheLabelsStartingDoseOnCycle1Day1IsAReductionInThisStudy) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1);
  subject.Reinduction(kC1D1, 1, 1.818, {{"carfilzomib", 1, 1}, {"carfilzomib", 1, 2}});
  subject.DosePerM2("carfilzomib", kC1D1, 20);
  subject.DosePerM2("carfilzomib", kC1D1 + 1, 20);
  const v1::Timeline timeline = Build(subject.events(), kC1D1 + 27);
  // Day 1 steps down; day 8 at 27 is the re-escalation the label foresees.
  ASSERT_THAT(Codes(timeline), ElementsAre(kDoseReduced)) << Describe(timeline);
}

TEST(TimelineTest, WrongPhaseForMaintenanceLenalidomideBeforeTheTransplant) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1 - 3);
  subject.Reinduction(kC1D1, 6);
  subject.Response("PR", kC6Last - 6);
  subject.Dose("lenalidomide", kC6Last + 10, 10);
  const v1::Timeline timeline = Build(subject.events(), kC6Last + 12);
  ASSERT_THAT(Codes(timeline), ElementsAre(kWrongPhase)) << Describe(timeline);
  EXPECT_EQ(timeline.findings(0).position().phase(), "mobilisation");
  EXPECT_THAT(timeline.findings(0).finding().text(),
              HasSubstr("it belongs to Lenalidomide maintenance, which has not started"));
  EXPECT_EQ(timeline.current_phase(), "mobilisation");
}

TEST(TimelineTest, WrongPhaseForATransplantWithoutAResponseOfPartialOrBetter) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1 - 3);
  subject.Reinduction(kC1D1, 6);
  subject.Response("SD", kC6Last - 6);
  subject.Dose("melphalan", Date(2026, 7, 19), 200);
  subject.Transplant(Date(2026, 7, 21));
  const v1::Timeline timeline = Build(subject.events(), Date(2026, 7, 25));
  ASSERT_THAT(Codes(timeline), ElementsAre(kWrongPhase)) << Describe(timeline);
  EXPECT_EQ(timeline.findings(0).finding().text(),
            "2nd ASCT started on 2026-07-19 without a documented response of PR or better "
            "(Response gate).");
  EXPECT_EQ(PhaseOf(timeline, "response_gate").status(), "not-met");
  EXPECT_EQ(PhaseOf(timeline, "response_gate").response(), "SD");
}

TEST(TimelineTest, CycleDelayedBeyondTheWindow) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1);
  subject.Reinduction(kC1D1, 1);
  subject.Reinduction(kC1D1 + 28 + 5, 1);
  const v1::Timeline timeline = Build(subject.events(), kC1D1 + 28 + 5 + 27);
  ASSERT_THAT(Codes(timeline), ElementsAre(kCycleDelayed)) << Describe(timeline);
  EXPECT_EQ(timeline.findings(0).finding().text(),
            "Re-induction (KRd) cycle 2 started on 2026-02-07, 5 days after it was due "
            "(2026-02-02); the window is 3 days.");
  EXPECT_EQ(PhaseOf(timeline, "reinduction").cycles(1).delay_days(), 5);
}

TEST(TimelineTest, CycleDelayWithinTheWindowIsNoFinding) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1);
  subject.Reinduction(kC1D1, 1);
  subject.Reinduction(kC1D1 + 28 + 3, 1);
  EXPECT_THAT(Codes(Build(subject.events(), kC1D1 + 28 + 3 + 27)), IsEmpty());
}

TEST(TimelineTest, CycleDelayedIsFoundAsTimePassesWithoutTheNextCycle) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1);
  subject.Reinduction(kC1D1, 1);
  EXPECT_THAT(Codes(Build(subject.events(), kC1D1 + 28 + 3)), IsEmpty());
  const v1::Timeline late = Build(subject.events(), kC1D1 + 28 + 4);
  ASSERT_THAT(Codes(late), ElementsAre(kCycleDelayed)) << Describe(late);
  EXPECT_THAT(late.findings(0).finding().text(), HasSubstr("cycle 2 was due on 2026-02-02"));
  EXPECT_TRUE(late.findings(0).event_id().empty());
}

TEST(TimelineTest, DoseMissedOnceItsDayHasPassed) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1);
  subject.Reinduction(kC1D1, 1, 1.818, {{"carfilzomib", 1, 15}});
  EXPECT_THAT(Codes(Build(subject.events(), kC1D1 + 14)), IsEmpty());
  const v1::Timeline timeline = Build(subject.events(), kC1D1 + 15);
  ASSERT_THAT(Codes(timeline), ElementsAre(kDoseMissed)) << Describe(timeline);
  const auto& finding = timeline.findings(0);
  EXPECT_EQ(finding.finding().severity(), v1::Finding::MAJOR);
  EXPECT_EQ(finding.finding().text(),
            "Carfilzomib due on cycle 1 day 15 (2026-01-19) has not been reported as given.");
  EXPECT_EQ(finding.key(), "DOSE_MISSED|reinduction/c1/d15/carfilzomib|MAJOR");
}

TEST(TimelineTest, DoseMissedReportedNotDoneIsAWarningWithTheReason) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1);
  subject.Reinduction(kC1D1, 1, 1.818, {{"carfilzomib", 1, 15}});
  subject.NotDone("carfilzomib", kC1D1 + 14, "platelets 22 x10^9/L");
  const v1::Timeline timeline = Build(subject.events(), kC1D1 + 27);
  ASSERT_THAT(Codes(timeline), ElementsAre(kDoseMissed)) << Describe(timeline);
  EXPECT_EQ(timeline.findings(0).finding().severity(), v1::Finding::WARNING);
  EXPECT_THAT(timeline.findings(0).finding().text(),
              HasSubstr("was reported as not given: platelets 22 x10^9/L"));
  EXPECT_FALSE(timeline.findings(0).event_id().empty());
}

TEST(TimelineTest, DoseNotCheckedWithoutHeightAndWeight) {
  SubjectBuilder subject;
  subject.Reinduction(kC1D1, 1);
  subject.BodySize(kC1D1 + 1);  // measured after day 1: day 1's dose cannot be checked
  const v1::Timeline timeline = Build(subject.events(), kC1D1 + 27);
  ASSERT_THAT(Codes(timeline), ElementsAre(kDoseNotChecked)) << Describe(timeline);
  EXPECT_EQ(timeline.findings(0).finding().severity(), v1::Finding::INFO);
}

TEST(TimelineTest, BodySurfaceAreaIsCappedForCarfilzomib) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1, 200, 130);  // Mosteller 2.69 m2, dosed as 2.2
  subject.Reinduction(kC1D1, 1, 2.2);
  const v1::Timeline timeline = Build(subject.events(), kC1D1 + 27);
  EXPECT_THAT(Codes(timeline), IsEmpty()) << Describe(timeline);
  EXPECT_DOUBLE_EQ(PhaseOf(timeline, "reinduction").cycles(0).doses(0).bsa_m2(), 2.2);

  SubjectBuilder uncapped;
  uncapped.BodySize(kC1D1, 200, 130);
  uncapped.Reinduction(kC1D1, 1, MostellerBsa(200, 130));
  const v1::Timeline over = Build(uncapped.events(), kC1D1 + 27);
  EXPECT_EQ(Codes(over).size(), 6u) << Describe(over);
  for (const auto& code : Codes(over)) EXPECT_EQ(code, kDoseOutOfTolerance);
  EXPECT_THAT(over.findings(0).finding().text(), HasSubstr("x BSA 2.2 m2, capped"));
}

TEST(TimelineTest, LatestWeightOnOrBeforeTheDoseIsUsed) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1);
  subject.Reinduction(kC1D1, 1, 1.818,
                      {{"carfilzomib", 1, 8}, {"carfilzomib", 1, 9}, {"carfilzomib", 1, 15},
                       {"carfilzomib", 1, 16}});
  subject.Lab("body_weight", kC1D1 + 7, 90, "kg");  // BSA 2.06 from day 8
  for (int day : {8, 9, 15, 16}) {
    subject.Dose("carfilzomib", kC1D1 + (day - 1), 27 * MostellerBsa(170, 90));
  }
  const v1::Timeline timeline = Build(subject.events(), kC1D1 + 27);
  EXPECT_THAT(Codes(timeline), IsEmpty()) << Describe(timeline);
}

TEST(TimelineTest, ProgressionEndsTreatmentAndStartsFollowUp) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1);
  subject.Reinduction(kC1D1, 2);
  subject.Response("PD", kC1D1 + 50);
  const v1::Timeline timeline = Build(subject.events(), kC1D1 + 120);
  EXPECT_THAT(Codes(timeline), IsEmpty()) << Describe(timeline);
  EXPECT_EQ(PhaseOf(timeline, "reinduction").status(), "discontinued");
  EXPECT_EQ(PhaseOf(timeline, "follow_up").start_date(), "2026-02-25");
  EXPECT_EQ(timeline.current_phase(), "follow_up");
}

TEST(TimelineTest, OffStudyStatusEndsEverything) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1);
  subject.Reinduction(kC1D1, 1);
  subject.Enrollment("withdrawn", kC1D1 + 20);
  const v1::Timeline timeline = Build(subject.events(), kC1D1 + 60);
  EXPECT_EQ(timeline.current_phase(), "off_study");
  EXPECT_EQ(PhaseOf(timeline, "reinduction").end_date(), "2026-01-24");
  // The doses given after withdrawal are not in any regimen.
  for (const auto& code : Codes(timeline)) EXPECT_EQ(code, kAgentNotInRegimen);
}

// A death on cycle 1 day 10: the doses of that day are still expected (the carfilzomib of day 9
// was missed and is flagged), nothing after it is; the subject is off study from day 11.
TEST(TimelineTest, ADeathEndsTheCourseNothingIsMissedAfterIt) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1);
  subject.Reinduction(kC1D1, 1, 1.818, {{"carfilzomib", 1, 9}});
  // The doses after the death day were never given: remove them.
  std::erase_if(subject.events(), [](const v1::Event& event) {
    return event.has_dose_administered() && event.occurred_at_fhir() > "2026-01-14";
  });
  const v1::Event& death = subject.Death(kC1D1 + 9);
  const v1::Timeline timeline = Build(subject.events(), kC1D1 + 120);
  ASSERT_THAT(Codes(timeline), ElementsAre(kDoseMissed)) << Describe(timeline);
  EXPECT_EQ(timeline.findings(0).date(), "2026-01-13");
  EXPECT_EQ(timeline.current_phase(), "off_study");
  EXPECT_EQ(PhaseOf(timeline, "off_study").start_date(), "2026-01-15");
  EXPECT_EQ(PhaseOf(timeline, "reinduction").end_date(), "2026-01-14");
  EXPECT_EQ(PhaseOf(timeline, "reinduction").status(), "discontinued");
  EXPECT_EQ(PhaseOf(timeline, "follow_up").visits_size(), 0);
  bool listed = false;
  for (const v1::TimelineEvent& event : timeline.events()) {
    if (event.event_id() != death.event_id()) continue;
    listed = true;
    EXPECT_EQ(event.kind(), "subject_died");
    EXPECT_EQ(event.date(), "2026-01-14");
  }
  EXPECT_TRUE(listed);
  // Without the death the same course misses every later dose and cycle.
  std::vector<v1::Event> alive = subject.events();
  alive.pop_back();
  EXPECT_GT(Codes(Build(alive, kC1D1 + 120)).size(), 10u);
}

// A grade 5 adverse event (CTCAE v5.0: death related to it) ends the course as a reported death
// does: on the day its outcome was fatal (its resolution, cycle 1 day 10 here, though its onset
// was day 6), else on its onset; a grade 4 does not.
TEST(TimelineTest, AGrade5AdverseEventEndsTheCourseOnTheDayItsOutcomeWasFatal) {
  auto course = [](int grade, bool resolved) {
    SubjectBuilder subject;
    subject.BodySize(kC1D1);
    subject.Reinduction(kC1D1, 1, 1.818, {{"carfilzomib", 1, 9}});
    const std::string last_day = resolved ? "2026-01-14" : "2026-01-10";
    std::erase_if(subject.events(), [&](const v1::Event& event) {
      return event.has_dose_administered() && event.occurred_at_fhir() > last_day;
    });
    v1::Event& sepsis = subject.AdverseEvent("Sepsis", grade, kC1D1 + 5);
    if (resolved) {
      sepsis.mutable_adverse_event_reported()->mutable_resolved()->set_seconds(
          absl::ToUnixSeconds(absl::FromCivil(absl::CivilSecond(2026, 1, 14, 18, 0, 0),
                                              absl::UTCTimeZone())));
    }
    return Build(subject.events(), kC1D1 + 120);
  };
  const v1::Timeline resolved = course(5, true);
  ASSERT_THAT(Codes(resolved), ElementsAre(kDoseMissed)) << Describe(resolved);  // day 9
  EXPECT_EQ(resolved.current_phase(), "off_study");
  EXPECT_EQ(PhaseOf(resolved, "off_study").start_date(), "2026-01-15");
  EXPECT_EQ(PhaseOf(resolved, "reinduction").end_date(), "2026-01-14");
  EXPECT_EQ(PhaseOf(resolved, "reinduction").status(), "discontinued");

  const v1::Timeline at_onset = course(5, false);
  EXPECT_THAT(Codes(at_onset), IsEmpty()) << Describe(at_onset);  // day 9 came after it
  EXPECT_EQ(PhaseOf(at_onset, "off_study").start_date(), "2026-01-11");

  // The same course with a grade 4: every later dose and cycle is missed.
  EXPECT_GT(Codes(course(4, true)).size(), 10u);
}

// A death during follow-up: the visits due after it are not listed; a visit is seen through a
// contact (Encounter) in its window, not through the death.
TEST(TimelineTest, FollowUpVisitsAreSeenByContactsAndEndAtADeath) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1);
  subject.Reinduction(kC1D1, 2);
  subject.Response("PD", kC1D1 + 50);  // follow-up from 2026-02-25: visits every 3 months
  subject.Contact("finished", Date(2026, 5, 26));   // visit 1, due 2026-05-25
  subject.Contact("cancelled", Date(2026, 8, 25));  // visit 2, due 2026-08-25: no contact
  subject.Death(Date(2026, 11, 26));                // in visit 3's window (due 11-25)
  const v1::Timeline timeline = Build(subject.events(), Date(2027, 6, 1));
  EXPECT_EQ(timeline.current_phase(), "off_study");
  const v1::TimelinePhase& follow_up = PhaseOf(timeline, "follow_up");
  ASSERT_EQ(follow_up.visits_size(), 3) << follow_up.DebugString();
  EXPECT_TRUE(follow_up.visits(0).seen());
  EXPECT_FALSE(follow_up.visits(1).seen());
  EXPECT_FALSE(follow_up.visits(2).seen());
  std::vector<std::string> kinds;
  for (const v1::TimelineEvent& event : timeline.events()) {
    if (!event.kind().starts_with("dose") && event.kind() != "lab_result") {
      kinds.push_back(event.kind());
    }
  }
  EXPECT_THAT(kinds, ElementsAre("response_assessed", "contact_recorded", "subject_died"));
}

// A later version of the Patient saying it is not deceased withdraws the death.
TEST(TimelineTest, AWithdrawnDeathIsNoDeath) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1);
  subject.Reinduction(kC1D1, 1);
  v1::Event& corrected = subject.NewVersion(subject.Death(kC1D1 + 9));
  corrected.mutable_subject_died()->Clear();
  corrected.mutable_subject_died()->set_withdrawn(true);
  const v1::Timeline timeline = Build(subject.events(), kC1D1 + 20);
  EXPECT_EQ(timeline.current_phase(), "reinduction");
  for (const v1::TimelineEvent& event : timeline.events()) EXPECT_NE(event.kind(), "subject_died");
}

TEST(TimelineTest, ACorrectedVersionReplacesTheEarlierVersionsFindings) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1);
  subject.Reinduction(kC1D1, 1, 1.818, {{"carfilzomib", 1, 8}});
  const v1::Event wrong = subject.Dose("carfilzomib", kC1D1 + 7, 60);
  ASSERT_THAT(Codes(Build(subject.events(), kC1D1 + 27)), ElementsAre(kDoseOutOfTolerance));
  v1::Event& corrected = subject.NewVersion(wrong);
  corrected.mutable_dose_administered()->mutable_dose()->set_value(49);
  EXPECT_THAT(Codes(Build(subject.events(), kC1D1 + 27)), IsEmpty());
  // Version 10 beats version 9 as a number, whatever the arrival order.
  std::vector<v1::Event> events = subject.events();
  events.back().mutable_source()->set_version_id("10");
  events[events.size() - 2].mutable_source()->set_version_id("9");
  std::reverse(events.begin(), events.end());
  EXPECT_THAT(Codes(Build(events, kC1D1 + 27)), IsEmpty());
}

TEST(TimelineTest, ShuffledArrivalGivesTheSameTimeline) {
  SubjectBuilder subject;
  ThroughMaintenance(subject);
  // A few deviations, so that the findings are compared too.
  subject.Dose("lenalidomide", kC1D1 + 23, 25);
  subject.NotDone("dexamethasone", kC1D1 + 28 + 21, "patient declined");
  subject.AdverseEvent("Platelet count decreased", 4, Date(2027, 1, 2));
  subject.Dose("dexamethasone", Date(2027, 1, 10), 40);
  const v1::Event corrected_from = subject.Dose("carfilzomib", kC1D1 + 2, 70);
  subject.NewVersion(corrected_from).mutable_dose_administered()->mutable_dose()->set_value(80);
  const Date today(2028, 6, 1);
  const v1::Timeline in_order = Build(subject.events(), today);
  ASSERT_GE(in_order.findings_size(), 4) << Describe(in_order);

  std::vector<v1::Event> events = subject.events();
  for (unsigned seed = 1; seed <= 5; ++seed) {
    std::mt19937 random(seed);
    std::shuffle(events.begin(), events.end(), random);
    const v1::Timeline shuffled = Build(events, today);
    std::string difference;
    google::protobuf::util::MessageDifferencer differencer;
    differencer.ReportDifferencesToString(&difference);
    EXPECT_TRUE(differencer.Compare(in_order, shuffled)) << "seed " << seed << ": " << difference;
  }
}

// Another study's schedule is another file: the same engine, with cycles of 21 days, dexamethasone
// on days 1, 8 and 15 only and a tolerance of 20%, follows the edited data with no code change.
TEST(TimelineTest, AnotherScheduleIsOnlyData) {
  auto study = mappers::Study::FromFiles(profiles::EmbeddedStudyFiles("krd-asct2"));
  ASSERT_TRUE(study.ok()) << study.status();
  std::string text = (*study)->schedule_json();
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"\"cycles\": 6,\n      \"cycleLengthDays\": 28", "\"cycles\": 4, \"cycleLengthDays\": 21"},
           {"\"days\": [1, 8, 15, 22]", "\"days\": [1, 8, 15]"},
           {"\"doseTolerancePercent\": 10", "\"doseTolerancePercent\": 20"}}) {
    const size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
  }
  auto other = Schedule::Parse(text, **study);
  ASSERT_TRUE(other.ok()) << other.status();

  SubjectBuilder subject;
  subject.BodySize(kC1D1);
  subject.Reinduction(kC1D1, 1, 1.818, {{"dexamethasone", 1, 22}, {"lenalidomide", 1, 2}});
  subject.Dose("lenalidomide", kC1D1 + 1, 29);  // +16%: out of tolerance for KRD-ASCT2 only
  // Day 22 is cycle 2's day 1 here: due on 2026-01-26, late beyond the window 4 days later.
  EXPECT_THAT(Codes(Build(subject.events(), kC1D1 + 21 + 3, *other)), IsEmpty());
  const v1::Timeline late = Build(subject.events(), kC1D1 + 21 + 4, *other);
  ASSERT_THAT(Codes(late), ElementsAre(kCycleDelayed)) << Describe(late);
  EXPECT_THAT(late.findings(0).finding().text(), HasSubstr("cycle 2 was due on 2026-01-26"));
  // The embedded schedule, on the same events by day 21, sees the dose out of its tolerance.
  EXPECT_THAT(Codes(Build(subject.events(), kC1D1 + 20)), ElementsAre(kDoseOutOfTolerance));
}

}  // namespace
}  // namespace trialgate::schedule
