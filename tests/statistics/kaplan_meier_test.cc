#include "gateway/statistics/kaplan_meier.h"

#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/statistics/aml_data.h"

namespace trialgate::statistics {
namespace {

using ::testing::ElementsAre;

// The reference tables print 6 decimals: a correct value is within half a unit of the last.
constexpr double kSixDecimals = 5e-7 + 1e-12;

// One printed row of clinical-derivations.md D.4: "log" columns are R survfit's default output,
// "log-log" columns the D.2 formula. A negative limit stands for NA.
struct AmlRow {
  double time;
  int n, d;
  double s, se, log_lower, log_upper, loglog_lower, loglog_upper;
};

KaplanMeierFit Fit(const std::vector<Observation>& data, ConfidenceType type) {
  absl::StatusOr<KaplanMeierFit> fit = EstimateKaplanMeier(data, type);
  EXPECT_TRUE(fit.ok()) << fit.status();
  return fit.ok() ? *std::move(fit) : KaplanMeierFit{};
}

void ExpectLimit(std::optional<double> actual, double expected, const char* what, double t) {
  if (expected < 0) {
    EXPECT_FALSE(actual.has_value()) << what << " at t=" << t << " should be NA";
  } else {
    ASSERT_TRUE(actual.has_value()) << what << " at t=" << t;
    EXPECT_NEAR(*actual, expected, kSixDecimals) << what << " at t=" << t;
  }
}

void ExpectTable(const std::vector<Observation>& data, const std::vector<AmlRow>& table) {
  const KaplanMeierFit log = Fit(data, ConfidenceType::kLog);
  const KaplanMeierFit loglog = Fit(data, ConfidenceType::kLogLog);
  ASSERT_EQ(log.rows.size(), table.size());
  ASSERT_EQ(loglog.rows.size(), table.size());
  for (size_t i = 0; i < table.size(); ++i) {
    const AmlRow& want = table[i];
    const KaplanMeierRow& row = log.rows[i];
    EXPECT_EQ(row.time, want.time);
    EXPECT_EQ(row.at_risk, want.n) << "t=" << want.time;
    EXPECT_EQ(row.events, want.d) << "t=" << want.time;
    EXPECT_NEAR(row.survival, want.s, kSixDecimals) << "t=" << want.time;
    if (want.se >= 0) {
      EXPECT_NEAR(row.std_error, want.se, kSixDecimals) << "t=" << want.time;
    }
    ExpectLimit(row.limits.lower, want.log_lower, "log lower", want.time);
    ExpectLimit(row.limits.upper, want.log_upper, "log upper", want.time);
    ExpectLimit(loglog.rows[i].limits.lower, want.loglog_lower, "log-log lower", want.time);
    ExpectLimit(loglog.rows[i].limits.upper, want.loglog_upper, "log-log upper", want.time);
  }
}

TEST(KaplanMeierTest, AmlMaintainedMatchesR) {
  ExpectTable(AmlMaintained(),
              {{9, 11, 1, 0.909091, 0.086678, 0.754134, 1.000000, 0.508080, 0.986674},
               {13, 10, 1, 0.818182, 0.116291, 0.619249, 1.000000, 0.447429, 0.951162},
               {18, 8, 1, 0.715909, 0.139665, 0.488426, 1.000000, 0.350190, 0.899024},
               {23, 7, 1, 0.613636, 0.152632, 0.376867, 0.999158, 0.265752, 0.835299},
               {31, 5, 1, 0.490909, 0.164193, 0.254860, 0.945585, 0.167331, 0.753400},
               {34, 4, 1, 0.368182, 0.162669, 0.154877, 0.875261, 0.092830, 0.657041},
               {48, 2, 1, 0.184091, 0.153493, 0.035918, 0.943526, 0.011738, 0.525015}});
}

TEST(KaplanMeierTest, AmlNonmaintainedMatchesRAndHasNoLimitsAtZero) {
  ExpectTable(AmlNonmaintained(),
              {{5, 12, 2, 0.833333, 0.107583, 0.647037, 1.000000, 0.481715, 0.955509},
               {8, 10, 2, 0.666667, 0.136083, 0.446846, 0.994625, 0.337019, 0.859712},
               {12, 8, 1, 0.583333, 0.142319, 0.361614, 0.940998, 0.270139, 0.800940},
               {23, 6, 1, 0.486111, 0.148130, 0.267518, 0.883319, 0.191877, 0.729672},
               {27, 5, 1, 0.388889, 0.146986, 0.185397, 0.815736, 0.126272, 0.649817},
               {30, 4, 1, 0.291667, 0.138715, 0.114831, 0.740822, 0.072402, 0.560886},
               {33, 3, 1, 0.194444, 0.121875, 0.056922, 0.664224, 0.031199, 0.461429},
               {43, 2, 1, 0.097222, 0.091866, 0.015257, 0.619549, 0.005746, 0.348904},
               {45, 1, 1, 0, -1, -1, -1, -1, -1}});
}

TEST(KaplanMeierTest, RiskSetEmptiedGivesInfiniteLogVarianceAndZeroPlainInterval) {
  const KaplanMeierFit fit = Fit(AmlNonmaintained(), ConfidenceType::kPlain);
  const KaplanMeierRow& last = fit.rows.back();
  EXPECT_EQ(last.survival, 0);
  EXPECT_EQ(last.log_variance, std::numeric_limits<double>::infinity());
  EXPECT_EQ(last.std_error, 0);
  EXPECT_EQ(last.limits.lower, 0.0);
  EXPECT_EQ(last.limits.upper, 0.0);
}

TEST(KaplanMeierTest, PlainIntervalIsSymmetricAndClipped) {
  const KaplanMeierFit fit = Fit(AmlMaintained(), ConfidenceType::kPlain);
  // t = 31: S -/+ z SE with D.4's S = 0.490909, SE = 0.164193 (both rounded, hence 1e-6).
  ASSERT_EQ(fit.rows[4].time, 31);
  EXPECT_NEAR(*fit.rows[4].limits.lower, 0.490909 - 1.959964 * 0.164193, 1e-6);
  EXPECT_NEAR(*fit.rows[4].limits.upper, 0.490909 + 1.959964 * 0.164193, 1e-6);
  // t = 9: 0.909091 + 1.96 x 0.086678 = 1.079 is clipped to 1.
  EXPECT_EQ(fit.rows[0].limits.upper, 1.0);
  // t = 48: 0.184091 - 1.96 x 0.153493 < 0 is clipped to 0.
  EXPECT_EQ(fit.rows[6].limits.lower, 0.0);
}

TEST(KaplanMeierTest, CensoredCountsAndCensorMarks) {
  const KaplanMeierFit fit = Fit(AmlMaintained(), ConfidenceType::kLog);
  EXPECT_EQ(fit.subjects, 11);
  EXPECT_EQ(fit.events, 7);
  // 13+ is censored at an event time (row 13); 28+ after 23; 45+ after 34; 161+ after 48.
  std::vector<int> censored;
  for (const KaplanMeierRow& row : fit.rows) censored.push_back(row.censored);
  EXPECT_THAT(censored, ElementsAre(0, 1, 0, 1, 0, 1, 1));
  EXPECT_THAT(fit.censor_times, ElementsAre(13, 28, 45, 161));
  EXPECT_EQ(fit.last_time, 161);
}

TEST(KaplanMeierTest, NumberAtRiskForATable) {
  const KaplanMeierFit fit = Fit(AmlMaintained(), ConfidenceType::kLog);
  EXPECT_EQ(AtRisk(fit, 0), 11);
  EXPECT_EQ(AtRisk(fit, 13), 10);  // 13 and 13+ still at risk at 13
  EXPECT_EQ(AtRisk(fit, 13.5), 8);
  EXPECT_EQ(AtRisk(fit, 50), 1);
  EXPECT_EQ(AtRisk(fit, 161), 1);
  EXPECT_EQ(AtRisk(fit, 162), 0);
}

TEST(KaplanMeierTest, LandmarkCarriesTheCurveAndFlagsBeyondLastObservation) {
  const KaplanMeierFit fit = Fit(AmlMaintained(), ConfidenceType::kLog);
  const Landmark at30 = SurvivalAt(fit, 30);
  EXPECT_NEAR(at30.survival, 0.613636, kSixDecimals);  // the row at 23
  EXPECT_NEAR(at30.std_error, 0.152632, kSixDecimals);
  EXPECT_NEAR(*at30.limits.lower, 0.376867, kSixDecimals);
  EXPECT_EQ(at30.at_risk, 5);
  EXPECT_FALSE(at30.beyond_last_observation);
  const Landmark at200 = SurvivalAt(fit, 200);
  EXPECT_NEAR(at200.survival, 0.184091, kSixDecimals);
  EXPECT_EQ(at200.at_risk, 0);
  EXPECT_TRUE(at200.beyond_last_observation);
}

TEST(KaplanMeierTest, LandmarkBeforeTheFirstEventIsOne) {
  const Landmark log = SurvivalAt(Fit(AmlMaintained(), ConfidenceType::kLog), 5);
  EXPECT_EQ(log.survival, 1);
  EXPECT_EQ(log.std_error, 0);
  EXPECT_EQ(log.limits.lower, 1.0);
  EXPECT_EQ(log.limits.upper, 1.0);
  // R gives NA for log-log limits at S = 1.
  const Landmark loglog = SurvivalAt(Fit(AmlMaintained(), ConfidenceType::kLogLog), 5);
  EXPECT_FALSE(loglog.limits.lower.has_value());
  EXPECT_FALSE(loglog.limits.upper.has_value());
}

TEST(KaplanMeierTest, CamisFlatAtHalfLandmarkBeyondTheLastObservation) {
  const KaplanMeierFit fit = Fit(CamisFlatAtHalf(), ConfidenceType::kLogLog);
  ASSERT_EQ(fit.rows.size(), 5u);
  EXPECT_NEAR(fit.rows.back().survival, 0.5, 1e-12);
  EXPECT_NEAR(fit.rows.back().log_variance, 0.1, 1e-12);  // D.5: exactly 0.1
  EXPECT_NEAR(*fit.rows.back().limits.lower, 0.183606, kSixDecimals);
  EXPECT_NEAR(*fit.rows.back().limits.upper, 0.753174, kSixDecimals);

  const Landmark at118 = SurvivalAt(fit, 118);
  EXPECT_FALSE(at118.beyond_last_observation);
  const Landmark at120 = SurvivalAt(fit, 120);
  EXPECT_NEAR(at120.survival, 0.5, 1e-12);
  EXPECT_NEAR(*at120.limits.lower, 0.183606, kSixDecimals);
  EXPECT_NEAR(*at120.limits.upper, 0.753174, kSixDecimals);
  EXPECT_TRUE(at120.beyond_last_observation);  // 120 > 118: R carries it, SAS says NE
}

TEST(KaplanMeierTest, EmptyInputHasNoRows) {
  const KaplanMeierFit fit = Fit({}, ConfidenceType::kLog);
  EXPECT_TRUE(fit.rows.empty());
  EXPECT_EQ(fit.subjects, 0);
  EXPECT_FALSE(fit.last_time.has_value());
  EXPECT_EQ(AtRisk(fit, 0), 0);
  const Landmark landmark = SurvivalAt(fit, 10);
  EXPECT_EQ(landmark.survival, 1);
  EXPECT_FALSE(landmark.beyond_last_observation);
}

TEST(KaplanMeierTest, AllCensoredStaysAtOne) {
  const KaplanMeierFit fit =
      Fit({{3, false}, {7, false}, {7, false}, {12, false}}, ConfidenceType::kLog);
  EXPECT_TRUE(fit.rows.empty());
  EXPECT_EQ(fit.events, 0);
  EXPECT_EQ(SurvivalAt(fit, 10).survival, 1);
  EXPECT_THAT(fit.censor_times, ElementsAre(3, 7, 12));
  EXPECT_EQ(AtRisk(fit, 7), 3);
}

TEST(KaplanMeierTest, CensoredAtAnEventTimeIsAtRiskThere) {
  // At t = 2: two events and one censoring among 5. Counting the censored at risk gives
  // S = 1 - 2/5 = 0.6; removing it first would give 1 - 2/4 = 0.5.
  const KaplanMeierFit fit = Fit(
      {{2, true}, {2, false}, {2, true}, {3, true}, {5, false}}, ConfidenceType::kLog);
  ASSERT_EQ(fit.rows.size(), 2u);
  EXPECT_EQ(fit.rows[0].at_risk, 5);
  EXPECT_EQ(fit.rows[0].events, 2);
  EXPECT_EQ(fit.rows[0].censored, 1);
  EXPECT_DOUBLE_EQ(fit.rows[0].survival, 0.6);
  EXPECT_DOUBLE_EQ(fit.rows[0].log_variance, 2.0 / (5 * 3));
  EXPECT_EQ(fit.rows[1].at_risk, 2);
  EXPECT_DOUBLE_EQ(fit.rows[1].survival, 0.3);
  EXPECT_DOUBLE_EQ(fit.rows[1].log_variance, 2.0 / 15 + 1.0 / 2);
}

TEST(KaplanMeierTest, RejectsTimesThatAreNotFiniteAndNonNegative) {
  for (double bad : {std::nan(""), std::numeric_limits<double>::infinity(), -1.0}) {
    const std::vector<Observation> data = {{1, true}, {bad, false}};
    absl::StatusOr<KaplanMeierFit> fit = EstimateKaplanMeier(data);
    EXPECT_EQ(fit.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace trialgate::statistics
