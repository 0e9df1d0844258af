#include "gtest/gtest.h"
#include "tests/mappers/mapper_test_util.h"

namespace trialgate::mappers {
namespace {

using testing::DescribeIssues;
using testing::FindIssue;
using testing::HasFinding;
using testing::MapFixture;
using testing::MapJson;
using testing::MapTestdata;

const v1::AdverseEventReported& Ae(const MapResult& result) {
  static const v1::AdverseEventReported kEmpty;
  if (result.events.size() != 1) {
    ADD_FAILURE() << "expected one event\n" << DescribeIssues(result);
    return kEmpty;
  }
  return result.events[0].adverse_event_reported();
}

std::string AeWithGradeExtension(const std::string& extension) {
  return R"({"resourceType": "AdverseEvent", "actuality": "actual",
    "extension": [)" + extension + R"(],
    "event": {"coding": [{"system": "https://www.meddra.org", "code": "10016256"}]},
    "subject": {"reference": "Patient/1"}, "date": "2024-03-20"})";
}

TEST(AdverseEventMapperTest, MapsNeutropeniaGrade3) {
  MapResult result = MapTestdata("krd-ae-neutropenia-grade3.json");
  ASSERT_TRUE(result.issues.empty()) << DescribeIssues(result);
  const v1::AdverseEventReported& ae = Ae(result);
  EXPECT_EQ(ae.term(), "Neutrophil count decreased");
  EXPECT_EQ(ae.meddra_code(), "10029366");
  EXPECT_EQ(ae.grade(), 3);
  EXPECT_FALSE(ae.serious());
  EXPECT_EQ(ae.seriousness().code(), "non-serious");
  EXPECT_EQ(ae.attribution(), "");  // sent only as text ("probably related"): not forwarded
  EXPECT_EQ(ae.outcome(), "recovering");
  EXPECT_EQ(ae.actuality(), "actual");
  EXPECT_EQ(ae.event_as_sent().system(), "https://www.meddra.org");
  // Onset is AdverseEvent.date, not the later detection time.
  EXPECT_EQ(result.events[0].occurred_at_fhir(), "2024-03-20");
  EXPECT_EQ(ae.onset().seconds(), 1710892800);  // 2024-03-20T00:00:00Z
  EXPECT_EQ(result.events[0].source().version_id(), "1");
}

TEST(AdverseEventMapperTest, MatchesCtcaeTermByTextCaseInsensitively) {
  MapResult result = MapTestdata("krd-ae-serious-text-only.json");
  ASSERT_FALSE(result.HasErrors()) << DescribeIssues(result);
  const v1::AdverseEventReported& ae = Ae(result);
  EXPECT_EQ(ae.term(), "Febrile neutropenia");
  EXPECT_EQ(ae.meddra_code(), "10016288");
  EXPECT_TRUE(ae.serious());  // "Serious" as the R4 code system spells it
  EXPECT_EQ(result.events[0].occurred_at_fhir(), "2024-03-22T03:10:00Z");  // from detected
}

TEST(AdverseEventMapperTest, AcceptsOtherMeddraSystemUris) {
  for (const char* system : {"http://terminology.hl7.org/CodeSystem/mdr",
                             "urn:oid:2.16.840.1.113883.6.163"}) {
    MapResult result = MapJson(std::string(R"({"resourceType": "AdverseEvent", "actuality": "actual",
      "extension": [{"url": "urn:trialgate:krd-asct2:extension:ctcae-grade", "valueInteger": 2}],
      "event": {"coding": [{"system": ")") + system + R"(", "code": "10012727"}]},
      "subject": {"reference": "Patient/1"}, "date": "2024-03-20"})");
    EXPECT_EQ(Ae(result).term(), "Diarrhea") << system;
    EXPECT_EQ(Ae(result).grade(), 2);
  }
}

TEST(AdverseEventMapperTest, UnknownMeddraCodeIsKeptWithWarning) {
  MapResult result = MapJson(R"({"resourceType": "AdverseEvent", "actuality": "actual",
    "extension": [{"url": "urn:trialgate:krd-asct2:extension:ctcae-grade", "valueInteger": 1}],
    "event": {"coding": [{"system": "https://www.meddra.org", "code": "10099999", "display": "Something new"}]},
    "subject": {"reference": "Patient/1"}, "date": "2024-03-20"})");
  ASSERT_FALSE(result.HasErrors()) << DescribeIssues(result);
  EXPECT_EQ(Ae(result).meddra_code(), "10099999");
  EXPECT_EQ(Ae(result).term(), "Something new");
  const Issue* warning = FindIssue(result, "AdverseEvent.event.coding[0]", Issue::Severity::kWarning);
  ASSERT_NE(warning, nullptr) << DescribeIssues(result);
  EXPECT_NE(warning->diagnostics.find("https://www.meddra.org|10099999"), std::string::npos);
  EXPECT_TRUE(HasFinding(result, "unknown-ae-term"));
}

