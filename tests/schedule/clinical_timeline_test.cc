// The timeline's clinical derivations: lab grades, responses derived from labs, and the findings
// labs, doses and reports raise together. Each finding has a case that triggers exactly it and a
// near miss that does not.
#include "gateway/schedule/clinical_timeline.h"

#include <algorithm>
#include <random>
#include <string>

#include "gateway/schedule/finding_codes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/schedule/subject_builder.h"

namespace trialgate::schedule {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::BuildClinical;
using testing::PhaseOf;
using testing::SubjectBuilder;

const Date kC1D1(2026, 1, 5);
constexpr char kAtc[] = "http://www.whocc.no/atc";
constexpr char kSnomed[] = "http://snomed.info/sct";
constexpr char kNegative[] = "260385009";

// The findings of one code.
std::vector<v1::TimelineFinding> FindingsOf(const v1::Timeline& timeline, const std::string& code) {
  std::vector<v1::TimelineFinding> found;
  for (const v1::TimelineFinding& finding : timeline.findings()) {
    if (finding.finding().code() == code) found.push_back(finding);
  }
  return found;
}

std::string Describe(const v1::Timeline& timeline) {
  std::string text;
  for (const auto& finding : timeline.findings()) {
    text += finding.date() + " " + finding.finding().code() + ": " + finding.finding().text() + "\n";
  }
  return text;
}

std::vector<v1::TimelineToxicity> LabToxicities(const v1::Timeline& timeline) {
  std::vector<v1::TimelineToxicity> found;
  for (const auto& toxicity : timeline.toxicities()) {
    if (toxicity.origin() == "lab") found.push_back(toxicity);
  }
  return found;
}

// One KRd cycle from kC1D1, body size first.
SubjectBuilder OneCycle() {
  SubjectBuilder subject;
  subject.BodySize(kC1D1 - 3);
  subject.Reinduction(kC1D1, 1);
  return subject;
}

TEST(ClinicalTimelineTest, ALabOfGradeOneOrMoreOnTreatmentIsAToxicityWithItsRule) {
  SubjectBuilder subject = OneCycle();
  subject.Lab("anc", kC1D1 - 2, 0.8, "10*9/L", 1.8, 7.5);  // before treatment: a baseline
  const v1::Event& low = subject.Lab("anc", kC1D1 + 9, 0.8, "10*9/L", 1.8, 7.5);
  subject.Lab("anc", kC1D1 + 11, 4.0, "10*9/L", 1.8, 7.5);  // normal: grade 0
  const v1::Timeline timeline = BuildClinical(subject.events(), kC1D1 + 12);

  const std::vector<v1::TimelineToxicity> toxicities = LabToxicities(timeline);
  ASSERT_EQ(toxicities.size(), 1u);
  EXPECT_EQ(toxicities[0].date(), "2026-01-14");
  EXPECT_EQ(toxicities[0].event_id(), low.event_id());
  EXPECT_EQ(toxicities[0].term(), "Neutrophil count decreased");
  EXPECT_EQ(toxicities[0].meddra_code(), "10029366");
  EXPECT_EQ(toxicities[0].grade(), 3);
  EXPECT_EQ(toxicities[0].lab().lab_event_id(), low.event_id());
  EXPECT_DOUBLE_EQ(toxicities[0].lab().value(), 0.8);
  EXPECT_DOUBLE_EQ(toxicities[0].lab().lln(), 1.8);
  EXPECT_THAT(toxicities[0].lab().rule(), HasSubstr("grade 3"));
}

TEST(ClinicalTimelineTest, ALabGradeThreeExplainsADoseReductionLikeAReportedOne) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1 - 3);
  subject.Reinduction(kC1D1, 1, 1.818, {{"carfilzomib", 1, 15}, {"carfilzomib", 1, 16}});
  subject.Lab("platelets", kC1D1 + 12, 40, "10*9/L", 150, 400);  // grade 3
  subject.DosePerM2("carfilzomib", kC1D1 + 14, 20);
  subject.DosePerM2("carfilzomib", kC1D1 + 15, 20);
  const v1::Timeline timeline = BuildClinical(subject.events(), kC1D1 + 16);
  const std::vector<v1::TimelineFinding> reduced = FindingsOf(timeline, kDoseReduced);
  ASSERT_FALSE(reduced.empty()) << Describe(timeline);
  for (const auto& finding : reduced) {
    EXPECT_EQ(finding.finding().severity(), v1::Finding::INFO) << Describe(timeline);
    EXPECT_THAT(finding.finding().text(), HasSubstr("Platelet count decreased grade 3"));
  }
}

