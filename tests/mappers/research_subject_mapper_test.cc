#include "gtest/gtest.h"
#include "tests/mappers/mapper_test_util.h"

namespace trialgate::mappers {
namespace {

using testing::DescribeIssues;
using testing::FindIssue;
using testing::MapJson;
using testing::MapTestdata;

TEST(ResearchSubjectMapperTest, MapsEnrollment) {
  MapResult result = MapTestdata("krd-research-subject.json");
  ASSERT_TRUE(result.issues.empty()) << DescribeIssues(result);
  ASSERT_TRUE(result.enrollment.has_value());
  EXPECT_EQ(result.enrollment->subject_id, "KRD-01-007");  // not the MRN
  EXPECT_EQ(result.enrollment->status, "on-study");
  EXPECT_EQ(result.enrollment->enrolled_on, "2024-02-28");
  EXPECT_EQ(result.enrollment->individual.reference, "Patient/krd-pt-001");
  EXPECT_EQ(result.enrollment->individual.expression, "ResearchSubject.individual");
  ASSERT_TRUE(result.patient.has_value());
  EXPECT_EQ(result.patient->reference, "Patient/krd-pt-001");
  ASSERT_EQ(result.events.size(), 1u);
  const v1::Event& event = result.events[0];
  EXPECT_TRUE(event.subject_id().empty());  // the pipeline owns it
  EXPECT_EQ(event.enrollment_changed().status(), "on-study");
  EXPECT_EQ(event.enrollment_changed().enrolled_on(), "2024-02-28");
  EXPECT_EQ(event.enrollment_changed().arm(), "KRd");
  EXPECT_EQ(event.occurred_at().seconds(), 1709078400);  // 2024-02-28T00:00:00Z
}

TEST(ResearchSubjectMapperTest, IndividualByIdentifierAndPeriodEnd) {
  MapResult result = MapJson(R"({"resourceType": "ResearchSubject", "status": "off-study",
    "identifier": [{"system": "urn:trialgate:krd-asct2:subject", "value": "KRD-02-001"}],
    "period": {"start": "2024-01-10", "end": "2024-09-30"},
    "study": {"reference": "ResearchStudy/krd-asct2"},
    "individual": {"identifier": {"system": "urn:example-hospital:mrn", "value": "MRN-1"}}})");
  ASSERT_FALSE(result.HasErrors()) << DescribeIssues(result);
  EXPECT_EQ(result.patient->identifier_system, "urn:example-hospital:mrn");
  EXPECT_EQ(result.patient->identifier_value, "MRN-1");
  EXPECT_EQ(result.events[0].enrollment_changed().ended_on(), "2024-09-30");
}

TEST(ResearchSubjectMapperTest, MissingSubjectIdDateAndIndividualAreErrors) {
  MapResult result = MapJson(R"({"resourceType": "ResearchSubject", "status": "on-study",
    "identifier": [{"system": "urn:example-hospital:mrn", "value": "MRN-0042"}],
    "study": {"reference": "ResearchStudy/krd-asct2"}})");
  EXPECT_TRUE(result.events.empty());
  for (const char* path : {"ResearchSubject.identifier", "ResearchSubject.period.start",
                           "ResearchSubject.individual"}) {
    const Issue* issue = FindIssue(result, path);
    ASSERT_NE(issue, nullptr) << path << "\n" << DescribeIssues(result);
    EXPECT_EQ(issue->code, "required") << path;
  }
  EXPECT_NE(FindIssue(result, "ResearchSubject.identifier")->diagnostics.find(
                "urn:trialgate:krd-asct2:subject"),
            std::string::npos);
}

TEST(ResearchSubjectMapperTest, BadShapesAndStatus) {
  MapResult result = MapJson(R"({"resourceType": "ResearchSubject",
    "identifier": {"system": "urn:trialgate:krd-asct2:subject", "value": "KRD-01-007"},
    "period": {"start": "2024-02-30"}, "individual": {"display": "someone"}})");
  EXPECT_TRUE(result.events.empty());
  EXPECT_EQ(FindIssue(result, "ResearchSubject.identifier")->code, "structure");
  EXPECT_EQ(FindIssue(result, "ResearchSubject.period.start")->code, "value");
  EXPECT_EQ(FindIssue(result, "ResearchSubject.individual")->code, "required");
  EXPECT_EQ(FindIssue(result, "ResearchSubject.status")->code, "required");
}

}  // namespace
}  // namespace trialgate::mappers
