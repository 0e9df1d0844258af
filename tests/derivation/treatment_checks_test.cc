// Runs every hand-adjudicated case of testdata/treatment-check-cases.json through the treatment
// checks with the embedded krd-asct2 study's rules. The expected results were written from the
// label and criteria text, not from this code's output.

#include "gateway/derivation/treatment_checks.h"

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "fhir-profiles/embedded.h"
#include "gateway/derivation/lab_grader.h"
#include "gtest/gtest.h"
#include "mappers/study.h"
#include "rapidjson/document.h"
#include "tests/derivation/case_file.h"

namespace trialgate::derivation {
namespace {

std::string OptionalString(const rapidjson::Value& object, const char* key) {
  return object.HasMember(key) ? object[key].GetString() : "";
}

class TreatmentCasesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto study = mappers::Study::FromFiles(profiles::EmbeddedStudyFiles("krd-asct2"));
    ASSERT_TRUE(study.ok()) << study.status();
    study_ = new std::shared_ptr<const mappers::Study>(*study);
    doc_ = new rapidjson::Document();
    doc_->Parse(ReadCaseFile("treatment-check-cases.json").c_str());
    ASSERT_FALSE(doc_->HasParseError());
  }
  static void TearDownTestSuite() {
    delete study_;
    delete doc_;
  }

  static const mappers::TreatmentRules& Rules() { return (*study_)->treatment_rules(); }

  // The case's labs, graded by the study's LabGrader when they carry a LOINC code.
  static std::vector<LatestLab> Labs(const rapidjson::Value& c) {
    const LabGrader grader(*study_);
    std::vector<LatestLab> out;
    for (const rapidjson::Value& l : c["labs"].GetArray()) {
      LatestLab lab;
      lab.analyte = l["analyte"].GetString();
      lab.date = l["date"].GetString();
      lab.value = OptionalNumber(l, "value");
      lab.unit = l["unit"].GetString();
      lab.baseline = OptionalNumber(l, "baseline");
      lab.event_id = l["event"].GetString();
      if (l.HasMember("loinc") && lab.value) {
        lab.grades = grader.Grade({.loinc = l["loinc"].GetString(), .value = *lab.value,
                                   .unit = lab.unit, .low = OptionalNumber(l, "low"),
                                   .high = OptionalNumber(l, "high"), .baseline = lab.baseline});
        EXPECT_FALSE(lab.grades.empty()) << lab.analyte;
      }
      out.push_back(std::move(lab));
    }
    return out;
  }

  static std::shared_ptr<const mappers::Study>* study_;
  static rapidjson::Document* doc_;
};

std::shared_ptr<const mappers::Study>* TreatmentCasesTest::study_ = nullptr;
rapidjson::Document* TreatmentCasesTest::doc_ = nullptr;

TEST_F(TreatmentCasesTest, EveryWithholdCaseHoldsAsWritten) {
  const auto& cases = (*doc_)["withhold"].GetArray();
  ASSERT_GE(cases.Size(), 20u);
  for (const rapidjson::Value& c : cases) {
    SCOPED_TRACE(absl::StrCat(c["id"].GetString(), ": ", c["why"].GetString()));
    const std::vector<HoldViolation> found =
        CheckWithhold(Rules(), c["agent"].GetString(), Labs(c));
    const auto& expect = c["expect"].GetArray();
    ASSERT_EQ(found.size(), expect.Size()) << (found.empty() ? "" : found[0].rule);
    for (rapidjson::SizeType i = 0; i < expect.Size(); ++i) {
      EXPECT_NE(found[i].rule.find(expect[i].GetString()), std::string::npos) << found[i].rule;
      EXPECT_FALSE(found[i].source.empty());
      EXPECT_FALSE(found[i].lab_event_id.empty());
    }
  }
}

TEST_F(TreatmentCasesTest, EveryProhibitedCaseMatchesAsWritten) {
  const auto& cases = (*doc_)["prohibited"].GetArray();
  ASSERT_GE(cases.Size(), 30u);
  for (const rapidjson::Value& c : cases) {
    SCOPED_TRACE(absl::StrCat(c["id"].GetString(), ": ", c["why"].GetString()));
    std::vector<Coding> codings;
    for (const rapidjson::Value& coding : c["codings"].GetArray()) {
      codings.push_back({coding["system"].GetString(), coding["code"].GetString(),
                         OptionalString(coding, "display")});
    }
    const std::optional<ProhibitedMatch> found =
        MatchProhibited(Rules(), codings, c["phase"].GetString());
    if (c["expect"].IsNull()) {
      EXPECT_FALSE(found.has_value()) << found->therapy_class << " " << found->matched;
      continue;
    }
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->class_id, c["expect"].GetString());
    EXPECT_FALSE(found->therapy_class.empty());
    EXPECT_FALSE(found->source.empty());
    if (c.HasMember("matched")) {
      EXPECT_EQ(found->matched, c["matched"].GetString());
    }
    if (c.HasMember("unconfirmed")) {
      EXPECT_EQ(found->unconfirmed, c["unconfirmed"].GetBool());
    }
    EXPECT_EQ(found->phase_unknown, c.HasMember("phaseUnknown") && c["phaseUnknown"].GetBool());
  }
}