TEST(ClinicalTimelineTest, LenalidomideGivenAfterAnAncBelowOneIsGivenDespiteHold) {
  SubjectBuilder subject = OneCycle();
  const v1::Event& low = subject.Lab("anc", kC1D1 + 9, 0.8, "10*9/L", 1.8, 7.5);  // day 10
  subject.Lab("anc", kC1D1 + 11, 1.5, "10*9/L", 1.8, 7.5);  // day 12, before that day's dose
  const v1::Timeline timeline = BuildClinical(subject.events(), kC1D1 + 13);

  // Days 10 and 11: a lab dated the day of a dose, without a time, counts as drawn before it.
  const auto held = FindingsOf(timeline, kDoseGivenDespiteHold);
  ASSERT_EQ(held.size(), 2u) << Describe(timeline);
  EXPECT_EQ(held[0].date(), "2026-01-14");
  EXPECT_EQ(held[1].date(), "2026-01-15");
  EXPECT_EQ(held[0].finding().severity(), v1::Finding::MAJOR);
  EXPECT_THAT(held[0].finding().text(), HasSubstr("Lenalidomide was given on 2026-01-14"));
  EXPECT_THAT(held[0].finding().text(), HasSubstr("ANC 0.8"));
  EXPECT_THAT(held[0].key(), HasSubstr(low.event_id()));
}

TEST(ClinicalTimelineTest, NearMissAnAncOfExactlyOneHoldsNothing) {
  SubjectBuilder subject = OneCycle();
  subject.Lab("anc", kC1D1 + 9, 1.0, "10*9/L", 1.8, 7.5);  // not < 1.0; grade 2
  const v1::Timeline timeline = BuildClinical(subject.events(), kC1D1 + 13);
  EXPECT_THAT(FindingsOf(timeline, kDoseGivenDespiteHold), IsEmpty()) << Describe(timeline);
}

TEST(ClinicalTimelineTest, CarfilzomibAfterCreatinineTwiceBaselineIsGivenDespiteHold) {
  SubjectBuilder subject = OneCycle();
  subject.Lab("creatinine", kC1D1 - 2, 1.0, "mg/dL", 0.6, 1.2);
  subject.Lab("creatinine", kC1D1 + 13, 2.0, "mg/dL", 0.6, 1.2);  // day 14: 2 x baseline
  subject.Lab("creatinine", kC1D1 + 15, 1.1, "mg/dL", 0.6, 1.2);  // day 16, before its dose
  const v1::Timeline timeline = BuildClinical(subject.events(), kC1D1 + 17);
  const auto held = FindingsOf(timeline, kDoseGivenDespiteHold);
  ASSERT_EQ(held.size(), 1u) << Describe(timeline);
  EXPECT_EQ(held[0].date(), "2026-01-19");  // day 15
  EXPECT_THAT(held[0].finding().text(), HasSubstr("carfilzomib"));
}

TEST(ClinicalTimelineTest, NearMissCreatinineJustUnderTwiceBaselineHoldsNothing) {
  SubjectBuilder subject = OneCycle();
  subject.Lab("creatinine", kC1D1 - 2, 1.0, "mg/dL", 0.6, 1.2);
  subject.Lab("creatinine", kC1D1 + 13, 1.99, "mg/dL", 0.6, 1.2);
  const v1::Timeline timeline = BuildClinical(subject.events(), kC1D1 + 17);
  EXPECT_THAT(FindingsOf(timeline, kDoseGivenDespiteHold), IsEmpty()) << Describe(timeline);
}

