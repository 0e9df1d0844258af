// The native R4 invariants on their own (no definitions needed): the edge cases of dom-3 and
// dom-6. The other rules have one golden case each (tests/validation/golden/inv_*).
#include "gateway/validation/invariants.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "tests/validation/validation_test_util.h"

namespace trialgate::validation {
namespace {

using testing::Describe;

std::vector<Issue> Check(const std::string& json, const std::string& path = "") {
  rapidjson::Document document;
  document.Parse(json.c_str());
  EXPECT_FALSE(document.HasParseError()) << json;
  std::vector<Issue> issues;
  CheckInvariants(document, path.empty() ? document["resourceType"].GetString() : path, &issues);
  return issues;
}

// The issues of one rule ("dom-3"), by expression.
std::vector<std::string> Rule(const std::vector<Issue>& issues, const std::string& key) {
  std::vector<std::string> expressions;
  for (const Issue& issue : issues) {
    if (issue.diagnostics.rfind(key + ": ", 0) == 0) expressions.push_back(issue.expression);
  }
  return expressions;
}

constexpr char kText[] =
    R"("text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"})";

// An Observation with a narrative and `members`.
std::string Obs(const std::string& members) {
  return std::string(R"({"resourceType":"Observation",)") + kText +
         R"(,"status":"final","code":{"text":"x"},)" + members + "}";
}

TEST(Dom3Test, ContainedReferencedFromTheContainerPasses) {
  const auto issues = Check(Obs(R"("contained":[{"resourceType":"Patient","id":"p1"}],)"
                                R"("subject":{"reference":"#p1"})"));
  EXPECT_TRUE(issues.empty()) << Describe(issues);
}

TEST(Dom3Test, UnreferencedContainedIsAnErrorAtItsPath) {
  const auto issues = Check(Obs(R"("contained":[{"resourceType":"Patient","id":"p1"},)"
                                R"({"resourceType":"Patient","id":"p2"}],)"
                                R"("subject":{"reference":"#p1"})"));
  ASSERT_EQ(issues.size(), 1u) << Describe(issues);
  EXPECT_EQ(issues[0].severity, Issue::Severity::kError);
  EXPECT_EQ(issues[0].code, "invariant");
  EXPECT_EQ(issues[0].expression, "Observation.contained[1]");
  EXPECT_THAT(issues[0].diagnostics,
              ::testing::StartsWith("dom-3: If the resource is contained in another resource, it "
                                    "SHALL be referred to from elsewhere in the resource"));
}

TEST(Dom3Test, ContainedReferencedFromAnotherContainedResourcePasses) {
  // The administration refers to the Medication, the Medication to the Substance.
  const auto issues = Check(std::string(R"({"resourceType":"MedicationAdministration",)") +
                            kText + R"(,"status":"completed",)"
                            R"("medicationReference":{"reference":"#med"},)"
                            R"("subject":{"reference":"Patient/1"},)"
                            R"("effectiveDateTime":"2026-01-05",)"
                            R"("contained":[)"
                            R"({"resourceType":"Medication","id":"med","ingredient":[)"
                            R"({"itemReference":{"reference":"#sub"}}]},)"
                            R"({"resourceType":"Substance","id":"sub","code":{"text":"x"}}]})");
  EXPECT_TRUE(Rule(issues, "dom-3").empty()) << Describe(issues);
}

TEST(Dom3Test, ContainedThatRefersBackToTheContainerPasses) {
  // Nothing refers to #prov, but it refers to the Observation that contains it ("#").
  const auto issues = Check(Obs(R"("contained":[{"resourceType":"Provenance","id":"prov",)"
                                R"("target":[{"reference":"#"}],"recorded":"2026-01-05T10:00:00Z",)"
                                R"("agent":[{"who":{"reference":"Practitioner/1"}}]}])"));
  EXPECT_TRUE(Rule(issues, "dom-3").empty()) << Describe(issues);
}

TEST(Dom3Test, ABackReferenceOutsideTheContainedResourceDoesNotCount) {
  // "#" in the container itself refers to the container, not to the contained Patient.
  const auto issues = Check(Obs(R"("contained":[{"resourceType":"Patient","id":"p1"}],)"
                                R"("focus":[{"reference":"#"}])"));
  EXPECT_THAT(Rule(issues, "dom-3"), ::testing::ElementsAre("Observation.contained[0]"));
}

TEST(Dom3Test, CanonicalAndUriValuesCount) {
  // dom-3 counts canonical, uri and url values, not only Reference.reference: here an
  // extension's valueCanonical, and a valueUri inside a primitive's extension.
  const auto canonical = Check(Obs(
      R"("contained":[{"resourceType":"Questionnaire","id":"q","status":"draft"}],)"
      R"("extension":[{"url":"http://example.org/form","valueCanonical":"#q"}])"));
  EXPECT_TRUE(Rule(canonical, "dom-3").empty()) << Describe(canonical);
  const auto uri = Check(Obs(
      R"("contained":[{"resourceType":"Patient","id":"p1"}],)"
      R"("_status":{"extension":[{"url":"http://example.org/who","valueUri":"#p1"}]})"));
  EXPECT_TRUE(Rule(uri, "dom-3").empty()) << Describe(uri);
}

TEST(Dom3Test, ANarrativeLinkIsNotAReference) {
  // The FHIRPath looks at references and canonical/uri/url values; the xhtml of the narrative
  // is none of these.
  const auto issues = Check(
      R"({"resourceType":"Observation","text":{"status":"generated","div":)"
      R"("<div xmlns=\"http://www.w3.org/1999/xhtml\"><a href=\"#p1\">patient</a></div>"},)"
      R"("status":"final","code":{"text":"x"},"contained":[{"resourceType":"Patient","id":"p1"}]})");
  EXPECT_THAT(Rule(issues, "dom-3"), ::testing::ElementsAre("Observation.contained[0]"));
}

TEST(Dom3Test, ContainedWithoutIdIsNotJudged) {
  // As in the FHIRPath ('#' + id is empty, so the where() criterion is empty, not true).
  const auto issues = Check(Obs(R"("contained":[{"resourceType":"Patient","gender":"female"}])"));
  EXPECT_TRUE(Rule(issues, "dom-3").empty()) << Describe(issues);
}

TEST(Dom3Test, InsideABundleEntryOnlyThatEntryCounts) {
  // A contained resource is local to its container: another entry referring to "#p1" does not
  // make it referenced.
  const auto issues = Check(
      std::string(R"({"resourceType":"Bundle","type":"collection","entry":[)") +
      R"({"fullUrl":"urn:uuid:1","resource":)" +
      Obs(R"("contained":[{"resourceType":"Patient","id":"p1"}])") + "}," +
      R"({"fullUrl":"urn:uuid:2","resource":)" + Obs(R"("subject":{"reference":"#p1"})") +
      "}]}");
  EXPECT_THAT(Rule(issues, "dom-3"),
              ::testing::ElementsAre("Bundle.entry[0].resource.contained[0]"));
}

TEST(Dom6Test, ResourceWithoutNarrativeIsAWarningOnTheResource) {
  const auto issues = Check(R"({"resourceType":"Observation","status":"final","code":{"text":"x"}})");
  ASSERT_EQ(issues.size(), 1u) << Describe(issues);
  EXPECT_EQ(issues[0].severity, Issue::Severity::kWarning);
  EXPECT_EQ(issues[0].code, "invariant");
  EXPECT_EQ(issues[0].expression, "Observation");
  EXPECT_EQ(issues[0].diagnostics,
            "dom-6: A resource should have narrative for robust management (Observation)");
}

TEST(Dom6Test, TextWithoutDivIsNoNarrative) {
  const auto issues = Check(
      R"({"resourceType":"Patient","text":{"status":"generated"},"gender":"female"})");
  EXPECT_THAT(Rule(issues, "dom-6"), ::testing::ElementsAre("Patient"));
}

TEST(Dom6Test, ContainedResourcesAreExempt) {
  // R4: "Contained resources do not have narrative" (DomainResource.text).
  const auto issues = Check(Obs(R"("contained":[{"resourceType":"Patient","id":"p1"}],)"
                                R"("subject":{"reference":"#p1"})"));
  EXPECT_TRUE(issues.empty()) << Describe(issues);
}

TEST(Dom6Test, EveryBundleEntryIsCheckedButNotTheBundle) {
  // Bundle, Binary and Parameters are not DomainResources; a Bundle's entries are not contained.
  const auto issues = Check(
      std::string(R"({"resourceType":"Bundle","type":"collection","entry":[)") +
      R"({"fullUrl":"urn:uuid:1","resource":)" + Obs(R"("id":"o1")") + "}," +
      R"({"fullUrl":"urn:uuid:2","resource":{"resourceType":"Patient","id":"p1"}},)" +
      R"({"fullUrl":"urn:uuid:3","resource":{"resourceType":"Binary","contentType":"text/plain"}},)" +
      R"({"fullUrl":"urn:uuid:4","resource":{"resourceType":"Parameters"}}]})");
  EXPECT_THAT(Rule(issues, "dom-6"), ::testing::ElementsAre("Bundle.entry[1].resource"));
}

TEST(Dom6Test, NotForWhatIsNoR4ResourceType) {
  // The validator reports the unknown type itself; a narrative warning would only add noise.
  EXPECT_TRUE(Check(R"({"resourceType":"Nonsense"})").empty());
  EXPECT_TRUE(Check(R"({"resourceType":"SubscriptionStatus"})").empty());  // R4B, not R4
}

}  // namespace
}  // namespace trialgate::validation
