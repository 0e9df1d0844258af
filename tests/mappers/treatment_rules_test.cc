// withhold-rules.json and concomitant-medications.json: loaded with the study; each malformed
// file stops the study from loading, naming the file and the member.
#include "mappers/treatment_rules.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "fhir-profiles/embedded.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mappers/study.h"

namespace trialgate::mappers {
namespace {

using ::testing::HasSubstr;

std::map<std::string, std::string> StudyFiles() {
  return profiles::EmbeddedStudyFiles("krd-asct2");
}

// `from` in `text` replaced by `to` (once; `from` must occur).
std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at == std::string::npos) return text;
  return text.replace(at, from.size(), to);
}

TEST(TreatmentRulesTest, LoadsWithTheStudy) {
  auto study = Study::FromFiles(StudyFiles());
  ASSERT_TRUE(study.ok()) << study.status();
  const TreatmentRules& rules = (*study)->treatment_rules();
  ASSERT_EQ(rules.withhold.size(), 5u);
  EXPECT_EQ(rules.withhold[0].agent, "lenalidomide");
  EXPECT_EQ(rules.withhold[0].condition, WithholdCondition::kBelow);
  EXPECT_EQ(rules.withhold[0].analyte, "anc");
  EXPECT_EQ(rules.withhold[0].label, "ANC");
  EXPECT_DOUBLE_EQ(rules.withhold[0].threshold, 1.0);
  EXPECT_TRUE(rules.withhold[0].unconfirmed);
  EXPECT_EQ(rules.withhold[2].condition, WithholdCondition::kGradeAtLeast);
  EXPECT_EQ(rules.withhold[2].meddra_code, "10029366");
  EXPECT_EQ(rules.withhold[2].grade_at_least, 3);
  EXPECT_EQ(rules.withhold[4].condition, WithholdCondition::kTimesBaseline);
  EXPECT_DOUBLE_EQ(rules.withhold[4].threshold, 2);
  EXPECT_EQ(rules.ae_reporting_window_days, 14);
  EXPECT_EQ(rules.ae_reporting_minimum_grade, 3);

  ASSERT_EQ(rules.prohibited.size(), 5u);
  const MedicationClass& pi = rules.prohibited[0];
  EXPECT_EQ(pi.name, "proteasome inhibitor other than carfilzomib");
  EXPECT_TRUE(pi.codes[0].prefix);
  EXPECT_EQ(pi.codes[0].code, "L01XG");
  // exceptAgents brings every carfilzomib code of codes/drugs.json.
  bool excepts_carfilzomib = false;
  for (const CodePattern& code : pi.except) excepts_carfilzomib |= code.code == "L01XG02";
  EXPECT_TRUE(excepts_carfilzomib);
  const MedicationClass& melphalan = rules.prohibited.back();
  EXPECT_EQ(melphalan.allowed_in_phases, std::vector<std::string>{"asct"});
  bool has_local = false;
  for (const CodePattern& code : melphalan.codes) {
    has_local |= code.system == "urn:trialgate:krd-asct2:drug" && code.code == "melphalan";
  }
  EXPECT_TRUE(has_local);
}

TEST(TreatmentRulesTest, AStudyWithoutTheFilesHasNoRulesAndTheDefaults) {
  auto files = StudyFiles();
  files.erase(kWithholdRulesFile);
  files.erase(kConcomitantMedicationsFile);
  auto study = Study::FromFiles(files);
  ASSERT_TRUE(study.ok()) << study.status();
  const TreatmentRules& rules = (*study)->treatment_rules();
  EXPECT_TRUE(rules.withhold.empty());
  EXPECT_TRUE(rules.prohibited.empty());
  EXPECT_TRUE(rules.supportive_care.empty());
  EXPECT_EQ(rules.ae_reporting_window_days, 14);
  EXPECT_EQ(rules.ae_reporting_minimum_grade, 3);
}

// Without a schedule no event is placed in a phase, so allowedInPhases cannot be checked (and
// a malformed schedule is the schedule engine's to report).
TEST(TreatmentRulesTest, PhasesAreNotCheckedWithoutASchedule) {
  auto files = StudyFiles();
  files.erase("schedule.json");
  files[kConcomitantMedicationsFile] =
      Replace(files.at(kConcomitantMedicationsFile), "\"allowedInPhases\": [\"asct\"]",
              "\"allowedInPhases\": [\"transplant\"]");
  auto study = Study::FromFiles(files);
  ASSERT_TRUE(study.ok()) << study.status();
  EXPECT_EQ((*study)->treatment_rules().prohibited.back().allowed_in_phases,
            std::vector<std::string>{"transplant"});
}