TEST(ClinicalTimelineTest, AGradeFourLabWithoutAnAdverseEventIsNotReportedOnceTheWindowPassed) {
  SubjectBuilder subject = OneCycle();
  const Date lab_date = kC1D1 + 22;  // day 23: no study drug follows in the cycle
  const v1::Event& lab = subject.Lab("anc", lab_date, 0.4, "10*9/L", 1.8, 7.5);  // grade 4

  // Within the 14-day window: not yet.
  EXPECT_THAT(FindingsOf(BuildClinical(subject.events(), lab_date + 14), kAeNotReported),
              IsEmpty());
  const v1::Timeline late = BuildClinical(subject.events(), lab_date + 15);
  const auto missing = FindingsOf(late, kAeNotReported);
  ASSERT_EQ(missing.size(), 1u) << Describe(late);
  EXPECT_EQ(missing[0].finding().severity(), v1::Finding::WARNING);
  EXPECT_EQ(missing[0].event_id(), lab.event_id());
  EXPECT_EQ(missing[0].date(), "2026-01-27");
  EXPECT_THAT(missing[0].finding().text(), HasSubstr("Neutrophil count decreased grade 4"));
}

TEST(ClinicalTimelineTest, NearMissAnAdverseEventOnTheLastDayOfTheWindowIsReported) {
  SubjectBuilder subject = OneCycle();
  const Date lab_date = kC1D1 + 22;
  subject.Lab("anc", lab_date, 0.4, "10*9/L", 1.8, 7.5);
  subject.AdverseEvent("Neutrophil count decreased", 4, lab_date + 14);
  EXPECT_THAT(FindingsOf(BuildClinical(subject.events(), lab_date + 30), kAeNotReported),
              IsEmpty());

  SubjectBuilder later = OneCycle();
  later.Lab("anc", lab_date, 0.4, "10*9/L", 1.8, 7.5);
  later.AdverseEvent("Neutrophil count decreased", 4, lab_date + 15);  // outside the window
  EXPECT_EQ(FindingsOf(BuildClinical(later.events(), lab_date + 30), kAeNotReported).size(), 1u);
}

TEST(ClinicalTimelineTest, NearMissAGradeTwoLabNeedsNoAdverseEvent) {
  SubjectBuilder subject = OneCycle();
  subject.Lab("anc", kC1D1 + 22, 1.2, "10*9/L", 1.8, 7.5);  // grade 2
  EXPECT_THAT(FindingsOf(BuildClinical(subject.events(), kC1D1 + 60), kAeNotReported), IsEmpty());
}

TEST(ClinicalTimelineTest, BortezomibOnStudyIsProhibitedAndSupportiveCareIsNot) {
  SubjectBuilder subject = OneCycle();
  const v1::Event& bortezomib = subject.OtherDrug(kAtc, "L01XG01", "bortezomib", kC1D1 + 24);
  subject.OtherDrug(kAtc, "J05AB01", "aciclovir", kC1D1 + 3);
  subject.OtherDrug(kAtc, "M05BA08", "zoledronic acid", kC1D1 + 4);
  const v1::Timeline timeline = BuildClinical(subject.events(), kC1D1 + 26);
  const auto prohibited = FindingsOf(timeline, kProhibitedMedication);
  ASSERT_EQ(prohibited.size(), 1u) << Describe(timeline);
  EXPECT_EQ(prohibited[0].event_id(), bortezomib.event_id());
  EXPECT_EQ(prohibited[0].finding().severity(), v1::Finding::MAJOR);
  EXPECT_THAT(prohibited[0].finding().text(), HasSubstr("Bortezomib (proteasome inhibitor"));
  EXPECT_EQ(timeline.new_therapy_date(), "2026-01-29");
  EXPECT_EQ(timeline.new_therapy_event_id(), bortezomib.event_id());
}

