// MapContext::root_path: every issue and the PatientRef are reported under the root the caller
// names ("Bundle.entry[3].resource.code"), and under the resource type when it names none.
#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/mappers/mapper_test_util.h"

namespace trialgate::mappers {
namespace {

using testing::DescribeIssues;
using testing::MapJson;

constexpr char kEntry[] = "Bundle.entry[3].resource";

struct ExpectedIssue {
  Issue::Severity severity;
  std::string code;
  std::string under_root;  // the expression after the root: ".status", "" for the root itself
};

struct Case {
  std::string type;
  std::string json;
  std::vector<ExpectedIssue> issues;  // in the order the mapper reports them
  std::string patient;                // PatientRef::expression after the root
};

constexpr Issue::Severity kError = Issue::Severity::kError;
constexpr Issue::Severity kWarning = Issue::Severity::kWarning;

// One resource of each type with at least one error (and a warning where the type has any),
// and a patient the mapper can read.
std::vector<Case> Cases() {
  return {
      {"MedicationAdministration",
       R"({"resourceType": "MedicationAdministration", "status": "not-done",
          "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "161"}]},
          "subject": {"reference": "Patient/pt-1"}})",
       {{kWarning, "required", ".statusReason"},
        {kWarning, "code-invalid", ".medicationCodeableConcept.coding[0]"},
        {kError, "required", ".effective[x]"}},
       ".subject"},
      {"Observation",
       R"({"resourceType": "Observation",
          "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
          "subject": {"reference": "Patient/pt-1"}, "valueBoolean": "yes"})",
       {{kError, "required", ".status"},
        {kWarning, "code-invalid", ".code.coding[0]"},
        {kError, "structure", ".valueBoolean"},
        {kWarning, "required", ".effective[x]"}},
       ".subject"},
      {"Observation",  // a response assessment
       R"({"resourceType": "Observation", "status": "final",
          "code": {"coding": [{"system": "urn:trialgate:krd-asct2:assessment", "code": "imwg-response"}]},
          "subject": {"identifier": {"system": "urn:example-hospital:mrn", "value": "MRN-1"}},
          "effectiveDateTime": "2026-02-30",
          "valueCodeableConcept": {"coding": [{"system": "urn:trialgate:krd-asct2:imwg-response", "code": "nCR"}]}})",
       {{kWarning, "code-invalid", ".valueCodeableConcept"},
        {kError, "value", ".effectiveDateTime"}},
       ".subject"},
      {"AdverseEvent",
       R"({"resourceType": "AdverseEvent", "subject": {"reference": "Patient/pt-1"}})",
       {{kError, "required", ".actuality"},
        {kWarning, "required", ".event"},
        {kWarning, "required", ".extension"},
        {kWarning, "required", ".date"}},
       ".subject"},
      {"Procedure",
       R"({"resourceType": "Procedure",
          "code": {"coding": [{"system": "http://snomed.info/sct", "code": "234336002"}]},
          "subject": {"reference": "Patient/pt-1"}})",
       {{kError, "required", ".status"},
        {kWarning, "required", ".performed[x]"}},
       ".subject"},
      {"ResearchSubject",  // the type has errors only
       R"({"resourceType": "ResearchSubject", "status": "on-study",
          "identifier": [{"system": "urn:trialgate:krd-asct2:subject"}],
          "individual": {"reference": "Patient/pt-1"}})",
       {{kError, "required", ".identifier[0].value"},
        {kError, "required", ".period.start"}},
       ".individual"},
  };
}

// Maps every case under `root_path` and checks each expression against the root it stands for.
void ExpectRootedAt(const std::string& root_path) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.type + " under '" + root_path + "'");
    const std::string root = root_path.empty() ? c.type : root_path;
    MapResult result = MapJson(c.json, "example-hospital", root_path);
    ASSERT_EQ(result.issues.size(), c.issues.size()) << DescribeIssues(result);
    for (size_t i = 0; i < c.issues.size(); ++i) {
      EXPECT_EQ(result.issues[i].severity, c.issues[i].severity) << i;
      EXPECT_EQ(result.issues[i].code, c.issues[i].code) << i;
      EXPECT_EQ(result.issues[i].expression, root + c.issues[i].under_root) << i;
    }
    ASSERT_TRUE(result.patient.has_value());
    EXPECT_EQ(result.patient->expression, root + c.patient);
    if (result.enrollment.has_value()) {
      EXPECT_EQ(result.enrollment->individual.expression, root + c.patient);
    }
  }
}

