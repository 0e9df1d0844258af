#include "gateway/statistics/log_rank.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"
#include "tests/statistics/aml_data.h"

namespace trialgate::statistics {
namespace {

TEST(LogRankTest, AmlMatchesSurvdiff) {
  // R survdiff(Surv(time, status) ~ x, aml), clinical-derivations.md D.4: O 7 / 11,
  // E 10.69 / 7.31, chi-square 3.4 on 1 df, p = 0.0653.
  absl::StatusOr<LogRankResult> r = LogRankTest({AmlMaintained(), AmlNonmaintained()});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->groups.size(), 2u);
  EXPECT_EQ(r->groups[0].subjects, 11);
  EXPECT_EQ(r->groups[1].subjects, 12);
  EXPECT_EQ(r->groups[0].observed, 7);
  EXPECT_EQ(r->groups[1].observed, 11);
  EXPECT_NEAR(r->groups[0].expected, 10.69, 0.005);
  EXPECT_NEAR(r->groups[1].expected, 7.31, 0.005);
  EXPECT_NEAR(r->chi_square, 3.4, 0.05);
  EXPECT_EQ(r->degrees_of_freedom, 1);
  ASSERT_TRUE(r->p_value.has_value());
  EXPECT_NEAR(*r->p_value, 0.0653, 0.00005);
}

TEST(LogRankTest, GroupOrderDoesNotChangeTheTest) {
  absl::StatusOr<LogRankResult> ab = LogRankTest({AmlMaintained(), AmlNonmaintained()});
  absl::StatusOr<LogRankResult> ba = LogRankTest({AmlNonmaintained(), AmlMaintained()});
  ASSERT_TRUE(ab.ok() && ba.ok());
  EXPECT_NEAR(ab->chi_square, ba->chi_square, 1e-12);
  EXPECT_NEAR(ab->groups[0].expected, ba->groups[1].expected, 1e-12);
}

TEST(LogRankTest, ThreeGroupsHaveTwoDegreesOfFreedom) {
  // Split Nonmaintained in two. With 2 df the chi-square tail is exactly exp(-chi2 / 2), which
  // checks the incomplete-gamma path against a closed form.
  std::vector<Observation> first, second;
  const std::vector<Observation> non = AmlNonmaintained();
  for (size_t i = 0; i < non.size(); ++i) (i % 2 == 0 ? first : second).push_back(non[i]);
  absl::StatusOr<LogRankResult> r = LogRankTest({AmlMaintained(), first, second});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->degrees_of_freedom, 2);
  double observed = 0, expected = 0;
  for (const LogRankGroup& g : r->groups) {
    observed += g.observed;
    expected += g.expected;
  }
  EXPECT_NEAR(observed, expected, 1e-9);  // E sums to the 18 events
  ASSERT_TRUE(r->p_value.has_value());
  EXPECT_NEAR(*r->p_value, std::exp(-r->chi_square / 2), 1e-12);
  EXPECT_GT(r->chi_square, 0);
}

TEST(LogRankTest, AnEmptyGroupDropsADegreeOfFreedom) {
  // An empty group carries no information: the test is the two-group one, on 1 df (R's
  // generalized inverse does the same).
  absl::StatusOr<LogRankResult> two = LogRankTest({AmlMaintained(), AmlNonmaintained()});
  absl::StatusOr<LogRankResult> three = LogRankTest({AmlMaintained(), {}, AmlNonmaintained()});
  ASSERT_TRUE(two.ok() && three.ok());
  EXPECT_EQ(three->degrees_of_freedom, 1);
  EXPECT_NEAR(three->chi_square, two->chi_square, 1e-9);
  EXPECT_NEAR(*three->p_value, *two->p_value, 1e-9);
}

TEST(LogRankTest, NoEventsHasNoPValue) {
  absl::StatusOr<LogRankResult> r = LogRankTest({{{3, false}}, {{5, false}, {6, false}}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->degrees_of_freedom, 0);
  EXPECT_FALSE(r->p_value.has_value());
}

TEST(LogRankTest, RejectsFewerThanTwoGroupsAndBadTimes) {
  EXPECT_EQ(LogRankTest({AmlMaintained()}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(LogRankTest({AmlMaintained(), {{std::nan(""), true}}}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace trialgate::statistics