TEST(ClinicalTimelineTest, NearMissFilgrastimAndCarfilzomibAreNeverProhibited) {
  SubjectBuilder subject = OneCycle();
  subject.OtherDrug(kAtc, "L03AA02", "filgrastim", kC1D1 + 10);
  subject.OtherDrug(kAtc, "L01XG02", "carfilzomib", kC1D1 + 10);
  const v1::Timeline timeline = BuildClinical(subject.events(), kC1D1 + 26);
  EXPECT_THAT(FindingsOf(timeline, kProhibitedMedication), IsEmpty()) << Describe(timeline);
  EXPECT_EQ(timeline.new_therapy_date(), "");
}

// Serum M-protein 2.0 g/dL at baseline, then 0.8 g/dL (-60%: PR) twice.
void PartialResponse(SubjectBuilder& subject) {
  subject.Lab("serum_m_protein", kC1D1 - 3, 2.0, "g/dL");
  subject.Lab("serum_m_protein", kC1D1 + 27, 0.8, "g/dL");
  subject.Lab("serum_m_protein", kC1D1 + 55, 0.8, "g/dL");
}

TEST(ClinicalTimelineTest, ResponsesFromLabsAreOnTheTimelineWithTheirEvidence) {
  SubjectBuilder subject = OneCycle();
  PartialResponse(subject);
  const v1::Timeline timeline = BuildClinical(subject.events(), kC1D1 + 60);
  std::vector<v1::TimelineResponse> derived;
  for (const auto& response : timeline.responses()) {
    if (response.origin() == "derived") derived.push_back(response);
  }
  ASSERT_EQ(derived.size(), 2u);
  EXPECT_EQ(derived[0].date(), "2026-02-01");
  EXPECT_EQ(derived[0].response().category(), "PR");
  EXPECT_FALSE(derived[0].response().confirmed());
  EXPECT_EQ(derived[1].response().category(), "PR");
  EXPECT_TRUE(derived[1].response().confirmed());
  EXPECT_EQ(derived[1].response().response_date(), "2026-02-01");
  ASSERT_GE(derived[1].response().evidence_size(), 1);
  const v1::ResponseEvidence& serum = derived[1].response().evidence(0);
  EXPECT_EQ(serum.marker(), "serum_m_protein");
  EXPECT_DOUBLE_EQ(serum.baseline(), 2.0);
  EXPECT_NEAR(serum.change_from_baseline_percent(), -60, 1e-9);
}

TEST(ClinicalTimelineTest, WithoutABaselineTheTimelineSaysWhyNoResponseIsDerived) {
  SubjectBuilder subject = OneCycle();
  subject.Lab("serum_m_protein", kC1D1 + 27, 0.8, "g/dL");  // after cycle 1 day 1 only
  const v1::Timeline timeline = BuildClinical(subject.events(), kC1D1 + 30);
  EXPECT_EQ(timeline.responses_size(), 0);
  EXPECT_THAT(timeline.responses_not_derived(), HasSubstr("no baseline"));
  SubjectBuilder measured = OneCycle();
  PartialResponse(measured);
  EXPECT_EQ(BuildClinical(measured.events(), kC1D1 + 60).responses_not_derived(), "");
}

TEST(ClinicalTimelineTest, AReportedResponseTheLabsDisagreeWithIsDiscordant) {
  SubjectBuilder subject = OneCycle();
  PartialResponse(subject);
  const v1::Event& reported = subject.Response("VGPR", kC1D1 + 55);
  const v1::Timeline timeline = BuildClinical(subject.events(), kC1D1 + 60);
  const auto discordant = FindingsOf(timeline, kResponseDiscordant);
  ASSERT_EQ(discordant.size(), 1u) << Describe(timeline);
  EXPECT_EQ(discordant[0].event_id(), reported.event_id());
  EXPECT_EQ(discordant[0].finding().severity(), v1::Finding::WARNING);
  EXPECT_THAT(discordant[0].finding().text(), HasSubstr("reported VGPR"));
  EXPECT_THAT(discordant[0].finding().text(), HasSubstr("the labs give PR (confirmed)"));
  // Both stay on the timeline: the report is kept beside the derivation.
  int reported_count = 0;
  for (const auto& response : timeline.responses()) reported_count += response.origin() == "reported";
  EXPECT_EQ(reported_count, 1);
}

