#include "gateway/statistics/binomial_ci.h"

#include <cmath>

#include "gtest/gtest.h"

namespace trialgate::statistics {
namespace {

constexpr double kSixDecimals = 5e-7 + 1e-12;

ProportionInterval Interval(int x, int n) {
  absl::StatusOr<ProportionInterval> ci = ClopperPearson(x, n);
  EXPECT_TRUE(ci.ok()) << ci.status();
  return ci.ok() ? *ci : ProportionInterval{};
}

// P(X <= x) for X ~ Binomial(n, p), summed term by term: an independent route to the same
// interval (Clopper & Pearson 1934 define it by these tails; the beta form is an identity).
double BinomialCdf(int x, int n, double p) {
  double sum = 0;
  for (int k = 0; k <= x; ++k) {
    sum += std::exp(std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0) +
                    k * std::log(p) + (n - k) * std::log1p(-p));
  }
  return sum;
}

// The p at which a decreasing function of p crosses `target`, by bisection.
template <typename F>
double Solve(F decreasing, double target) {
  double lo = 0, hi = 1;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    (decreasing(mid) > target ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

// Lower: P(X >= x | p) = 0.025, i.e. 1 - CDF(x - 1) = 0.025; upper: CDF(x) = 0.025.
double TailLower(int x, int n) {
  return Solve([&](double p) { return BinomialCdf(x - 1, n, p); }, 0.975);
}
double TailUpper(int x, int n) {
  return Solve([&](double p) { return BinomialCdf(x, n, p); }, 0.025);
}

TEST(ClopperPearsonTest, FivePerTenMatchesBinomTest) {
  // R: binom.test(5, 10)$conf.int = 0.1870860 0.8129140.
  const ProportionInterval ci = Interval(5, 10);
  EXPECT_EQ(ci.estimate, 0.5);
  EXPECT_NEAR(ci.lower, 0.187086, kSixDecimals);
  EXPECT_NEAR(ci.upper, 0.812914, kSixDecimals);
}

TEST(ClopperPearsonTest, NoSuccessesAndAllSuccessesHaveClosedForms) {
  // x = 0: lower 0, upper 1 - 0.025^(1/n) = 0.308497 for n = 10; x = n mirrors it.
  const ProportionInterval none = Interval(0, 10);
  EXPECT_EQ(none.lower, 0);
  EXPECT_NEAR(none.upper, 0.308497, kSixDecimals);
  EXPECT_NEAR(none.upper, 1 - std::pow(0.025, 0.1), 1e-12);
  const ProportionInterval all = Interval(10, 10);
  EXPECT_NEAR(all.lower, 0.691503, kSixDecimals);
  EXPECT_NEAR(all.lower, std::pow(0.025, 0.1), 1e-12);
  EXPECT_EQ(all.upper, 1);
}

TEST(ClopperPearsonTest, OneOfFiftyEightMatchesTheBinomialTails) {
  // The study's 58 participants. Beta(1, 58) has CDF 1 - (1 - p)^58, so the lower limit is
  // 1 - 0.975^(1/58) exactly; the upper one is checked against the summed binomial tail.
  const ProportionInterval ci = Interval(1, 58);
  EXPECT_NEAR(ci.lower, 1 - std::pow(0.975, 1.0 / 58), 1e-12);
  EXPECT_NEAR(ci.upper, TailUpper(1, 58), 1e-10);
  EXPECT_NEAR(BinomialCdf(1, 58, ci.upper), 0.025, 1e-10);
}

TEST(ClopperPearsonTest, ResponseRateOfFortyOfFiftyEightMatchesTheBinomialTails) {
  const ProportionInterval ci = Interval(40, 58);
  EXPECT_NEAR(ci.lower, TailLower(40, 58), 1e-10);
  EXPECT_NEAR(ci.upper, TailUpper(40, 58), 1e-10);
  // And the interval of the complement mirrors it.
  const ProportionInterval complement = Interval(18, 58);
  EXPECT_NEAR(ci.lower, 1 - complement.upper, 1e-12);
  EXPECT_NEAR(ci.upper, 1 - complement.lower, 1e-12);
}

TEST(ClopperPearsonTest, RejectsImpossibleCounts) {
  EXPECT_EQ(ClopperPearson(11, 10).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ClopperPearson(-1, 10).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ClopperPearson(0, 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ClopperPearson(5, 10, 1.0).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace trialgate::statistics
