#include "mappers/study.h"

#include "fhir-profiles/embedded.h"
#include "gtest/gtest.h"
#include "tests/mappers/mapper_test_util.h"

namespace trialgate::mappers {
namespace {

using testing::KrdStudy;

TEST(StudyTest, LoadsTheEmbeddedStudySettings) {
  const Study& study = KrdStudy();
  EXPECT_EQ(study.study_id(), "KRD-ASCT2");
  EXPECT_EQ(study.subject_id_system(), "urn:trialgate:krd-asct2:subject");
  EXPECT_EQ(study.ctcae_grade_extension_url(), "urn:trialgate:krd-asct2:extension:ctcae-grade");
}

TEST(StudyTest, FindsDrugsByEveryListedCodeSystem) {
  const Study& study = KrdStudy();
  auto current = study.FindDrug("http://www.whocc.no/atc", "L01XG02");
  auto previous = study.FindDrug("http://www.whocc.no/atc", "L01XX45");
  auto rxnorm = study.FindDrug("http://www.nlm.nih.gov/research/umls/rxnorm", "1302966");
  ASSERT_NE(current.entry, nullptr);
  ASSERT_NE(previous.entry, nullptr);
  ASSERT_NE(rxnorm.entry, nullptr);
  EXPECT_EQ(current.entry->id, "carfilzomib");
  EXPECT_EQ(previous.entry->id, "carfilzomib");
  EXPECT_FALSE(current.code->unconfirmed);
  EXPECT_TRUE(rxnorm.code->unconfirmed);
  EXPECT_EQ(study.FindDrug("http://www.whocc.no/atc", "L01AA03").entry->id, "melphalan");
  EXPECT_EQ(study.FindDrug("http://loinc.org", "L01XG02").entry, nullptr);
}

TEST(StudyTest, FindsCtcaeTermsByMeddraCodeAndCaseInsensitiveName) {
  const Study& study = KrdStudy();
  const CtcaeTerm* by_code = study.FindCtcaeTermByMeddraCode("10029366");
  ASSERT_NE(by_code, nullptr);
  EXPECT_EQ(by_code->term, "Neutrophil count decreased");
  EXPECT_EQ(by_code->soc, "Investigations");
  const CtcaeTerm* by_name = study.FindCtcaeTermByName("neutrophil COUNT decreased");
  ASSERT_NE(by_name, nullptr);
  EXPECT_EQ(by_name->meddra_code, "10029366");
  EXPECT_EQ(study.FindCtcaeTermByMeddraCode("99999999"), nullptr);
  EXPECT_TRUE(study.IsMeddraSystem("https://www.meddra.org"));
  EXPECT_TRUE(study.IsMeddraSystem("http://terminology.hl7.org/CodeSystem/mdr"));
  EXPECT_FALSE(study.IsMeddraSystem("http://snomed.info/sct"));
}

TEST(StudyTest, LocalCodesPreferTheSiteOverTheWildcard) {
  const Study& study = KrdStudy();
  const LocalCodeMapping* site =
      study.FindLocalCode("example-hospital", "urn:example-hospital:lab-codes", "MPROT-S");
  ASSERT_NE(site, nullptr);
  EXPECT_EQ(site->maps_to_code, "33358-3");
  EXPECT_EQ(study.FindLocalCode("other-hospital", "urn:example-hospital:lab-codes", "MPROT-S"),
            nullptr);
  const LocalCodeMapping* wildcard =
      study.FindLocalCode("any-site", "urn:trialgate:krd-asct2:crf-abbreviation", "K");
  ASSERT_NE(wildcard, nullptr);
  EXPECT_EQ(wildcard->maps_to_code, "L01XG02");
}

TEST(StudyTest, UnitTableConvertsWithinADimensionOnly) {
  const UnitTable& units = KrdStudy().units();
  EXPECT_DOUBLE_EQ(*units.Convert(1.5, "g", "mg"), 1500);
  EXPECT_DOUBLE_EQ(*units.Convert(250, "ug", "mg"), 0.25);
  EXPECT_DOUBLE_EQ(*units.Convert(12, "10*3/uL", "10*9/L"), 12);
  EXPECT_DOUBLE_EQ(*units.Convert(1500, "/uL", "10*9/L"), 1.5);
  EXPECT_DOUBLE_EQ(*units.Convert(2.5, "mg/dL", "mg/L"), 25);
  EXPECT_DOUBLE_EQ(*units.Convert(120, "g/L", "g/dL"), 12);
  EXPECT_NEAR(*units.Convert(70, "[in_i]", "cm"), 177.8, 1e-9);
  EXPECT_NEAR(*units.Convert(154, "[lb_av]", "kg"), 69.85322498, 1e-6);
  EXPECT_FALSE(units.Convert(1, "mg", "mg/dL").has_value());
  EXPECT_EQ(units.Resolve("MG/DL"), "mg/dL");
  EXPECT_EQ(units.Resolve("lbs"), "[lb_av]");
  EXPECT_EQ(units.Resolve("furlongs"), std::nullopt);
}

TEST(StudyTest, RejectsMissingOrMalformedFiles) {
  auto files = profiles::EmbeddedStudyFiles("krd-asct2");
  ASSERT_TRUE(Study::FromFiles(files).ok());

  auto without_labs = files;
  without_labs.erase("codes/labs.json");
  auto missing = Study::FromFiles(without_labs);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("codes/labs.json"), std::string::npos);

  auto broken = files;
  broken["codes/drugs.json"] = "{\"drugs\": [";
  auto malformed = Study::FromFiles(broken);
  ASSERT_FALSE(malformed.ok());
  EXPECT_NE(malformed.status().message().find("codes/drugs.json"), std::string::npos);

  auto no_grade_url = files;
  no_grade_url["study.json"] = R"({"studyId": "X", "adverseEvents": {}})";
  EXPECT_FALSE(Study::FromFiles(no_grade_url).ok());
}

}  // namespace
}  // namespace trialgate::mappers
