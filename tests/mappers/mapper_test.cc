#include "mappers/mapper.h"

#include "gtest/gtest.h"
#include "tests/mappers/mapper_test_util.h"

namespace trialgate::mappers {
namespace {

using testing::DescribeIssues;
using testing::MapJson;

TEST(MapResourceTest, UnsupportedTypeListsTheSupportedOnes) {
  MapResult result = MapJson(R"({"resourceType": "Condition", "id": "c1"})");
  ASSERT_EQ(result.issues.size(), 1u) << DescribeIssues(result);
  const Issue& issue = result.issues[0];
  EXPECT_EQ(issue.severity, Issue::Severity::kError);
  EXPECT_EQ(issue.code, "not-supported");
  EXPECT_EQ(issue.expression, "Condition");
  for (const std::string& type : SupportedResourceTypes()) {
    EXPECT_NE(issue.diagnostics.find(type), std::string::npos) << type;
  }
  EXPECT_TRUE(result.events.empty());
}

TEST(MapResourceTest, SupportedTypesAreStable) {
  EXPECT_EQ(SupportedResourceTypes(),
            (std::vector<std::string>{"MedicationAdministration", "Observation", "AdverseEvent",
                                      "ResearchSubject", "Procedure", "Patient", "Consent",
                                      "Encounter"}));
}

TEST(MapResourceTest, NonObjectsAndMissingResourceTypeAreErrors) {
  for (const char* json : {"[]", "\"Observation\"", "42", "null", "{}",
                           R"({"resourceType": 5})", R"({"resourceType": ["Observation"]})"}) {
    MapResult result = MapJson(json);
    EXPECT_TRUE(result.HasErrors()) << json;
    EXPECT_TRUE(result.events.empty()) << json;
  }
}

TEST(MapResourceTest, ArbitraryShapesNeverCrash) {
  // Every member the mappers read, set to every JSON type.
  const char* kValues[] = {"null", "true", "1", "-1.5", "\"x\"", "\"\"", "[]", "{}", "[1, {}]",
                           R"({"coding": 3, "text": 4, "value": "7", "start": 1})"};
  const char* kMembers[] = {"id", "meta", "status", "statusReason", "medicationCodeableConcept",
                            "medicationReference", "contained", "subject", "effectiveDateTime",
                            "effectivePeriod", "dosage", "code", "valueQuantity", "valueString",
                            "valueCodeableConcept", "valueInteger", "valueBoolean",
                            "referenceRange", "interpretation", "effectiveInstant", "issued",
                            "dataAbsentReason", "event", "extension", "seriousness",
                            "suspectEntity", "outcome", "date", "detected", "actuality",
                            "identifier", "period", "individual", "assignedArm",
                            "performedDateTime", "performedPeriod", "deceasedDateTime",
                            "deceasedBoolean", "scope", "patient", "dateTime", "class"};
  for (const std::string& type : SupportedResourceTypes()) {
    for (const char* member : kMembers) {
      for (const char* value : kValues) {
        MapResult result = MapJson(R"({"resourceType": ")" + type + R"(", ")" + member +
                                   "\": " + value + "}");
        // A Patient needs nothing: it maps to no event unless it reports a death, as none does.
        if (type == "Patient") {
          EXPECT_TRUE(result.events.empty()) << type << "." << member << " = " << value;
          continue;
        }
        EXPECT_TRUE(result.HasErrors()) << type << "." << member << " = " << value;
      }
    }
  }
}

}  // namespace
}  // namespace trialgate::mappers