TEST(TreatmentRulesTest, MalformedWithholdRulesStopTheStudyNamingTheFile) {
  const std::string good = StudyFiles().at(kWithholdRulesFile);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{\"agents\": [", "invalid JSON"},
      {Replace(good, "\"agent\": \"lenalidomide\"", "\"agent\": \"pomalidomide\""),
       "agent pomalidomide is not in codes/drugs.json"},
      {Replace(good, "\"analyte\": \"anc\"", "\"analyte\": \"neutrophils\""),
       "analyte neutrophils is not in codes/labs.json"},
      {Replace(good, "\"term\": \"Neutrophil count decreased\"", "\"term\": \"Neutropenia\""),
       "term 'Neutropenia' is not graded by ctcae-lab-grading.json"},
      {Replace(good, "\"below\": 30, \"unit\": \"10*9/L\"", "\"below\": 30000, \"unit\": \"/uL\""),
       "unit /uL is not 10*9/L"},
      {Replace(good, "\"gradeAtLeast\": 3", "\"gradeAtLeast\": 6"), "gradeAtLeast"},
      {Replace(good, "\"gradeAtLeast\": 4,", "\"gradeAtLeast\": 4, \"below\": 1,"),
       "exactly one of below"},
      {Replace(good, "\"atLeastTimesBaseline\": 2", "\"atLeastTimesBaseline\": -2"),
       "atLeastTimesBaseline"},
      {Replace(good, "\"windowDays\": 14", "\"windowDays\": \"14\""), "windowDays"},
      {Replace(good, "\"windowDays\": 14", "\"windowDays\": 14, \"windowHours\": 1"),
       "unknown key adverseEventReporting.windowHours"},
  };
  for (const auto& [text, problem] : cases) {
    auto files = StudyFiles();
    files[kWithholdRulesFile] = text;
    auto study = Study::FromFiles(files);
    ASSERT_FALSE(study.ok()) << problem;
    EXPECT_EQ(study.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(study.status().message()), HasSubstr("withhold-rules.json"));
    EXPECT_THAT(std::string(study.status().message()), HasSubstr(problem));
  }
}

TEST(TreatmentRulesTest, MalformedConcomitantMedicationsStopTheStudyNamingTheFile) {
  const std::string good = StudyFiles().at(kConcomitantMedicationsFile);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[]", "the top level must be an object"},
      {Replace(good, "\"exceptAgents\": [\"carfilzomib\"]", "\"exceptAgents\": [\"kyprolis\"]"),
       "exceptAgents names agent kyprolis, which is not in codes/drugs.json"},
      {Replace(good, "\"allowedInPhases\": [\"asct\"]", "\"allowedInPhases\": [\"transplant\"]"),
       "allowedInPhases names phase transplant, which is not a phase of schedule.json"},
      {Replace(good, "\"prefix\": \"L01XG\",", "\"prefix\": \"L01XG\", \"code\": \"L01XG01\","),
       "exactly one of code and prefix"},
      {Replace(good, "\"id\": \"pomalidomide\"", "\"id\": \"thalidomide\""),
       "class id thalidomide is used twice"},
      {Replace(good, "\"id\": \"g_csf\", \"name\": \"G-CSF (colony stimulating factors)\",",
               "\"id\": \"g_csf\", \"name\": \"G-CSF\", \"allowedInPhases\": [\"asct\"],"),
       "unknown key supportiveCare[0].allowedInPhases"},
      {Replace(good, "\"source\": \"atcL01XG\"", "\"source\": \"\""), "source"},
  };
  for (const auto& [text, problem] : cases) {
    auto files = StudyFiles();
    files[kConcomitantMedicationsFile] = text;
    auto study = Study::FromFiles(files);
    ASSERT_FALSE(study.ok()) << problem;
    EXPECT_EQ(study.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(study.status().message()),
                HasSubstr("concomitant-medications.json"));
    EXPECT_THAT(std::string(study.status().message()), HasSubstr(problem));
  }
}

}  // namespace
}  // namespace trialgate::mappers
