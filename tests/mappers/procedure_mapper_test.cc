#include "mappers/procedure_mapper.h"

#include "gtest/gtest.h"
#include "tests/mappers/mapper_test_util.h"

namespace trialgate::mappers {
namespace {

using testing::DescribeIssues;
using testing::HasFinding;
using testing::MapJson;

std::string Procedure(const std::string& coding, const std::string& extra = "") {
  return R"({"resourceType": "Procedure", "id": "proc-1", "status": "completed",
    "code": {"coding": [)" + coding + R"(]}, "subject": {"reference": "Patient/pt-1"})" + extra +
         "}";
}

TEST(ProcedureMapperTest, MapsAStemCellTransplantToTransplantPerformed) {
  MapResult result = MapJson(Procedure(R"({"system": "http://snomed.info/sct", "code": "234336002"})",
                                       R"(, "performedDateTime": "2026-07-21T10:00:00+02:00")"));
  ASSERT_FALSE(result.HasErrors()) << DescribeIssues(result);
  ASSERT_EQ(result.events.size(), 1u);
  const v1::Event& event = result.events[0];
  ASSERT_TRUE(event.has_transplant_performed());
  EXPECT_EQ(event.transplant_performed().status(), "completed");
  EXPECT_EQ(event.transplant_performed().procedure().code(), "234336002");
  EXPECT_EQ(event.occurred_at_fhir(), "2026-07-21T10:00:00+02:00");
  EXPECT_EQ(event.source().resource_type(), "Procedure");
  EXPECT_EQ(result.patient->reference, "Patient/pt-1");
  EXPECT_TRUE(result.issues.empty()) << DescribeIssues(result);
}

TEST(ProcedureMapperTest, MapsAStemCellCollectionToStemCellHarvest) {
  MapResult result = MapJson(Procedure(
      R"({"system": "urn:trialgate:krd-asct2:procedure", "code": "stem_cell_collection"})",
      R"(, "performedPeriod": {"start": "2026-06-28T08:00:00+02:00", "end": "2026-06-28T13:00:00+02:00"})"));
  ASSERT_EQ(result.events.size(), 1u) << DescribeIssues(result);
  ASSERT_TRUE(result.events[0].has_stem_cell_harvest());
  EXPECT_EQ(result.events[0].stem_cell_harvest().procedure().code(), "stem_cell_collection");
  EXPECT_EQ(result.events[0].occurred_at_fhir(), "2026-06-28T08:00:00+02:00");
}

TEST(ProcedureMapperTest, UnconfirmedCodeMatchesWithAnInformationFinding) {
  MapResult result = MapJson(Procedure(R"({"system": "http://www.ama-assn.org/go/cpt", "code": "38241"})",
                                       R"(, "performedDateTime": "2026-07-21")"));
  ASSERT_EQ(result.events.size(), 1u) << DescribeIssues(result);
  EXPECT_TRUE(result.events[0].has_transplant_performed());
  EXPECT_TRUE(HasFinding(result, "unconfirmed-code"));
}

TEST(ProcedureMapperTest, AProcedureTheStudyDoesNotTrackIsAcceptedAsNoEvent) {
  MapResult result = MapJson(Procedure(R"({"system": "http://snomed.info/sct", "code": "80146002"})",
                                       R"(, "performedDateTime": "2026-07-21")"));
  EXPECT_FALSE(result.HasErrors()) << DescribeIssues(result);
  EXPECT_TRUE(result.events.empty());
  ASSERT_EQ(result.issues.size(), 1u);
  EXPECT_EQ(result.issues[0].severity, Issue::Severity::kWarning);
  EXPECT_EQ(result.issues[0].expression, "Procedure.code.coding[0]");
  EXPECT_TRUE(result.patient.has_value());
}

TEST(ProcedureMapperTest, WithoutAPerformedTimeTheEventIsKeptAndFlagged) {
  MapResult result = MapJson(Procedure(R"({"system": "http://snomed.info/sct", "code": "234336002"})"));
  ASSERT_EQ(result.events.size(), 1u) << DescribeIssues(result);
  EXPECT_TRUE(HasFinding(result, "missing-performed-time"));
}

TEST(ProcedureMapperTest, MissingCodeStatusOrSubjectAreErrors) {
  EXPECT_TRUE(MapJson(R"({"resourceType": "Procedure", "status": "completed",
                          "subject": {"reference": "Patient/pt-1"}})").HasErrors());
  EXPECT_TRUE(MapJson(R"({"resourceType": "Procedure", "code": {"text": "x"},
                          "subject": {"reference": "Patient/pt-1"}})").HasErrors());
  EXPECT_TRUE(MapJson(R"({"resourceType": "Procedure", "status": "completed",
                          "code": {"text": "x"}})").HasErrors());
}

}  // namespace
}  // namespace trialgate::mappers
