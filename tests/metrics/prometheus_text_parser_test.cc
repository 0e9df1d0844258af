// The strict parser that the metrics tests rely on: it must accept what the text format
// allows and fail on every malformed line.
#include "tests/support/prometheus_text_parser.h"

#include <cmath>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace trialgate::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kValid[] =
    "# A comment line is ignored.\n"
    "# HELP jobs_total Jobs done, by \\\\ queue.\\nSecond line.\n"
    "# TYPE jobs_total counter\n"
    "jobs_total{queue=\"a\\\"b\\\\c\\nd\",kind=\"x\"} 12\n"
    "jobs_total{queue=\"e\",kind=\"x\"} 3 1700000000000\n"
    "\n"
    "# TYPE temperature gauge\n"
    "temperature{room=\"1\"} -2.5e-3\n"
    "temperature{room=\"2\"} +Inf\n"
    "temperature{room=\"3\"} -Inf\n"
    "temperature{room=\"4\"} NaN\n"
    "temperature{room=\"5\"} .5\n"
    "# HELP wait_seconds Waits.\n"
    "# TYPE wait_seconds histogram\n"
    "wait_seconds_bucket{op=\"r\",le=\"0.1\"} 1\n"
    "wait_seconds_bucket{op=\"r\",le=\"1\"} 3\n"
    "wait_seconds_bucket{op=\"r\",le=\"+Inf\"} 4\n"
    "wait_seconds_sum{op=\"r\"} 7.25\n"
    "wait_seconds_count{op=\"r\"} 4\n"
    "# TYPE up gauge\n"
    "up 1\n";

TEST(PrometheusTextParserTest, ReadsAValidScrape) {
  absl::StatusOr<PrometheusScrape> scrape = ParsePrometheusText(kValid);
  ASSERT_TRUE(scrape.ok()) << scrape.status();
  EXPECT_EQ(scrape->families.at("jobs_total").help, "Jobs done, by \\ queue.\nSecond line.");
  EXPECT_EQ(scrape->families.at("wait_seconds").type, "histogram");
  EXPECT_EQ(scrape->Value("jobs_total", {{"queue", "a\"b\\c\nd"}, {"kind", "x"}}), 12);
  EXPECT_EQ(scrape->Sum("jobs_total", {{"kind", "x"}}), 15);
  EXPECT_EQ(scrape->Value("temperature", {{"room", "1"}}), -0.0025);
  EXPECT_TRUE(std::isinf(*scrape->Value("temperature", {{"room", "2"}})));
  EXPECT_TRUE(std::isnan(*scrape->Value("temperature", {{"room", "4"}})));
  EXPECT_EQ(scrape->Value("wait_seconds_count", {{"op", "r"}}), 4);
  EXPECT_EQ(scrape->Value("up"), 1);
  EXPECT_EQ(scrape->Value("up", {{"x", "y"}}), std::nullopt);
}

TEST(PrometheusTextParserTest, AcceptsEmptyTextAndFamiliesWithoutSamples) {
  EXPECT_TRUE(ParsePrometheusText("").ok());
  EXPECT_TRUE(ParsePrometheusText("# HELP a_total A.\n# TYPE a_total counter\n").ok());
}

struct BadCase {
  const char* name;
  const char* text;
  const char* reason;  // part of the error message
};

class PrometheusTextParserBadLineTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(PrometheusTextParserBadLineTest, Fails) {
  absl::StatusOr<PrometheusScrape> scrape = ParsePrometheusText(GetParam().text);
  ASSERT_FALSE(scrape.ok()) << GetParam().text;
  EXPECT_THAT(scrape.status().message(), HasSubstr(GetParam().reason));
}

