// The study's imwg-response.json as parsed by mappers::ParseResponseCriteria, the errors that
// stop a study with a malformed file, and DeriveResponse details the golden cases do not
// check (evidence, event ids, rule words).

#include "mappers/response_criteria.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "fhir-profiles/embedded.h"
#include "gateway/derivation/imwg_response.h"
#include "gateway/derivation/response_confirmation.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mappers/study.h"

namespace trialgate::derivation {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::map<std::string, std::string> StudyFiles() {
  return profiles::EmbeddedStudyFiles("krd-asct2");
}

MarkerResult Measured(std::string date, std::string analyte, double value, std::string id = "") {
  MarkerResult r;
  r.date = std::move(date);
  r.analyte = std::move(analyte);
  r.value = value;
  r.event_id = std::move(id);
  return r;
}

ResponseInput Input(std::vector<MarkerResult> results) {
  ResponseInput input;
  input.results = std::move(results);
  input.treatment_start = "2024-01-10";
  return input;
}

std::shared_ptr<const mappers::Study> KrdStudy() {
  auto study = mappers::Study::FromFiles(StudyFiles());
  EXPECT_TRUE(study.ok()) << study.status();
  return *study;
}

TEST(ResponseCriteriaTest, LoadsTheStudyFileWithItsDefaults) {
  const auto study = KrdStudy();
  const mappers::ResponseCriteria& c = study->response_criteria();
  ASSERT_TRUE(c.present);
  EXPECT_EQ(c.serum_measurable_gdl, 1.0);
  EXPECT_EQ(c.nadir, mappers::NadirRule::kLowest);
  EXPECT_EQ(c.baseline_after_transplant, mappers::TransplantBaseline::kKeep);
  EXPECT_EQ(c.urine_measurable.value, 200);
  // Written as 10 mg/dL, used in mg/L as FLC arrive.
  EXPECT_NEAR(c.involved_flc_measurable.value, 100, 1e-9);
  EXPECT_EQ(c.involved_flc_measurable.unit, "mg/L");
  EXPECT_NEAR(c.pd_dflc_increase.value, 100, 1e-9);
  EXPECT_EQ(c.pd_dflc_increase.op, mappers::Comparison::kGreater);
  EXPECT_EQ(c.pd_dflc_increase.written, "> 10 mg/dL");
  EXPECT_EQ(c.pd_serum_increase.value, 0.5);
  EXPECT_EQ(c.flc_ratio_normal_low, 0.26);
  EXPECT_EQ(c.flc_ratio_normal_high, 1.65);
  EXPECT_THAT(c.ife_negative_texts, ElementsAre("negative", "not detected"));
  EXPECT_THAT(c.ife_negative_codes, ElementsAre("http://snomed.info/sct|260385009"));
}

TEST(ResponseCriteriaTest, TheIfeAnalytesAreStudyLabs) {
  const auto study = KrdStudy();
  EXPECT_EQ(study->FindLab("http://loinc.org", "25700-6").entry->id, "serum_ife");
  EXPECT_EQ(study->FindLab("http://loinc.org", "13440-3").entry->id, "urine_ife");
  EXPECT_EQ(study->FindLab("urn:trialgate:krd-asct2:lab", "urine_ife").entry->id, "urine_ife");
}

TEST(ResponseCriteriaTest, AStudyWithoutTheFileDerivesNothing) {
  auto files = StudyFiles();
  files.erase("imwg-response.json");
  auto study = mappers::Study::FromFiles(files);
  ASSERT_TRUE(study.ok()) << study.status();
  EXPECT_FALSE((*study)->response_criteria().present);
  const ResponseDerivation d = DeriveResponse((*study)->response_criteria(), Input({}));
  EXPECT_THAT(d.not_derived, HasSubstr("imwg-response.json"));
}

// Each malformed file stops the study from loading, naming the file and the member.
TEST(ResponseCriteriaTest, MalformedFileIsRejectedNamingTheMember) {
  const std::string good = StudyFiles().at("imwg-response.json");
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string text = good;
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return at == std::string::npos ? text : text.replace(at, from.size(), to);
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{\"version\": ", "invalid JSON"},
      {replace("\"value\": \"lowest\", \"choices\"", "\"value\": \"lowests\", \"choices\""),
       "settings.nadir.value"},
      {replace("\"choices\": [\"keep\", \"reset\"]", "\"choices\": [\"keep\", \"rebase\"]"),
       "choice 'rebase' is not implemented"},
      {replace("\"value\": 1.0, \"choices\": [1.0, 0.5]", "\"value\": 0.7, \"choices\": [1.0, 0.5]"),
       "0.7 g/dL is not one of its choices"},
      {replace("\"urineMProtein\": {\"op\": \">=\", \"value\": 200, \"unit\": \"mg/(24.h)\"",
               "\"urineMProtein\": {\"op\": \">=\", \"value\": 200, \"unit\": \"mg/dL\""),
       "measurable.urineMProtein: unit mg/dL does not convert to mg/(24.h)"},
      {replace("\"dflcIncrease\": {\"op\": \">\"", "\"dflcIncrease\": {\"op\": \"=>\""),
       "progression.dflcIncrease.op"},
      {replace("\"vgprUrine\": {", "\"vgprUrin\": {"), "vgprUrin"},
      {replace("\"low\": 0.26, \"high\": 1.65", "\"low\": 1.65, \"high\": 0.26"),
       "low must be below high"},
      {replace("\"negativeCodes\": [\"http://snomed.info/sct|260385009\"]",
               "\"negativeCodes\": [\"260385009\"]"),
       "write codes as system|code"},
      {replace("\"negativeTexts\": [\"negative\", \"not detected\"]",
               "\"negativeTexts\": [\"negative\", \"Detected\"]"),
       "'detected' is both negative and positive"},
      {replace("\"marrowIncrease\": {\"op\": \">=\", \"value\": 10, \"unit\": \"%\", \"source\"",
               "\"marrowIncrease\": {\"op\": \">=\", \"value\": 10, \"unit\": \"%\", \"sauce\""),
       "unknown key progression.marrowIncrease.sauce"},
  };
  for (const auto& [text, problem] : cases) {
    auto files = StudyFiles();
    files["imwg-response.json"] = text;
    auto study = mappers::Study::FromFiles(files);
    ASSERT_FALSE(study.ok()) << problem;
    EXPECT_EQ(study.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(study.status().message()), HasSubstr("imwg-response.json"));
    EXPECT_THAT(std::string(study.status().message()), HasSubstr(problem));
  }
}