TEST(ClinicalTimelineTest, NearMissAReportedResponseTheLabsAgreeWithIsNotDiscordant) {
  SubjectBuilder subject = OneCycle();
  PartialResponse(subject);
  subject.Response("PR", kC1D1 + 55);
  const v1::Timeline timeline = BuildClinical(subject.events(), kC1D1 + 60);
  EXPECT_THAT(FindingsOf(timeline, kResponseDiscordant), IsEmpty()) << Describe(timeline);
}

TEST(ClinicalTimelineTest, TheGateTakesTheConfirmedDerivedResponseWhenNoneIsReported) {
  SubjectBuilder subject = OneCycle();
  PartialResponse(subject);
  const v1::Timeline timeline = BuildClinical(subject.events(), kC1D1 + 60);
  const v1::TimelinePhase& gate = PhaseOf(timeline, "response_gate");
  EXPECT_EQ(gate.response(), "PR");
  EXPECT_EQ(gate.response_date(), "2026-03-01");  // known once the second sample confirmed it

  // An unconfirmed one does not open it.
  SubjectBuilder single = OneCycle();
  single.Lab("serum_m_protein", kC1D1 - 3, 2.0, "g/dL");
  single.Lab("serum_m_protein", kC1D1 + 27, 0.8, "g/dL");
  EXPECT_EQ(PhaseOf(BuildClinical(single.events(), kC1D1 + 60), "response_gate").response(), "");
}

TEST(ClinicalTimelineTest, AConfirmedProgressionFromLabsIsShownButDoesNotEndTreatment) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1);
  subject.Reinduction(kC1D1, 3);
  subject.Lab("serum_m_protein", kC1D1 - 3, 2.0, "g/dL");
  subject.Lab("serum_m_protein", kC1D1 + 27, 1.0, "g/dL");
  subject.Lab("serum_m_protein", kC1D1 + 41, 1.6, "g/dL");  // +60%, +0.6 g/dL from the nadir: PD
  subject.Lab("serum_m_protein", kC1D1 + 55, 1.7, "g/dL");  // PD again: confirmed
  const v1::Timeline timeline = BuildClinical(subject.events(), kC1D1 + 83);
  ASSERT_GE(timeline.responses_size(), 3);
  const v1::ResponseAssessed& last = timeline.responses(timeline.responses_size() - 1).response();
  EXPECT_EQ(last.category(), "PD");
  EXPECT_TRUE(last.confirmed());
  // Ending treatment is the investigator's call: only a reported PD starts follow-up.
  EXPECT_EQ(timeline.current_phase(), "reinduction");
  EXPECT_EQ(PhaseOf(timeline, "reinduction").status(), "in-progress");
}

TEST(ClinicalTimelineTest, ShuffledArrivalGivesTheSameDerivations) {
  SubjectBuilder subject = OneCycle();
  PartialResponse(subject);
  subject.Lab("anc", kC1D1 + 9, 0.8, "10*9/L", 1.8, 7.5);
  subject.Lab("creatinine", kC1D1 - 2, 1.0, "mg/dL", 0.6, 1.2);
  subject.Lab("creatinine", kC1D1 + 13, 2.4, "mg/dL", 0.6, 1.2);
  subject.CodedLab("serum_ife", kC1D1 + 55, kSnomed, kNegative);
  subject.OtherDrug(kAtc, "L04AX06", "pomalidomide", kC1D1 + 70);
  const Date today = kC1D1 + 90;
  const std::string expected = BuildClinical(subject.events(), today).SerializeAsString();
  std::mt19937 random(7);
  for (int round = 0; round < 5; ++round) {
    std::vector<v1::Event> shuffled = subject.events();
    std::shuffle(shuffled.begin(), shuffled.end(), random);
    EXPECT_EQ(BuildClinical(shuffled, today).SerializeAsString(), expected) << "round " << round;
  }
}

}  // namespace
}  // namespace trialgate::schedule
