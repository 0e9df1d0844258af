// R4 invariants of data types as the validator applies them wherever the type is used.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/validation/validation_test_util.h"

namespace trialgate::validation {
namespace {

using testing::Describe;
using testing::Errors;
using testing::ValidateJson;

// An Observation (with narrative) whose effectivePeriod is `period`.
std::vector<Issue> WithPeriod(const std::string& period) {
  return Errors(ValidateJson(
      R"({"resourceType": "Observation", "text": {"status": "generated",
          "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"},
          "status": "final", "code": {"text": "x"}, "effectivePeriod": )" + period + "}"));
}

TEST(DatatypeInvariantsTest, Per1ComparesOnlyWhatBothPrecisionsSay) {
  EXPECT_TRUE(WithPeriod(R"({"start": "2026-03-01", "end": "2026-03-02"})").empty());
  EXPECT_TRUE(WithPeriod(R"({"start": "2026-03-01", "end": "2026-03-01"})").empty());
  // A month and a day in it: FHIRPath cannot order them, so the rule holds.
  EXPECT_TRUE(WithPeriod(R"({"start": "2026-03", "end": "2026-03-01"})").empty());
  EXPECT_EQ(WithPeriod(R"({"start": "2026-04", "end": "2026-03-31"})").size(), 1u);
  EXPECT_EQ(WithPeriod(R"({"start": "2026-03-02", "end": "2026-03-01T23:00:00+01:00"})").size(), 1u);
  // Instants compare across zones: 00:00Z starts before 04:30Z.
  EXPECT_TRUE(
      WithPeriod(R"({"start": "2026-03-02T01:00:00+01:00", "end": "2026-03-01T23:30:00-05:00"})")
          .empty());
  const std::vector<Issue> reversed =
      WithPeriod(R"({"start": "2026-03-02T06:00:00Z", "end": "2026-03-02T01:00:00-04:00"})");
  ASSERT_EQ(reversed.size(), 1u) << Describe(reversed);
  EXPECT_EQ(reversed[0].expression, "Observation.effective.ofType(Period)");
}

TEST(DatatypeInvariantsTest, QuantityRulesApplyToEveryQuantityIncludingInExtensions) {
  // qty-3 inside an extension's valueQuantity on a component.
  const std::vector<Issue> issues = Errors(ValidateJson(
      R"({"resourceType": "Observation", "text": {"status": "generated",
          "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"},
          "status": "final", "code": {"text": "x"},
          "component": [{"code": {"text": "y"}, "extension": [{"url": "urn:example:e",
                         "valueQuantity": {"value": 1, "code": "mg"}}]}]})"));
  ASSERT_EQ(issues.size(), 1u) << Describe(issues);
  EXPECT_EQ(issues[0].expression, "Observation.component[0].extension[0].value.ofType(Quantity)");
  EXPECT_EQ(issues[0].diagnostics.rfind("qty-3: ", 0), 0u) << issues[0].diagnostics;
}

TEST(DatatypeInvariantsTest, Ext1IsReportedOnceThoughElementAndTypeBothCarryIt) {
  const std::vector<Issue> issues = Errors(ValidateJson(
      R"({"resourceType": "Observation", "text": {"status": "generated",
          "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"},
          "extension": [{"url": "urn:example:e"}], "status": "final", "code": {"text": "x"}})"));
  ASSERT_EQ(issues.size(), 1u) << Describe(issues);
  EXPECT_EQ(issues[0].expression, "Observation.extension[0]");
}

}  // namespace
}  // namespace trialgate::validation