TEST(ResponseCriteriaTest, AMarkerAnalyteMissingFromTheLabTableStopsTheStudy) {
  auto files = StudyFiles();
  std::string labs = files.at("codes/labs.json");
  const std::string id = "{\"id\": \"urine_ife\"";
  const size_t at = labs.find(id);
  ASSERT_NE(at, std::string::npos);
  labs.replace(at, id.size(), "{\"id\": \"urine_ifx\"");
  files["codes/labs.json"] = labs;
  auto study = mappers::Study::FromFiles(files);
  ASSERT_FALSE(study.ok());
  EXPECT_THAT(std::string(study.status().message()),
              HasSubstr("imwg-response.json: analyte urine_ife is not in codes/labs.json"));
}

TEST(ImwgResponseTest, EvidenceAndEventIdsOfAConfirmedResponse) {
  MarkerResult ife;
  ife.date = "2024-02-07";
  ife.analyte = "serum_ife";
  ife.value_code = "http://snomed.info/sct|10828004";
  ife.event_id = "i1";
  const ResponseInput input = Input({Measured("2024-01-05", "serum_m_protein", 2.0, "b"),
                                     Measured("2024-02-07", "serum_m_protein", 0.9, "s1"), ife,
                                     Measured("2024-03-06", "serum_m_protein", 0.8, "s2")});
  const auto study = KrdStudy();
  const ResponseDerivation d = DeriveResponse(study->response_criteria(), input);
  ASSERT_EQ(d.assessments.size(), 2u);
  EXPECT_THAT(d.measurable, ElementsAre("serum_m_protein"));
  EXPECT_EQ(d.baseline_date, "2024-01-05");
  const ResponseAssessment& first = d.assessments[0];
  EXPECT_EQ(first.category, "PR");
  EXPECT_TRUE(first.confirmed);
  EXPECT_THAT(first.evidence_event_ids, ElementsAre("i1", "s1", "s2"));
  ASSERT_EQ(first.evidence.size(), 2u);
  EXPECT_EQ(first.evidence[0].marker, "serum_m_protein");
  EXPECT_EQ(*first.evidence[0].value, 0.9);
  EXPECT_EQ(*first.evidence[0].baseline, 2.0);
  EXPECT_EQ(*first.evidence[0].nadir, 2.0);
  EXPECT_NEAR(*first.evidence[0].change_from_baseline_percent, -55, 1e-9);
  EXPECT_EQ(first.evidence[0].unit, "g/dL");
  EXPECT_EQ(first.evidence[1].marker, "serum_ife");
  EXPECT_EQ(first.evidence[1].text, "Positive");
  EXPECT_THAT(first.rule, HasSubstr("serum_m_protein 0.9 g/dL, -55% from baseline 2: PR"));
  EXPECT_THAT(first.rule, HasSubstr("confirmed by the assessment of 2024-03-06"));
  EXPECT_EQ(*d.assessments[1].evidence[0].nadir, 0.9);
}