TEST_F(TreatmentCasesTest, EveryAdverseEventWindowCaseReportsAsWritten) {
  const auto& cases = (*doc_)["aeWindow"].GetArray();
  ASSERT_GE(cases.Size(), 10u);
  for (const rapidjson::Value& c : cases) {
    SCOPED_TRACE(absl::StrCat(c["id"].GetString(), ": ", c["why"].GetString()));
    std::vector<LabToxicity> toxicities;
    for (const rapidjson::Value& t : c["toxicities"].GetArray()) {
      toxicities.push_back({t["term"].GetString(), OptionalString(t, "meddra"),
                            t["grade"].GetInt(), t["date"].GetString(), t["event"].GetString()});
    }
    std::vector<ReportedAdverseEvent> reported;
    for (const rapidjson::Value& r : c["reported"].GetArray()) {
      reported.push_back({r["term"].GetString(), OptionalString(r, "meddra"),
                          r["onset"].GetString()});
    }
    const std::vector<LabToxicity> found =
        FindUnreportedToxicities(Rules(), toxicities, reported, c["today"].GetString());
    std::vector<std::string> ids;
    for (const LabToxicity& t : found) ids.push_back(t.lab_event_id);
    std::vector<std::string> expect;
    for (const rapidjson::Value& id : c["expect"].GetArray()) expect.push_back(id.GetString());
    EXPECT_EQ(ids, expect);
  }
}

TEST_F(TreatmentCasesTest, TheStudyLoadsItsRulesAndTheDefaults) {
  const mappers::TreatmentRules& rules = Rules();
  EXPECT_EQ(rules.withhold.size(), 5u);
  EXPECT_EQ(rules.ae_reporting_window_days, 14);
  EXPECT_EQ(rules.ae_reporting_minimum_grade, 3);
  EXPECT_EQ(rules.supportive_care.size(), 4u);
  EXPECT_EQ(rules.prohibited.size(), 5u);
}

LatestLab Anc(double value, std::string event_id) {
  LatestLab lab;
  lab.analyte = "anc";
  lab.date = "2026-03-02";
  lab.value = value;
  lab.unit = "10*9/L";
  lab.event_id = std::move(event_id);
  return lab;
}

TEST(TreatmentChecksTest, AViolationNamesTheRuleTheLabAndItsSource) {
  mappers::TreatmentRules rules;
  mappers::WithholdRule rule;
  rule.agent = "lenalidomide";
  rule.condition = mappers::WithholdCondition::kBelow;
  rule.analyte = "anc";
  rule.label = "ANC";
  rule.threshold = 1.0;
  rule.unit = "10*9/L";
  rule.source = "the label";
  rule.unconfirmed = true;
  rules.withhold.push_back(rule);
  const std::vector<HoldViolation> found = CheckWithhold(rules, "lenalidomide", {Anc(0.8, "ev-1")});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].rule,
            "lenalidomide is withheld when ANC < 1.0 10*9/L: ANC 0.8 10*9/L on 2026-03-02");
  EXPECT_EQ(found[0].source, "the label");
  EXPECT_EQ(found[0].lab_event_id, "ev-1");
  EXPECT_TRUE(found[0].unconfirmed);
  EXPECT_TRUE(CheckWithhold(rules, "carfilzomib", {Anc(0.8, "ev-1")}).empty());
}

TEST(TreatmentChecksTest, EmptyRulesFindNothing) {
  const mappers::TreatmentRules rules;
  EXPECT_FALSE(MatchProhibited(rules, {{"http://www.whocc.no/atc", "L01XG01", ""}}, "").has_value());
  EXPECT_TRUE(CheckWithhold(rules, "lenalidomide", {Anc(0.1, "ev")}).empty());
  // The defaults still hold: grade 3, 14 days.
  const std::vector<LabToxicity> found = FindUnreportedToxicities(
      rules, {{"Anemia", "10002272", 3, "2026-01-01", "t"}}, {}, "2026-01-16");
  ASSERT_EQ(found.size(), 1u);
}

TEST(TreatmentChecksTest, AnUnreadableDateReportsNothing) {
  const mappers::TreatmentRules rules;
  EXPECT_TRUE(FindUnreportedToxicities(rules, {{"Anemia", "", 4, "2026-02-30", "t"}}, {},
                                       "2026-12-01")
                  .empty());
  EXPECT_TRUE(FindUnreportedToxicities(rules, {{"Anemia", "", 4, "2026-01-01", "t"}}, {}, "")
                  .empty());
}

}  // namespace
}  // namespace trialgate::derivation
