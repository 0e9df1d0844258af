// Every official FHIR R4 example of a supported type in the shared fixtures must map without a
// crash, and the expected facts must hold for all of them.
#include <filesystem>
#include <map>
#include <string>

#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "tests/mappers/mapper_test_util.h"

namespace trialgate::mappers {
namespace {

using testing::DescribeIssues;
using testing::KrdStudy;
using testing::ReadFileOrDie;

std::map<std::string, std::vector<std::string>> FixturesByType() {
  std::map<std::string, std::vector<std::string>> files;
  const std::filesystem::path dir =
      std::filesystem::path(TRIALGATE_FIXTURES_DIR) / "fhir-r4" / "examples";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    for (const std::string& type : SupportedResourceTypes()) {
      if (name.starts_with("r4ex-" + type + "-")) files[type].push_back(entry.path().string());
    }
  }
  return files;
}

TEST(FixturesTest, FindsAllOfficialExamples) {
  TRIALGATE_REQUIRE_FIXTURES();
  auto files = FixturesByType();
  EXPECT_EQ(files["MedicationAdministration"].size(), 14u);
  EXPECT_EQ(files["Observation"].size(), 64u);
  EXPECT_EQ(files["AdverseEvent"].size(), 1u);
}

TEST(FixturesTest, EveryOfficialExampleMapsToOneEventOrExplainsWhyNot) {
  TRIALGATE_REQUIRE_FIXTURES();
  for (const auto& [type, paths] : FixturesByType()) {
    for (const std::string& path : paths) {
      SCOPED_TRACE(path);
      rapidjson::Document doc;
      const std::string json = ReadFileOrDie(path);
      doc.Parse(json.data(), json.size());
      ASSERT_FALSE(doc.HasParseError());
      MapResult result = MapResource(doc, MapContext{KrdStudy(), ""});
      if (result.HasErrors()) {
        // The only valid R4 examples the mapping cannot take are those whose subject does not
        // identify anyone (absent, or a display only): the events would belong to no patient.
        EXPECT_TRUE(result.events.empty());
        for (const Issue& issue : result.issues) {
          if (issue.severity != Issue::Severity::kError) continue;
          EXPECT_EQ(issue.expression, type + ".subject") << DescribeIssues(result);
          EXPECT_EQ(issue.code, "required");
        }
        continue;
      }
      ASSERT_EQ(result.events.size(), 1u);
      const v1::Event& event = result.events[0];
      EXPECT_EQ(event.study_id(), "KRD-ASCT2");
      EXPECT_EQ(event.source().resource_type(), type);
      EXPECT_EQ(event.source().logical_id(), doc["id"].GetString());
      EXPECT_TRUE(result.patient.has_value());
      EXPECT_EQ(result.patient->expression, type + ".subject");
      // Pipeline-owned fields stay empty.
      EXPECT_TRUE(event.event_id().empty());
      EXPECT_TRUE(event.subject_id().empty());
      EXPECT_TRUE(event.site_id().empty());
      EXPECT_FALSE(event.has_recorded_at());
      // A warning issue always comes with a finding, and vice versa for warnings.
      size_t warnings = 0;
      for (const Issue& issue : result.issues) {
        if (issue.severity == Issue::Severity::kWarning) ++warnings;
      }
      size_t warning_findings = 0;
      for (const v1::Finding& finding : event.findings()) {
        if (finding.severity() == v1::Finding::WARNING) ++warning_findings;
      }
      EXPECT_EQ(warnings, warning_findings) << DescribeIssues(result);
      if (!event.occurred_at_fhir().empty()) {
        EXPECT_TRUE(event.has_occurred_at());
      }
    }
  }
}

TEST(FixturesTest, AllMedicationAdministrationExamplesHaveStatusAndTime) {
  TRIALGATE_REQUIRE_FIXTURES();
  auto fixtures = FixturesByType();
  for (const std::string& path : fixtures["MedicationAdministration"]) {
    SCOPED_TRACE(path);
    rapidjson::Document doc;
    const std::string json = ReadFileOrDie(path);
    doc.Parse(json.data(), json.size());
    MapResult result = MapResource(doc, MapContext{KrdStudy(), ""});
    ASSERT_EQ(result.events.size(), 1u) << DescribeIssues(result);
    const v1::DoseAdministered& dose = result.events[0].dose_administered();
    EXPECT_NE(dose.status(), v1::DoseAdministered::STATUS_UNSPECIFIED);
    EXPECT_TRUE(result.events[0].has_occurred_at());
    // None of the official examples is a KRD-ASCT2 study drug.
    EXPECT_FALSE(dose.study_drug());
  }
}

}  // namespace
}  // namespace trialgate::mappers