TEST(ImwgResponseTest, PdRuleNamesTheThresholdsItMet) {
  const ResponseInput input = Input({Measured("2024-01-05", "serum_m_protein", 2.0),
                                     Measured("2024-02-07", "serum_m_protein", 1.0),
                                     Measured("2024-03-06", "serum_m_protein", 1.5)});
  const auto study = KrdStudy();
  const ResponseDerivation d = DeriveResponse(study->response_criteria(), input);
  ASSERT_EQ(d.assessments.size(), 2u);
  EXPECT_EQ(d.assessments[1].category, "PD");
  EXPECT_THAT(d.assessments[1].rule,
              HasSubstr("rise 0.5 g/dL (+50%) from nadir 1 meets >= 25 % and >= 0.5 g/dL"));
}

// The thresholds are data: the same labs read differently when a study changes a number.
TEST(ImwgResponseTest, AChangedThresholdChangesTheCategoryWithoutCode) {
  const ResponseInput input = Input({Measured("2024-01-05", "serum_m_protein", 2.0),
                                     Measured("2024-02-07", "serum_m_protein", 1.0),
                                     Measured("2024-03-06", "serum_m_protein", 1.5)});
  const auto study = KrdStudy();
  mappers::ResponseCriteria stricter = study->response_criteria();
  stricter.pd_serum_increase.value = 0.6;
  EXPECT_EQ(DeriveResponse(study->response_criteria(), input).assessments[1].category, "PD");
  EXPECT_EQ(DeriveResponse(stricter, input).assessments[1].category, "MR");
}

TEST(ResponseConfirmationTest, PairsSkipNotEvaluableDaysButNotASegmentBoundary) {
  std::vector<DayLevel> days(4);
  days[0] = {.date = "2024-02-01", .level = Level::kPR, .confirm_level = Level::kPR};
  days[1] = {.date = "2024-03-01", .level = std::nullopt};
  days[2] = {.date = "2024-04-01", .level = Level::kVGPR, .confirm_level = Level::kVGPR};
  days[3] = {.date = "2024-06-01", .level = Level::kVGPR, .confirm_level = Level::kVGPR,
             .segment = 1};
  const std::vector<Confirmation> c = Confirm(days, "");
  EXPECT_TRUE(c[0].confirmed);   // by 04-01 across the NE day: VGPR is better than PR
  EXPECT_EQ(c[0].partner, 2u);
  EXPECT_FALSE(c[1].confirmed);  // NE
  EXPECT_FALSE(c[2].confirmed);  // 02-01 shows only PR; 06-01 is after the reset
  EXPECT_FALSE(c[3].confirmed);
}

TEST(ResponseConfirmationTest, AsKnownThenOnlyAnEarlierAssessmentConfirms) {
  std::vector<DayLevel> days(3);
  days[0] = {.date = "2024-02-01", .level = Level::kPR, .confirm_level = Level::kPR};
  days[1] = {.date = "2024-03-01", .level = Level::kPR, .confirm_level = Level::kPR};
  days[2] = {.date = "2024-04-01", .level = Level::kPD, .confirm_level = Level::kPD};
  const std::vector<Confirmation> then = Confirm(days, "", /*earlier_only=*/true);
  EXPECT_FALSE(then[0].confirmed);  // on 02-01 nothing had confirmed it yet
  EXPECT_TRUE(then[1].confirmed);
  EXPECT_EQ(then[1].response_date, "2024-02-01");
  EXPECT_FALSE(then[2].confirmed);  // a single PD
  EXPECT_TRUE(Confirm(days, "")[0].confirmed);  // looking back from today, 03-01 confirms 02-01
}

}  // namespace
}  // namespace trialgate::derivation