TEST(RootPathTest, EveryResourceTypeReportsUnderTheRootItIsGiven) { ExpectRootedAt(kEntry); }

TEST(RootPathTest, WithoutARootEveryResourceTypeReportsUnderItsType) { ExpectRootedAt(""); }

TEST(RootPathTest, ACodingsPathAndAFindingsIssueAreUnderTheRoot) {
  MapResult result = MapJson(R"({"resourceType": "Observation", "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "0000-0"},
                        {"system": "http://loinc.org", "code": "33358-3"}]},
    "subject": {"reference": "Patient/pt-1"}, "effectiveDateTime": "2026-06-15",
    "valueQuantity": {"value": 1.2, "comparator": "<", "unit": "g/dL",
                      "system": "http://unitsofmeasure.org", "code": "g/dL"}})",
                             "example-hospital", kEntry);
  ASSERT_EQ(result.issues.size(), 1u) << DescribeIssues(result);
  EXPECT_EQ(result.issues[0].expression, "Bundle.entry[3].resource.valueQuantity.comparator");
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_EQ(result.events[0].lab_result().analyte(), "serum_m_protein");
}

TEST(RootPathTest, WhatIsWrongWithTheResourceItselfIsAtTheRoot) {
  struct Shape {
    const char* json;
    const char* code;
    const char* without_root;  // the expression when no root is named
    const char* with_root;
  };
  const Shape kShapes[] = {
      {"[]", "structure", "", kEntry},
      {R"({"id": "x"})", "required", "resourceType", "Bundle.entry[3].resource.resourceType"},
      {R"({"resourceType": 5})", "structure", "resourceType",
       "Bundle.entry[3].resource.resourceType"},
      {R"({"resourceType": "Condition"})", "not-supported", "Condition", kEntry},
  };
  for (const Shape& shape : kShapes) {
    for (const bool rooted : {false, true}) {
      SCOPED_TRACE(std::string(shape.json) + (rooted ? " under a root" : ""));
      MapResult result = MapJson(shape.json, "example-hospital", rooted ? kEntry : "");
      ASSERT_EQ(result.issues.size(), 1u) << DescribeIssues(result);
      EXPECT_EQ(result.issues[0].code, shape.code);
      EXPECT_EQ(result.issues[0].expression, rooted ? shape.with_root : shape.without_root);
    }
  }
}

// The official R4 examples reach nearly every element the mappers read: under a root, each
// issue is the one reported without it, moved from the type to the root.
TEST(RootPathTest, TheOfficialExamplesReportTheSameIssuesUnderARoot) {
  TRIALGATE_REQUIRE_FIXTURES();
  const std::filesystem::path dir =
      std::filesystem::path(TRIALGATE_FIXTURES_DIR) / "fhir-r4" / "examples";
  size_t compared = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    for (const std::string& type : SupportedResourceTypes()) {
      if (!name.starts_with("r4ex-" + type + "-")) continue;
      SCOPED_TRACE(name);
      const std::string json = testing::ReadFileOrDie(entry.path().string());
      MapResult plain = MapJson(json, "", "");
      MapResult rooted = MapJson(json, "", kEntry);
      ASSERT_EQ(plain.issues.size(), rooted.issues.size());
      for (size_t i = 0; i < plain.issues.size(); ++i) {
        ASSERT_TRUE(plain.issues[i].expression.starts_with(type)) << DescribeIssues(plain);
        EXPECT_EQ(rooted.issues[i].expression,
                  kEntry + plain.issues[i].expression.substr(type.size()));
        ++compared;
      }
      ASSERT_EQ(plain.patient.has_value(), rooted.patient.has_value());
      if (plain.patient) {
        EXPECT_EQ(plain.patient->expression, type + ".subject");
        EXPECT_EQ(rooted.patient->expression, std::string(kEntry) + ".subject");
      }
    }
  }
  EXPECT_GT(compared, 50u);
}

}  // namespace
}  // namespace trialgate::mappers
