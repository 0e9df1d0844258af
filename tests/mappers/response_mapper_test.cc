#include "mappers/response_mapper.h"

#include "gtest/gtest.h"
#include "tests/mappers/mapper_test_util.h"

namespace trialgate::mappers {
namespace {

using testing::DescribeIssues;
using testing::HasFinding;
using testing::MapJson;

std::string Assessment(const std::string& value) {
  return R"({"resourceType": "Observation", "id": "resp-1", "status": "final",
    "code": {"coding": [{"system": "urn:trialgate:krd-asct2:assessment", "code": "imwg-response"}]},
    "subject": {"reference": "Patient/pt-1"}, "effectiveDateTime": "2026-06-15",
    "valueCodeableConcept": {"coding": [)" + value + "]}}";
}

TEST(ResponseMapperTest, MapsAnImwgResponseObservationToResponseAssessed) {
  MapResult result = MapJson(
      Assessment(R"({"system": "urn:trialgate:krd-asct2:imwg-response", "code": "VGPR"})"));
  ASSERT_FALSE(result.HasErrors()) << DescribeIssues(result);
  ASSERT_EQ(result.events.size(), 1u);
  const v1::Event& event = result.events[0];
  ASSERT_TRUE(event.has_response_assessed());
  EXPECT_EQ(event.response_assessed().category(), "VGPR");
  EXPECT_EQ(event.response_assessed().status(), "final");
  EXPECT_EQ(event.response_assessed().category_as_sent().code(), "VGPR");
  EXPECT_EQ(event.occurred_at_fhir(), "2026-06-15");
  EXPECT_TRUE(result.issues.empty()) << DescribeIssues(result);
}

TEST(ResponseMapperTest, AnUnknownCategoryIsKeptAndFlagged) {
  MapResult result =
      MapJson(Assessment(R"({"system": "urn:trialgate:krd-asct2:imwg-response", "code": "nCR"})"));
  ASSERT_EQ(result.events.size(), 1u) << DescribeIssues(result);
  EXPECT_TRUE(result.events[0].response_assessed().category().empty());
  EXPECT_TRUE(HasFinding(result, "unknown-response-category"));
}

TEST(ResponseMapperTest, OtherObservationsStayLabResults) {
  MapResult result = MapJson(R"({"resourceType": "Observation", "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "33358-3"}]},
    "subject": {"reference": "Patient/pt-1"}, "effectiveDateTime": "2026-06-15",
    "valueQuantity": {"value": 1.2, "unit": "g/dL", "system": "http://unitsofmeasure.org", "code": "g/dL"}})");
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_TRUE(result.events[0].has_lab_result());
}

TEST(ResponseMapperTest, ACd34ResultIsALabResultOfTheHarvestAnalyte) {
  MapResult result = MapJson(R"({"resourceType": "Observation", "status": "final",
    "code": {"coding": [{"system": "urn:trialgate:krd-asct2:lab", "code": "cd34_per_kg"}]},
    "subject": {"reference": "Patient/pt-1"}, "effectiveDateTime": "2026-06-28",
    "valueQuantity": {"value": 3.1, "unit": "10*6/kg", "system": "http://unitsofmeasure.org", "code": "10*6/kg"}})");
  ASSERT_EQ(result.events.size(), 1u) << DescribeIssues(result);
  EXPECT_EQ(result.events[0].lab_result().analyte(), "cd34_per_kg");
  EXPECT_DOUBLE_EQ(result.events[0].lab_result().value(), 3.1);
}

}  // namespace
}  // namespace trialgate::mappers
