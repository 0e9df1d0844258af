#include "gateway/statistics/median_survival.h"

#include <optional>
#include <vector>

#include "gtest/gtest.h"
#include "tests/statistics/aml_data.h"

namespace trialgate::statistics {
namespace {

MedianSurvival Median(const std::vector<Observation>& data, ConfidenceType type) {
  absl::StatusOr<KaplanMeierFit> fit = EstimateKaplanMeier(data, type);
  EXPECT_TRUE(fit.ok()) << fit.status();
  return fit.ok() ? EstimateMedian(*fit) : MedianSurvival{};
}

// Expected medians and intervals: clinical-derivations.md D.4 "Medians and log-rank" (log: R's
// stored print.survfit output; log-log: the D.2/D.3 rules worked by hand). nullopt is R's NA.
struct Expected {
  std::optional<double> median, lower, upper;
};

void ExpectMedian(const MedianSurvival& m, const Expected& want) {
  EXPECT_EQ(m.median, want.median);
  EXPECT_EQ(m.lower, want.lower);
  EXPECT_EQ(m.upper, want.upper);
}

TEST(MedianSurvivalTest, AmlMaintained) {
  ExpectMedian(Median(AmlMaintained(), ConfidenceType::kLog), {31, 18, std::nullopt});
  ExpectMedian(Median(AmlMaintained(), ConfidenceType::kLogLog), {31, 13, std::nullopt});
}

TEST(MedianSurvivalTest, AmlNonmaintained) {
  // The log upper band is NA at 45 (S = 0) and above 0.5 before: no upper limit.
  ExpectMedian(Median(AmlNonmaintained(), ConfidenceType::kLog), {23, 8, std::nullopt});
  ExpectMedian(Median(AmlNonmaintained(), ConfidenceType::kLogLog), {23, 5, 33});
}

TEST(MedianSurvivalTest, AmlPooled) {
  ExpectMedian(Median(AmlPooled(), ConfidenceType::kLog), {27, 18, 45});
  ExpectMedian(Median(AmlPooled(), ConfidenceType::kLogLog), {27, 13, 34});
}

TEST(MedianSurvivalTest, FlatAtHalfGivesTheMidpointToTheLastObservation) {
  // CAMIS: S = 0.5 from 87 to the last observation 118; R prints (87 + 118) / 2. The product
  // 0.9 x 8/9 x 7/8 x 6/7 x 5/6 is 0.5 only within rounding, which the tolerance absorbs.
  EXPECT_EQ(Median(CamisFlatAtHalf(), ConfidenceType::kLog).median, 102.5);
  EXPECT_EQ(Median(CamisFlatAtHalf(), ConfidenceType::kLogLog).median, 102.5);
}

TEST(MedianSurvivalTest, FlatAtHalfBetweenEventsGivesTheMidpointToTheNextDrop) {
  // D.5: events at 1, 2, 3, 4; S(2) = 0.5 until 3. lifelines would say 2, R says 2.5.
  const MedianSurvival m =
      Median({{1, true}, {2, true}, {3, true}, {4, true}}, ConfidenceType::kLog);
  EXPECT_EQ(m.median, 2.5);
}

TEST(MedianSurvivalTest, HalfWithinRoundingIsStillFlatAtHalf) {
  // Risk sets 15, 14, 13, 8, 7, 6 with one event each: S = 14/15 x 13/14 x 12/13 x 7/8 x 6/7 x
  // 5/6 = 1/2 exactly, but the double product is 0.5000000000000001. R's tolerance
  // (sqrt(machine epsilon)) treats it as 0.5 flat from 7 to the next drop at 9: median 8.
  // An exact comparison would give 9.
  const std::vector<Observation> data = {
      {1, true},   {2, true},   {3, true},   {4, false},  {4, false}, {4, false}, {4, false},
      {5, true},   {6, true},   {7, true},   {9, true},   {10, false}, {11, false}, {12, false},
      {13, false}};
  absl::StatusOr<KaplanMeierFit> fit = EstimateKaplanMeier(data);
  ASSERT_TRUE(fit.ok()) << fit.status();
  ASSERT_EQ(fit->rows[5].time, 7);
  ASSERT_EQ(fit->rows[5].at_risk, 6);
  EXPECT_NE(fit->rows[5].survival, 0.5);  // the premise: rounding moved it off 0.5
  EXPECT_EQ(EstimateMedian(*fit).median, 8);
}

TEST(MedianSurvivalTest, NotReachedIsAbsent) {
  // S falls to 0.9 and stays: no median, and the lower band (0.9 e^{-z 0.105}) stays above 0.5.
  std::vector<Observation> data = {{1, true}};
  for (int i = 0; i < 9; ++i) data.push_back({10.0 + i, false});
  const MedianSurvival m = Median(data, ConfidenceType::kLog);
  EXPECT_FALSE(m.median.has_value());
  EXPECT_FALSE(m.lower.has_value());
  EXPECT_FALSE(m.upper.has_value());
}

TEST(MedianSurvivalTest, EmptyAndAllCensoredHaveNoMedian) {
  ExpectMedian(Median({}, ConfidenceType::kLog), {});
  ExpectMedian(Median({{4, false}, {9, false}}, ConfidenceType::kLogLog), {});
}

}  // namespace
}  // namespace trialgate::statistics
