// Treatment-emergent adverse events by phase over one hand-worked cohort (day 0 = consent;
// cutoff day 1000; end window 30 days as shipped, UNCONFIRMED).
#include "gateway/endpoints/teae.h"

#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/endpoints/cohort_util.h"

namespace trialgate::endpoints {
namespace {

using testing::Day;
using ::testing::ElementsAre;
using ::testing::Pair;
using testing::ShippedDefinitions;
using testing::Subject;

const absl::CivilDay kCutoff = Day(1000);

AdverseEventRecord Ae(std::optional<int> onset, std::string term, std::string code, int grade,
                      bool serious = false, bool dose_change = false) {
  AdverseEventRecord ae;
  if (onset) ae.onset = Day(*onset);
  ae.term = std::move(term);
  ae.meddra_code = std::move(code);
  ae.grade = grade;
  ae.serious = serious;
  ae.led_to_dose_change = dose_change;
  return ae;
}

// C1: first dose day 10, last dose day 400, ASCT day 0 = day 200, maintenance from day 300.
//   a day 9    Nausea g1         before the first dose: not TE
//   b day 10   Neutropenia g3    first-dose day: TE, KRd
//   c day 199  Nausea g1         the day before ASCT day 0: KRd
//   d day 200  Nausea g2 serious ASCT day 0: ASCT
//   e day 300  Rash g1 dose chg  maintenance start: maintenance
//   f day 430  Rash g2           last dose + 30: still TE (inclusive), maintenance
//   g day 431  Rash g1           last dose + 31: not TE
//   h missing  Fatigue g2        TE (conservative), in the onset_missing table
// C2: first dose day 5, still on treatment (no last dose), no ASCT.
//   day 600 Nausea g3 -> TE, KRd (no later phase started); day 1200 -> after the cutoff.
// C3: never dosed: not in the safety set; its AE is not counted.
// C4: dosed day 8, no AE: in the denominator only.
std::vector<SubjectCourse> Cohort() {
  SubjectCourse c1 = Subject("C1");
  c1.first_dose = Day(10);
  c1.last_dose = Day(400);
  c1.asct_day0 = Day(200);
  c1.maintenance_start = Day(300);
  c1.adverse_events = {Ae(9, "Nausea", "10028813", 1),
                       Ae(10, "Neutrophil count decreased", "10029366", 3),
                       Ae(199, "Nausea", "10028813", 1),
                       Ae(200, "Nausea", "10028813", 2, /*serious=*/true),
                       Ae(300, "Rash", "10037844", 1, false, /*dose_change=*/true),
                       Ae(430, "Rash", "10037844", 2),
                       Ae(431, "Rash", "10037844", 1),
                       Ae(std::nullopt, "Fatigue", "10016256", 2)};
  SubjectCourse c2 = Subject("C2");
  c2.first_dose = Day(5);
  c2.adverse_events = {Ae(600, "Nausea", "10028813", 3), Ae(1200, "Nausea", "10028813", 1)};
  SubjectCourse c3 = Subject("C3");
  c3.adverse_events = {Ae(20, "Nausea", "10028813", 1)};
  SubjectCourse c4 = Subject("C4");
  c4.first_dose = Day(8);
  return {c1, c2, c3, c4};
}

TeaeResult Compute(const mappers::AdverseEventDefinition& definition) {
  const mappers::EndpointDefinitions definitions = ShippedDefinitions();
  const std::vector<SubjectCourse> cohort = Cohort();
  return ComputeTeae(definition, definitions.conventions, cohort, kCutoff);
}

const TeaeTable& Table(const TeaeResult& result, const std::string& phase) {
  for (const TeaeTable& t : result.tables) {
    if (t.phase == phase) return t;
  }
  ADD_FAILURE() << "no table " << phase;
  return result.tables.front();
}

TEST(TeaeTest, TreatmentEmergenceFollowsAdmiral) {
  const TeaeResult teae = Compute(ShippedDefinitions().adverse_events);
  EXPECT_EQ(teae.population, "treated");
  EXPECT_EQ(teae.n, 3);  // C1, C2, C4
  EXPECT_EQ(teae.end_window_days, 30);
  EXPECT_TRUE(teae.end_window_unconfirmed);
  EXPECT_THAT(teae.not_treatment_emergent,
              ElementsAre(Pair("onset after the data cutoff", 1),
                          Pair("onset after the last dose + 30 days", 1),
                          Pair("onset before the first dose", 1), Pair("subject not treated", 1)));
  // Any phase: C1 b c d e f h (6) + C2 (1) = 7 TEAEs in 2 of 3 subjects; grade >= 3: C1 (b),
  // C2; serious: C1 (d); leading to dose change: C1 (e).
  const TeaeTable& any = Table(teae, "any");
  EXPECT_EQ(any.n, 3);
  EXPECT_EQ(any.subjects_with_teae, 2);
  EXPECT_EQ(any.events, 7);
  EXPECT_EQ(any.subjects_severe, 2);
  EXPECT_EQ(any.subjects_serious, 1);
  EXPECT_EQ(any.subjects_dose_change, 1);
  // By term, most subjects first: Nausea in C1 (worst 2: c g1, d g2) and C2 (g3).
  ASSERT_EQ(any.by_term.size(), 4u);
  EXPECT_EQ(any.by_term[0].term, "Nausea");
  EXPECT_EQ(any.by_term[0].subjects, 2);
  EXPECT_EQ(any.by_term[0].events, 3);
  EXPECT_THAT(any.by_term[0].subjects_by_worst_grade, ElementsAre(Pair(2, 1), Pair(3, 1)));
  // Then one subject each, by term: Fatigue, Neutrophil count decreased, Rash (worst 2 of e, f).
  EXPECT_EQ(any.by_term[1].term, "Fatigue");
  EXPECT_EQ(any.by_term[2].term, "Neutrophil count decreased");
  EXPECT_EQ(any.by_term[3].term, "Rash");
  EXPECT_EQ(any.by_term[3].events, 2);
  EXPECT_THAT(any.by_term[3].subjects_by_worst_grade, ElementsAre(Pair(2, 1)));
}

TEST(TeaeTest, PhaseByOnsetDateAtTheBoundaries) {
  const TeaeResult teae = Compute(ShippedDefinitions().adverse_events);
  ASSERT_EQ(teae.tables.size(), 5u);  // any, krd, asct, maintenance, onset_missing
  // KRd: C1 b (day 10, the first dose) and c (day 199), C2 day 600.
  const TeaeTable& krd = Table(teae, "krd");
  EXPECT_EQ(krd.events, 3);
  EXPECT_EQ(krd.subjects_with_teae, 2);
  EXPECT_EQ(krd.subjects_severe, 2);
  EXPECT_EQ(krd.subjects_serious, 0);
  // ASCT: C1 d on day 0 itself.
  const TeaeTable& asct = Table(teae, "asct");
  EXPECT_EQ(asct.events, 1);
  EXPECT_EQ(asct.subjects_serious, 1);
  // Maintenance: C1 e on its first day and f on last dose + 30.
  const TeaeTable& maintenance = Table(teae, "maintenance");
  EXPECT_EQ(maintenance.events, 2);
  EXPECT_EQ(maintenance.subjects_dose_change, 1);
  // The AE without an onset is TE but in no phase.
  const TeaeTable& missing = Table(teae, "onset_missing");
  EXPECT_EQ(missing.events, 1);
  EXPECT_EQ(missing.by_term[0].term, "Fatigue");
}

// The ASCT phase starting 2 days before day 0 (conditioning attributed to ASCT, a choice the
// reference leaves open) moves C1's day-199 AE from KRd to ASCT.
TEST(TeaeTest, AsctPhaseOffsetMovesConditioningDays) {
  mappers::AdverseEventDefinition definition = ShippedDefinitions().adverse_events;
  ASSERT_EQ(definition.phases[1].id, "asct");
  const SubjectCourse c1 = Cohort()[0];
  EXPECT_EQ(PhaseOf(definition, c1, Day(199)), "krd");
  definition.phases[1].offset_days = -2;
  EXPECT_EQ(PhaseOf(definition, c1, Day(198)), "asct");
  EXPECT_EQ(PhaseOf(definition, c1, Day(197)), "krd");
  EXPECT_EQ(Table(Compute(definition), "asct").events, 2);
}

// With missing onsets not counted, the AE is left out and said so.
TEST(TeaeTest, MissingOnsetCanBeExcluded) {
  mappers::AdverseEventDefinition definition = ShippedDefinitions().adverse_events;
  definition.missing_onset_is_treatment_emergent = false;
  const TeaeResult teae = Compute(definition);
  EXPECT_EQ(Table(teae, "any").events, 6);
  EXPECT_EQ(teae.not_treatment_emergent.at("onset missing"), 1);
}

}  // namespace
}  // namespace trialgate::endpoints