INSTANTIATE_TEST_SUITE_P(
    Lines, PrometheusTextParserBadLineTest,
    ::testing::Values(
        BadCase{"NoFinalLineFeed", "# TYPE g gauge\ng 1", "line feed"},
        BadCase{"CarriageReturn", "# TYPE g gauge\r\ng 1\n", "carriage return"},
        BadCase{"HelpBadEscape", "# HELP g a\\tb\n# TYPE g gauge\n", "not allowed in HELP"},
        BadCase{"HelpTrailingBackslash", "# HELP g a\\\n", "backslash"},
        BadCase{"HelpTwice", "# HELP g a\n# HELP g b\n", "second HELP"},
        BadCase{"HelpBadName", "# HELP 1g a\n", "no valid metric name"},
        BadCase{"HelpNameWithDash", "# HELP g-x a\n", "invalid character"},
        BadCase{"TypeTwice", "# TYPE g gauge\n# TYPE g gauge\n", "second TYPE"},
        BadCase{"TypeUnknown", "# TYPE g meter\n", "unknown type"},
        BadCase{"TypeMissing", "# TYPE g\n", "unknown type"},
        BadCase{"TypeAfterSamples", "# TYPE g gauge\ng 1\n# TYPE g gauge\n", "second TYPE"},
        BadCase{"SampleWithoutType", "g 1\n", "no TYPE"},
        BadCase{"CounterNotTotal", "# TYPE jobs counter\n", "_total"},
        BadCase{"CounterNegative", "# TYPE c_total counter\nc_total -1\n", "negative"},
        BadCase{"BadMetricName", "# TYPE g gauge\n9g 1\n", "no valid metric name"},
        BadCase{"NoBlankBeforeValue", "# TYPE g gauge\ng{a=\"1\"}1\n", "no blank"},
        BadCase{"NoValue", "# TYPE g gauge\ng \n", "expected a value"},
        BadCase{"TrailingBlank", "# TYPE g gauge\ng 1 \n", "trailing blank"},
        BadCase{"TooManyFields", "# TYPE g gauge\ng 1 2 3\n", "at most a timestamp"},
        BadCase{"BadTimestamp", "# TYPE g gauge\ng 1 12.5\n", "bad timestamp"},
        BadCase{"ValueTwoDots", "# TYPE g gauge\ng 1.2.3\n", "bad value"},
        BadCase{"ValueLowercaseInf", "# TYPE g gauge\ng inf\n", "bad value"},
        BadCase{"ValueHex", "# TYPE g gauge\ng 0x10\n", "bad value"},
        BadCase{"ValueBareExponent", "# TYPE g gauge\ng 1e\n", "bad value"},
        BadCase{"ValueWord", "# TYPE g gauge\ng one\n", "bad value"},
        BadCase{"LabelBadName", "# TYPE g gauge\ng{1a=\"x\"} 1\n", "no valid label name"},
        BadCase{"LabelReserved", "# TYPE g gauge\ng{__a=\"x\"} 1\n", "reserved"},
        BadCase{"LabelColon", "# TYPE g gauge\ng{a:b=\"x\"} 1\n", "lacks"},
        BadCase{"LabelUnquoted", "# TYPE g gauge\ng{a=x} 1\n", "lacks"},
        BadCase{"LabelUnterminated", "# TYPE g gauge\ng{a=\"x} 1\n", "unterminated"},
        BadCase{"LabelBadEscape", "# TYPE g gauge\ng{a=\"\\t\"} 1\n", "not allowed in a label"},
        BadCase{"LabelTwice", "# TYPE g gauge\ng{a=\"1\",a=\"2\"} 1\n", "twice"},
        BadCase{"LabelTrailingComma", "# TYPE g gauge\ng{a=\"1\",} 1\n", "no valid label name"},
        BadCase{"LabelsNotClosed", "# TYPE g gauge\ng{a=\"1\"\n", "labels not closed"},
        BadCase{"LabelsBadSeparator", "# TYPE g gauge\ng{a=\"1\";b=\"2\"} 1\n", "expected ,"},
        BadCase{"SeriesTwice", "# TYPE g gauge\ng{a=\"1\"} 1\ng{a=\"1\"} 2\n", "twice"},
        BadCase{"FamilySplit", "# TYPE g gauge\n# TYPE f gauge\ng 1\nf 1\n", "not one group"},
        BadCase{"FamilyResumed", "# TYPE g gauge\ng{a=\"1\"} 1\n# TYPE f gauge\nf 1\n"
                                 "g{a=\"2\"} 1\n", "not one group"},
        BadCase{"BucketsNotCumulative", "# TYPE h histogram\nh_bucket{le=\"1\"} 5\n"
                "h_bucket{le=\"+Inf\"} 4\nh_sum 1\nh_count 4\n", "not cumulative"},
        BadCase{"BucketsNotIncreasing", "# TYPE h histogram\nh_bucket{le=\"2\"} 1\n"
                "h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
                "not increasing"},
        BadCase{"NoInfBucket", "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",
                "+Inf"},
        BadCase{"InfDiffersFromCount", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\n"
                "h_count 3\n", "differs from _count"},
        BadCase{"NoSum", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 2\n", "no _sum"},
        BadCase{"NoCount", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 2\n",
                "no _count"},
        BadCase{"BucketWithoutLe", "# TYPE h histogram\nh_bucket 2\n", "without le"},
        BadCase{"BucketBadLe", "# TYPE h histogram\nh_bucket{le=\"big\"} 2\n", "bad le"},
        BadCase{"BucketFraction", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1.5\n",
                "whole number"},
        BadCase{"BucketAfterCount", "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_count 1\n"
                "h_bucket{le=\"+Inf\"} 1\n", "after the series"},
        BadCase{"HistogramPlainSample", "# TYPE h histogram\nh 1\n", "_bucket, _sum or _count"},
        BadCase{"HistogramSumWithLe", "# TYPE h histogram\nh_sum{le=\"1\"} 1\n",
                "le outside a bucket"}),
    [](const ::testing::TestParamInfo<BadCase>& info) { return info.param.name; });

}  // namespace
}  // namespace trialgate::testing
