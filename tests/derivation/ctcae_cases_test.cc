// Runs every hand-adjudicated case of testdata/ctcae-cases.json through the study's grading
// table. The expected grades were written from the criteria, not from this code's output.

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

LabValue ToLabValue(const rapidjson::Value& c) {
  LabValue lab;
  lab.loinc = c["loinc"].GetString();
  lab.value = c["value"].GetDouble();
  lab.unit = c["unit"].GetString();
  lab.low = OptionalNumber(c, "low");
  lab.high = OptionalNumber(c, "high");
  lab.baseline = OptionalNumber(c, "baseline");
  if (c.HasMember("albumin")) {
    lab.albumin = Measured{c["albumin"]["value"].GetDouble(), c["albumin"]["unit"].GetString()};
  }
  return lab;
}

TEST(CtcaeCasesTest, EveryHandAdjudicatedCaseGradesAsWritten) {
  auto study = mappers::Study::FromFiles(profiles::EmbeddedStudyFiles("krd-asct2"));
  ASSERT_TRUE(study.ok()) << study.status();
  const LabGrader grader(*study);

  rapidjson::Document doc;
  doc.Parse(ReadCaseFile("ctcae-cases.json").c_str());
  ASSERT_FALSE(doc.HasParseError());
  const auto& cases = doc["cases"].GetArray();
  ASSERT_GE(cases.Size(), 30u);
  for (const rapidjson::Value& c : cases) {
    const std::string term = c["term"].GetString();
    SCOPED_TRACE(absl::StrCat(c["id"].GetString(), " (", term, "): ", c["why"].GetString()));
    const std::vector<TermGrade> grades = grader.Grade(ToLabValue(c));
    const TermGrade* found = nullptr;
    for (const TermGrade& grade : grades) {
      if (grade.term == term) found = &grade;
    }
    ASSERT_NE(found, nullptr) << "no grade for the term";
    const rapidjson::Value& expect = c["expect"];
    if (expect.HasMember("grade")) {
      ASSERT_TRUE(found->grade.has_value()) << found->not_gradable;
      EXPECT_EQ(*found->grade, expect["grade"].GetInt()) << found->rule;
      EXPECT_FALSE(found->rule.empty());
    } else {
      EXPECT_FALSE(found->grade.has_value()) << found->rule;
      EXPECT_NE(found->not_gradable.find(expect["notGradable"].GetString()), std::string::npos)
          << found->not_gradable;
    }
  }
}

}  // namespace
}  // namespace trialgate::derivation
