// ORR, CR after KRd cycle 6, CR after the 2nd ASCT and harvest success over one hand-worked
// cohort (day 0 = consent; cutoff day 1000). Exact intervals are binom.test's.
#include "gateway/endpoints/response_rates.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/endpoints/cohort_util.h"

namespace trialgate::endpoints {
namespace {

using testing::Assessment;
using testing::Day;
using ::testing::ElementsAre;
using ::testing::Pair;
using testing::ShippedDefinitions;
using testing::Subject;

const absl::CivilDay kCutoff = Day(1000);

// B1: confirmed PR day 99; cycle 6 ends day 168, confirmed VGPR day 170 (in the cycle-6 window,
//     not CR); ASCT day 0 = day 200, CR (unconfirmed) day 260 = day 0 + 60: inside, the window
//     is inclusive; CD34+ 2.5e6/kg.
// B2: confirmed VGPR day 99; cycle 6 ends day 168, confirmed CR day 168; ASCT day 0 = day 200,
//     VGPR day 230, CR day 261 = day 0 + 61: outside; CD34+ exactly 2.0e6/kg: not > 2e6.
// B3: unconfirmed PR day 99, SD day 199: not a responder; cycle 6 ends day 168 with no
//     assessment in [161, 196]; mobilised, CD34+ count missing.
// B4: no assessment at all: in the ITT denominator, not evaluable; no cycle 6; not mobilised.
// B5: new therapy day 100, confirmed PR day 120 (after it: does not count).
// B6: no measurable disease, confirmed PR day 99: counts in ITT, not response-evaluable.
std::vector<SubjectCourse> Cohort() {
  std::vector<SubjectCourse> out;
  SubjectCourse b1 = Subject("B1");
  b1.assessments = {Assessment(99, "PR", true), Assessment(170, "VGPR", true),
                    Assessment(260, "CR", false)};
  b1.cycle6_end = Day(168);
  b1.asct_day0 = Day(200);
  b1.mobilisation_attempted = true;
  b1.cd34_per_kg = 2.5e6;
  out.push_back(b1);
  SubjectCourse b2 = Subject("B2");
  b2.assessments = {Assessment(99, "VGPR", true), Assessment(168, "CR", true),
                    Assessment(230, "VGPR", true), Assessment(261, "CR", true)};
  b2.cycle6_end = Day(168);
  b2.asct_day0 = Day(200);
  b2.mobilisation_attempted = true;
  b2.cd34_per_kg = 2.0e6;
  out.push_back(b2);
  SubjectCourse b3 = Subject("B3");
  b3.assessments = {Assessment(99, "PR", false), Assessment(199, "SD", false)};
  b3.cycle6_end = Day(168);
  b3.mobilisation_attempted = true;
  out.push_back(b3);
  out.push_back(Subject("B4"));
  SubjectCourse b5 = Subject("B5");
  b5.new_therapy = Day(100);
  b5.assessments = {Assessment(120, "PR", true)};
  out.push_back(b5);
  SubjectCourse b6 = Subject("B6");
  b6.measurable_disease = false;
  b6.assessments = {Assessment(99, "PR", true)};
  out.push_back(b6);
  return out;
}

std::vector<RateResult> Compute(const std::string& id) {
  const mappers::EndpointDefinitions definitions = ShippedDefinitions();
  for (const mappers::RateDefinition& d : definitions.rates) {
    if (d.id != id) continue;
    const std::vector<SubjectCourse> cohort = Cohort();
    absl::StatusOr<std::vector<RateResult>> rates =
        ComputeRate(d, definitions.conventions, cohort, kCutoff);
    EXPECT_TRUE(rates.ok()) << rates.status();
    return rates.ok() ? *rates : std::vector<RateResult>{};
  }
  ADD_FAILURE() << "no rate " << id;
  return {};
}

// ITT: n = 6 (B4 has no assessment and stays in the denominator as a non-responder);
// responders B1, B2, B6 -> 3/6, binom.test(3, 6): 0.1181 to 0.8819.
// Response-evaluable (measurable and >= 1 post-baseline assessment): B1, B2, B3, B5 -> 2/4,
// binom.test(2, 4): 0.0676 to 0.9324.
TEST(ResponseRatesTest, OrrCountsNonEvaluableInTheIttDenominator) {
  const std::vector<RateResult> orr = Compute("orr");
  ASSERT_EQ(orr.size(), 2u);
  EXPECT_EQ(orr[0].population, "all_consented");
  EXPECT_TRUE(orr[0].primary);
  EXPECT_EQ(orr[0].n, 6);
  EXPECT_EQ(orr[0].successes, 3);
  EXPECT_THAT(orr[0].success_subjects, ElementsAre("B1", "B2", "B6"));
  EXPECT_THAT(orr[0].not_evaluable, ElementsAre(Pair("no post-baseline response assessment", 1)));
  ASSERT_TRUE(orr[0].ci.has_value());
  EXPECT_DOUBLE_EQ(orr[0].ci->estimate, 0.5);
  EXPECT_NEAR(orr[0].ci->lower, 0.1181, 5e-5);
  EXPECT_NEAR(orr[0].ci->upper, 0.8819, 5e-5);
  EXPECT_THAT(orr[0].denominator, ::testing::HasSubstr("non-successes"));

  EXPECT_EQ(orr[1].population, "response_evaluable");
  EXPECT_FALSE(orr[1].primary);
  EXPECT_EQ(orr[1].n, 4);
  EXPECT_EQ(orr[1].successes, 2);
  EXPECT_NEAR(orr[1].ci->lower, 0.0676, 5e-5);
  EXPECT_NEAR(orr[1].ci->upper, 0.9324, 5e-5);
}

// ASCT recipients B1, B2: B1's CR on day 0 + 60 counts (inclusive), B2's on day 0 + 61 does not
// (its VGPR on day 0 + 30 makes it assessed, a non-CR): 1/2. All consented: 1/6 with four
// subjects without an ASCT counted as non-CR.
TEST(ResponseRatesTest, CrAfterAsctWindowIncludesDaySixty) {
  const std::vector<RateResult> cr = Compute("cr_after_asct");
  ASSERT_EQ(cr.size(), 2u);
  EXPECT_EQ(cr[0].population, "asct_recipients");
  EXPECT_EQ(cr[0].n, 2);
  EXPECT_EQ(cr[0].successes, 1);
  EXPECT_THAT(cr[0].success_subjects, ElementsAre("B1"));
  EXPECT_TRUE(cr[0].not_evaluable.empty());
  EXPECT_TRUE(cr[0].unconfirmed);  // the inclusive reading of "within 60 days"
  EXPECT_EQ(cr[1].population, "all_consented");
  EXPECT_EQ(cr[1].n, 6);
  EXPECT_EQ(cr[1].successes, 1);
  EXPECT_THAT(cr[1].not_evaluable, ElementsAre(Pair("no 2nd ASCT by the data cutoff", 4)));
}

// CR after KRd cycle 6 (window [cycle 6 end - 7, + 28], confirmed sCR/CR): B2's confirmed CR on
// the last day of cycle 6 counts; B1's VGPR is a non-CR; B3 has no assessment in the window;
// B4, B5, B6 never finished cycle 6. 1/6, all non-evaluable counted as non-CR.
TEST(ResponseRatesTest, CrAfterCycleSixCountsNonEvaluableAsNonCr) {
  const std::vector<RateResult> cr = Compute("cr_after_krd");
  ASSERT_EQ(cr.size(), 1u);
  EXPECT_EQ(cr[0].n, 6);
  EXPECT_EQ(cr[0].successes, 1);
  EXPECT_THAT(cr[0].success_subjects, ElementsAre("B2"));
  EXPECT_THAT(cr[0].not_evaluable,
              ElementsAre(Pair("KRd cycle 6 not completed by the data cutoff", 3),
                          Pair("no adequate assessment in the window", 1)));
}

// Harvest (> 2e6 CD34+/kg, strictly): among those mobilised (B1, B2, B3), only B1's 2.5e6;
// B2's exactly 2.0e6 is not a success; B3's missing count is a non-success, said so.
// binom.test(1, 3): 0.0084 to 0.9057.
TEST(ResponseRatesTest, HarvestOfExactlyTwoMillionIsNotSuccess) {
  const std::vector<RateResult> harvest = Compute("harvest");
  ASSERT_EQ(harvest.size(), 2u);
  EXPECT_EQ(harvest[0].population, "mobilisation_attempted");
  EXPECT_EQ(harvest[0].n, 3);
  EXPECT_EQ(harvest[0].successes, 1);
  EXPECT_THAT(harvest[0].success_subjects, ElementsAre("B1"));
  EXPECT_THAT(harvest[0].not_evaluable, ElementsAre(Pair("CD34+ count missing", 1)));
  EXPECT_NEAR(harvest[0].ci->lower, 0.0084, 5e-5);
  EXPECT_NEAR(harvest[0].ci->upper, 0.9057, 5e-5);
  EXPECT_EQ(harvest[1].population, "all_consented");
  EXPECT_EQ(harvest[1].n, 6);
  EXPECT_THAT(harvest[1].not_evaluable,
              ElementsAre(Pair("CD34+ count missing", 1), Pair("mobilisation not attempted", 3)));
}

// A window still open at the cutoff is not a non-CR yet: the subject is counted as not
// evaluable, with why.
TEST(ResponseRatesTest, OpenWindowAtCutoffIsNotEvaluable) {
  const mappers::EndpointDefinitions definitions = ShippedDefinitions();
  SubjectCourse s = Subject("S");
  s.asct_day0 = Day(200);
  s.assessments = {Assessment(230, "VGPR", true)};
  const std::vector<SubjectCourse> cohort = {s};
  for (const mappers::RateDefinition& d : definitions.rates) {
    if (d.id != "cr_after_asct") continue;
    absl::StatusOr<std::vector<RateResult>> rates =
        ComputeRate(d, definitions.conventions, cohort, Day(240));
    ASSERT_TRUE(rates.ok());
    EXPECT_EQ((*rates)[0].n, 1);
    EXPECT_EQ((*rates)[0].successes, 0);
    EXPECT_THAT(
        (*rates)[0].not_evaluable,
        ElementsAre(Pair("assessment window still open at the data cutoff or withdrawal", 1)));
  }
}

}  // namespace
}  // namespace trialgate::endpoints
