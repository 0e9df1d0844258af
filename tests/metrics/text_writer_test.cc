// The registry and the text writer: what they render is the format's, checked line for line
// and by the strict parser.
#include "gateway/metrics/text_writer.h"

#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "gateway/metrics/registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/prometheus_text_parser.h"

namespace trialgate::metrics {
namespace {

using ::testing::HasSubstr;
using ::trialgate::testing::ParsePrometheusText;
using ::trialgate::testing::PrometheusScrape;

PrometheusScrape Parse(const std::string& text) {
  absl::StatusOr<PrometheusScrape> scrape = ParsePrometheusText(text);
  EXPECT_TRUE(scrape.ok()) << scrape.status() << "\n" << text;
  return scrape.ok() ? *std::move(scrape) : PrometheusScrape();
}

TEST(TextWriterTest, EscapesHelpAndLabelValues) {
  Registry registry;
  CounterFamily* family =
      registry.AddCounter("calls_total", "Calls \\ by\nsystem \"quoted\".", {"system"});
  family->Child({"a\\b\"c\nd"})->Increment(2);
  const std::string text = WriteText(registry.Collect());
  EXPECT_EQ(text,
            "# HELP calls_total Calls \\\\ by\\nsystem \"quoted\".\n"
            "# TYPE calls_total counter\n"
            "calls_total{system=\"a\\\\b\\\"c\\nd\"} 2\n");
  const PrometheusScrape scrape = Parse(text);
  EXPECT_EQ(scrape.families.at("calls_total").help, "Calls \\ by\nsystem \"quoted\".");
  EXPECT_EQ(scrape.Value("calls_total", {{"system", "a\\b\"c\nd"}}), 2);
}

TEST(TextWriterTest, WritesHistogramsCumulativeEndingInInf) {
  Registry registry;
  HistogramFamily* family = registry.AddHistogram("wait_seconds", "Waits.", {"op"}, {0.5, 1, 2});
  Histogram* read = family->Child({"read"});
  for (double value : {0.25, 0.5, 0.75, 3.0, 100.0}) read->Observe(value);
  EXPECT_EQ(WriteText(registry.Collect()),
            "# HELP wait_seconds Waits.\n"
            "# TYPE wait_seconds histogram\n"
            "wait_seconds_bucket{op=\"read\",le=\"0.5\"} 2\n"
            "wait_seconds_bucket{op=\"read\",le=\"1\"} 3\n"
            "wait_seconds_bucket{op=\"read\",le=\"2\"} 3\n"
            "wait_seconds_bucket{op=\"read\",le=\"+Inf\"} 5\n"
            "wait_seconds_sum{op=\"read\"} 104.5\n"
            "wait_seconds_count{op=\"read\"} 5\n");
}

TEST(TextWriterTest, WritesAHistogramWithoutLabels) {
  Registry registry;
  registry.AddHistogram("size", "Sizes.", {}, {1, 10})->Child({})->Observe(4);
  const std::string text = WriteText(registry.Collect());
  EXPECT_THAT(text, HasSubstr("size_bucket{le=\"10\"} 1\nsize_bucket{le=\"+Inf\"} 1\n"
                              "size_sum 4\nsize_count 1\n"));
  Parse(text);
}

TEST(TextWriterTest, ComputesGaugesAtEachScrape) {
  Registry registry;
  double depth = 3;
  registry.AddGauge("queue_depth", "Waiting.", {"queue"}, [&depth] {
    return std::vector<GaugeSample>{{{"a"}, depth},
                                    {{"b"}, std::numeric_limits<double>::infinity()},
                                    {{"wrong", "arity"}, 1}};
  });
  PrometheusScrape first = Parse(WriteText(registry.Collect()));
  EXPECT_EQ(first.Value("queue_depth", {{"queue", "a"}}), 3);
  depth = 0.25;
  const std::string text = WriteText(registry.Collect());
  EXPECT_THAT(text, HasSubstr("queue_depth{queue=\"a\"} 0.25\nqueue_depth{queue=\"b\"} +Inf\n"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("arity")));
  Parse(text);
}

TEST(TextWriterTest, WritesEmptyFamiliesAsHelpAndTypeOnly) {
  Registry registry;
  registry.AddCounter("errors_total", "Errors.", {"code"});
  registry.AddHistogram("latency_seconds", "Latency.", {"stage"}, {1});
  registry.AddGauge("lag_seconds", "Lag.", {"destination"}, [] {
    return std::vector<GaugeSample>();
  });
  const std::string text = WriteText(registry.Collect());
  EXPECT_EQ(text,
            "# HELP errors_total Errors.\n# TYPE errors_total counter\n"
            "# HELP latency_seconds Latency.\n# TYPE latency_seconds histogram\n"
            "# HELP lag_seconds Lag.\n# TYPE lag_seconds gauge\n");
  EXPECT_TRUE(Parse(text).samples.empty());
  EXPECT_EQ(WriteText({}), "");
}

TEST(TextWriterTest, FormatsValuesAsTheFormatReadsThem) {
  EXPECT_EQ(FormatValue(1), "1");
  EXPECT_EQ(FormatValue(0.005), "0.005");
  EXPECT_EQ(FormatValue(1e-5), "1e-05");
  EXPECT_EQ(FormatValue(-2.5), "-2.5");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(RegistryTest, GivesTheSameChildForTheSameLabelsAndCountsAcrossThreads) {
  Registry registry;
  CounterFamily* family = registry.AddCounter("hits_total", "Hits.", {"a", "b"});
  EXPECT_EQ(family->Child({"x", "y"}), family->Child({"x", "y"}));
  // The key keeps the values apart: ("xy","") is not ("x","y").
  EXPECT_NE(family->Child({"xy", ""}), family->Child({"x", "y"}));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([family, t] {
      const char* parity = t % 2 == 0 ? "even" : "odd";
      for (int i = 0; i < 10000; ++i) family->Child({"x", parity})->Increment();
    });
  }
  for (std::thread& thread : threads) thread.join();
  const PrometheusScrape scrape = Parse(WriteText(registry.Collect()));
  EXPECT_EQ(scrape.Sum("hits_total", {{"a", "x"}}), 40000);
  EXPECT_EQ(scrape.Value("hits_total", {{"a", "x"}, {"b", "even"}}), 20000);
}

TEST(RegistryDeathTest, RefusesBadDefinitions) {
  EXPECT_DEATH(Registry().AddCounter("hits", "No _total.", {}), "_total");
  EXPECT_DEATH(Registry().AddCounter("9_total", "Bad name.", {}), "not a valid metric name");
  EXPECT_DEATH(Registry().AddCounter("a_total", "Bad label.", {"__x"}), "invalid label name");
  EXPECT_DEATH(Registry().AddHistogram("h", "le label.", {"le"}, {1}), "'le'");
  EXPECT_DEATH(Registry().AddHistogram("h", "Unsorted.", {}, {2, 1}), "strictly increasing");
  EXPECT_DEATH(
      {
        Registry registry;
        registry.AddGauge("g", "Twice.", {}, [] { return std::vector<GaugeSample>(); });
        registry.AddGauge("g", "Twice.", {}, [] { return std::vector<GaugeSample>(); });
      },
      "added twice");
  EXPECT_DEATH(Registry().AddCounter("c_total", "Arity.", {"a"})->Child({}), "label values");
}

}  // namespace
}  // namespace trialgate::metrics