TEST(AdverseEventMapperTest, GradeAsStringIsAnErrorOnThatExtension) {
  MapResult result = MapTestdata("krd-ae-grade-as-string.json");
  const Issue* issue = FindIssue(result, "AdverseEvent.extension[0]");
  ASSERT_NE(issue, nullptr) << DescribeIssues(result);
  EXPECT_EQ(issue->code, "value");
  EXPECT_TRUE(result.events.empty());
}

TEST(AdverseEventMapperTest, GradeOutsideOneToFiveIsAnError) {
  for (const char* value : {"0", "6", "2.5", "\"3\"", "null"}) {
    MapResult result = MapJson(AeWithGradeExtension(
        std::string(R"({"url": "urn:trialgate:krd-asct2:extension:ctcae-grade", "valueInteger": )") +
        value + "}"));
    EXPECT_NE(FindIssue(result, "AdverseEvent.extension[0].valueInteger"), nullptr)
        << value << "\n" << DescribeIssues(result);
  }
  MapResult two = MapJson(AeWithGradeExtension(
      R"({"url": "urn:trialgate:krd-asct2:extension:ctcae-grade", "valueInteger": 2},
         {"url": "urn:trialgate:krd-asct2:extension:ctcae-grade", "valueInteger": 3})"));
  EXPECT_NE(FindIssue(two, "AdverseEvent.extension[1]"), nullptr) << DescribeIssues(two);
  MapResult other = MapJson(AeWithGradeExtension(
      R"({"url": "http://example.org/other", "valueString": "x"},
         {"url": "urn:trialgate:krd-asct2:extension:ctcae-grade", "valueInteger": 5})"));
  ASSERT_FALSE(other.HasErrors()) << DescribeIssues(other);
  EXPECT_EQ(Ae(other).grade(), 5);
}

TEST(AdverseEventMapperTest, OfficialExampleKeepsTheUnknownSnomedEvent) {
  TRIALGATE_REQUIRE_FIXTURES();
  MapResult result = MapFixture("r4ex-AdverseEvent-example.json");
  ASSERT_FALSE(result.HasErrors()) << DescribeIssues(result);
  const v1::AdverseEventReported& ae = Ae(result);
  // The coding's display; the text ("This was a mild rash on the left forearm") stays behind.
  EXPECT_EQ(ae.term(), "O/E - itchy rash");
  EXPECT_TRUE(ae.meddra_code().empty());
  EXPECT_EQ(ae.event_as_sent().code(), "304386008");
  EXPECT_EQ(ae.grade(), 0);
  EXPECT_FALSE(ae.serious());
  EXPECT_EQ(ae.seriousness().code(), "Non-serious");
  EXPECT_EQ(ae.actuality(), "actual");
  EXPECT_EQ(result.events[0].occurred_at().seconds(), 1485693296);  // 2017-01-29T12:34:56Z
  EXPECT_EQ(result.patient->reference, "Patient/example");
  const Issue* unknown = FindIssue(result, "AdverseEvent.event.coding[0]", Issue::Severity::kWarning);
  ASSERT_NE(unknown, nullptr) << DescribeIssues(result);
  EXPECT_NE(unknown->diagnostics.find("http://snomed.info/sct|304386008"), std::string::npos);
  EXPECT_TRUE(HasFinding(result, "unknown-ae-term"));
  EXPECT_TRUE(HasFinding(result, "missing-ctcae-grade"));
}

TEST(AdverseEventMapperTest, ReportsBadShapes) {
  MapResult result = MapJson(R"({"resourceType": "AdverseEvent", "actuality": 1,
    "extension": {"url": "urn:trialgate:krd-asct2:extension:ctcae-grade", "valueInteger": 3},
    "event": "fatigue", "subject": [{"reference": "Patient/1"}],
    "suspectEntity": [{"causality": {"assessment": {"text": "related"}}}],
    "date": "20-03-2024"})");
  EXPECT_TRUE(result.events.empty());
  for (const char* path : {"AdverseEvent.actuality", "AdverseEvent.extension", "AdverseEvent.event",
                           "AdverseEvent.subject", "AdverseEvent.suspectEntity[0].causality",
                           "AdverseEvent.date"}) {
    EXPECT_NE(FindIssue(result, path), nullptr) << path << "\n" << DescribeIssues(result);
  }
}

}  // namespace
}  // namespace trialgate::mappers
