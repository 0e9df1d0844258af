#include <cmath>
#include <string>

#include "gtest/gtest.h"
#include "tests/mappers/mapper_test_util.h"

namespace trialgate::mappers {
namespace {

using testing::DescribeIssues;
using testing::FindIssue;
using testing::HasFinding;
using testing::MapFixture;
using testing::MapJson;
using testing::MapTestdata;

const v1::LabResult& Lab(const MapResult& result) {
  static const v1::LabResult kEmpty;
  if (result.events.size() != 1) {
    ADD_FAILURE() << "expected one event\n" << DescribeIssues(result);
    return kEmpty;
  }
  return result.events[0].lab_result();
}

TEST(ObservationMapperTest, MapsSerumMProteinToLabResult) {
  MapResult result = MapTestdata("krd-serum-m-protein.json");
  ASSERT_TRUE(result.issues.empty()) << DescribeIssues(result);
  const v1::LabResult& lab = Lab(result);
  EXPECT_EQ(lab.analyte(), "serum_m_protein");
  EXPECT_EQ(lab.code().system(), "http://loinc.org");
  EXPECT_EQ(lab.code().code(), "33358-3");
  EXPECT_DOUBLE_EQ(lab.value(), 1.2);
  EXPECT_EQ(lab.unit(), "g/dL");
  EXPECT_EQ(lab.status(), "final");
  EXPECT_FALSE(lab.reference_range().has_low());
  EXPECT_DOUBLE_EQ(lab.reference_range().high(), 0);
  EXPECT_EQ(lab.reference_range().text(), "");  // "not detected" is free text: not forwarded
  EXPECT_EQ(result.events[0].occurred_at_fhir(), "2024-03-11T07:45:00+09:00");
  EXPECT_EQ(result.events[0].occurred_at().seconds(), 1710110700);  // 2024-03-10T22:45:00Z
}

TEST(ObservationMapperTest, ThousandsPerMicrolitreEqualGigaPerLitre) {
  MapResult result = MapTestdata("krd-anc-10e3-per-uL.json");
  const v1::LabResult& lab = Lab(result);
  EXPECT_EQ(lab.analyte(), "anc");
  EXPECT_DOUBLE_EQ(lab.value(), 0.8);
  EXPECT_EQ(lab.unit(), "10*9/L");
  EXPECT_EQ(lab.value_as_sent().unit(), "10*3/uL");
  EXPECT_EQ(lab.interpretation(), "L");
  EXPECT_DOUBLE_EQ(lab.reference_range().low(), 1.5);
  EXPECT_DOUBLE_EQ(lab.reference_range().high(), 8.0);
  EXPECT_EQ(lab.reference_range().unit(), "10*9/L");
}

TEST(ObservationMapperTest, ConvertsUnitsWithTheTableFactors) {
  struct Case {
    const char* file;
    const char* analyte;
    double value;
    const char* unit;
  };
  const Case kCases[] = {
      {"krd-flc-kappa-mg-dL.json", "flc_kappa", 45, "mg/L"},           // mg/dL x 10
      {"krd-hemoglobin-g-L.json", "hemoglobin", 9.5, "g/dL"},          // g/L x 0.1
      {"krd-platelets-per-uL.json", "platelets", 45, "10*9/L"},        // 45000 /uL x 1e6 / 1e9
      {"krd-creatinine-umol-L.json", "creatinine", 88.4 * 113.12 / 10000, "mg/dL"},
      {"krd-potassium-meq.json", "potassium", 3.1, "mmol/L"},          // monovalent
      {"krd-cd34-per-kg.json", "cd34_per_kg", 3.1, "10*6/kg"},
  };
  for (const Case& c : kCases) {
    MapResult result = MapTestdata(c.file);
    ASSERT_TRUE(result.issues.empty()) << c.file << "\n" << DescribeIssues(result);
    const v1::LabResult& lab = Lab(result);
    EXPECT_EQ(lab.analyte(), c.analyte) << c.file;
    EXPECT_NEAR(lab.value(), c.value, 1e-9) << c.file;
    EXPECT_EQ(lab.unit(), c.unit) << c.file;
  }
}

TEST(ObservationMapperTest, CreatinineMicromolesKeepTheSentSpelling) {
  MapResult result = MapTestdata("krd-creatinine-umol-L.json");
  EXPECT_EQ(Lab(result).value_as_sent().unit(), "umol/L");
  EXPECT_DOUBLE_EQ(Lab(result).value_as_sent().value(), 88.4);
}

TEST(ObservationMapperTest, UnconvertibleUnitIsKeptAsSentWithWarning) {
  MapResult result = MapTestdata("krd-anc-unconvertible-unit.json");
  ASSERT_FALSE(result.HasErrors()) << DescribeIssues(result);
  const v1::LabResult& lab = Lab(result);
  EXPECT_EQ(lab.analyte(), "anc");
  EXPECT_FALSE(lab.has_value());
  EXPECT_TRUE(lab.unit().empty());
  EXPECT_DOUBLE_EQ(lab.value_as_sent().value(), 62);
  EXPECT_EQ(lab.value_as_sent().unit(), "%");
  EXPECT_NE(FindIssue(result, "Observation.valueQuantity", Issue::Severity::kWarning), nullptr);
  EXPECT_TRUE(HasFinding(result, "unit-not-normalised"));
}

TEST(ObservationMapperTest, SiteLocalLabCodeMapsToTheAnalyte) {
  MapResult local = MapTestdata("krd-local-lab-example-hospital.json", "example-hospital");
  EXPECT_EQ(Lab(local).analyte(), "serum_m_protein");
  EXPECT_EQ(Lab(local).code().code(), "MPROT-S");
  EXPECT_DOUBLE_EQ(Lab(local).value(), 0.8);

  MapResult elsewhere = MapTestdata("krd-local-lab-example-hospital.json", "other-hospital");
  EXPECT_TRUE(Lab(elsewhere).analyte().empty());
  EXPECT_TRUE(HasFinding(elsewhere, "unknown-lab-code"));
}

TEST(ObservationMapperTest, UnknownCodeIsKeptWithWarningNamingTheCode) {
  MapResult result = MapTestdata("krd-unknown-lab-code.json");
  ASSERT_FALSE(result.HasErrors()) << DescribeIssues(result);
  const v1::LabResult& lab = Lab(result);
  EXPECT_TRUE(lab.analyte().empty());
  EXPECT_EQ(lab.code().code(), "TROPONIN-HS");
  EXPECT_DOUBLE_EQ(lab.value_as_sent().value(), 12);
  const Issue* warning =
      FindIssue(result, "Observation.code.coding[0]", Issue::Severity::kWarning);
  ASSERT_NE(warning, nullptr) << DescribeIssues(result);
  EXPECT_NE(warning->diagnostics.find("urn:example-hospital:lab-codes|TROPONIN-HS"),
            std::string::npos);
  EXPECT_TRUE(HasFinding(result, "unknown-lab-code"));
}

TEST(ObservationMapperTest, OfficialHemoglobinExampleF005) {
  TRIALGATE_REQUIRE_FIXTURES();
  MapResult result = MapFixture("r4ex-Observation-f005.json");
  ASSERT_FALSE(result.HasErrors()) << DescribeIssues(result);
  const v1::LabResult& lab = Lab(result);
  EXPECT_EQ(lab.analyte(), "hemoglobin");
  EXPECT_DOUBLE_EQ(lab.value(), 7.2);
  EXPECT_EQ(lab.unit(), "g/dL");
  EXPECT_EQ(lab.interpretation(), "L");
  EXPECT_DOUBLE_EQ(lab.reference_range().low(), 7.5);
  EXPECT_DOUBLE_EQ(lab.reference_range().high(), 10);
  EXPECT_EQ(result.events[0].occurred_at_fhir(), "2013-04-05T10:30:10+01:00");
  EXPECT_EQ(result.patient->reference, "Patient/f001");
}

TEST(ObservationMapperTest, OfficialWeightInPoundsBecomesKilograms) {
  TRIALGATE_REQUIRE_FIXTURES();
  MapResult result = MapFixture("r4ex-Observation-example.json");
  const v1::LabResult& lab = Lab(result);
  EXPECT_EQ(lab.analyte(), "body_weight");
  EXPECT_NEAR(lab.value(), 185 * 0.45359237, 1e-9);
  EXPECT_EQ(lab.unit(), "kg");
  EXPECT_EQ(lab.value_as_sent().unit(), "[lb_av]");
  EXPECT_EQ(result.events[0].occurred_at().seconds(), 1459123200);  // 2016-03-28T00:00:00Z
}

TEST(ObservationMapperTest, OfficialHeightInInchesBecomesCentimetres) {
  TRIALGATE_REQUIRE_FIXTURES();
  MapResult result = MapFixture("r4ex-Observation-body-height.json");
  const v1::LabResult& lab = Lab(result);
  EXPECT_EQ(lab.analyte(), "body_height");
  EXPECT_NEAR(lab.value(), 66.89999999999999 * 2.54, 1e-9);
  EXPECT_EQ(lab.unit(), "cm");
}

TEST(ObservationMapperTest, NonStudyAnalyteKeepsValueAndRangeAsSent) {
  TRIALGATE_REQUIRE_FIXTURES();
  MapResult result = MapFixture("r4ex-Observation-f001.json");  // LOINC 15074-8, mmol/L
  ASSERT_FALSE(result.HasErrors()) << DescribeIssues(result);
  const v1::LabResult& lab = Lab(result);
  EXPECT_TRUE(lab.analyte().empty());
  EXPECT_FALSE(lab.has_value());
  EXPECT_DOUBLE_EQ(lab.value_as_sent().value(), 6.3);
  EXPECT_EQ(lab.value_as_sent().unit(), "mmol/L");
  EXPECT_DOUBLE_EQ(lab.reference_range().low(), 3.1);
  EXPECT_DOUBLE_EQ(lab.reference_range().high(), 6.2);
  EXPECT_EQ(lab.reference_range().unit(), "mmol/L");
  EXPECT_EQ(lab.interpretation(), "H");
  EXPECT_TRUE(HasFinding(result, "unknown-lab-code"));
}

TEST(ObservationMapperTest, CodedValuesAreKeptInTheirCodingsWordsStringsAreNotForwarded) {
  TRIALGATE_REQUIRE_FIXTURES();
  // valueString is free text: the fact that a value came is a finding, the text stays behind.
  MapResult text = MapFixture("r4ex-Observation-eye-color.json");
  EXPECT_EQ(Lab(text).value_text(), "");
  EXPECT_TRUE(HasFinding(text, "value-not-forwarded"));
  ASSERT_NE(FindIssue(text, "Observation.valueString", Issue::Severity::kInformation), nullptr)
      << DescribeIssues(text);
  // The coding's display, not the concept's text ("A").
  MapResult coded = MapFixture("r4ex-Observation-bloodgroup.json");
  EXPECT_EQ(Lab(coded).value_code().system(), "http://snomed.info/sct");
  EXPECT_EQ(Lab(coded).value_code().code(), "112144000");
  EXPECT_EQ(Lab(coded).value_text(), "Blood group A (finding)");
}

TEST(ObservationMapperTest, DateValuesAndFreeTextsAreNotForwarded) {
  MapResult result = MapJson(R"({"resourceType": "Observation", "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "751-8"}], "text": "ANC of Mrs X"},
    "subject": {"reference": "Patient/1"}, "effectiveDateTime": "2024-03-05",
    "valueDateTime": "1957-03-14",
    "interpretation": [{"text": "low, told Mrs X"}],
    "referenceRange": [{"text": "normal for Mrs X"}]})");
  ASSERT_FALSE(result.HasErrors()) << DescribeIssues(result);
  const v1::LabResult& lab = Lab(result);
  EXPECT_EQ(lab.value_text(), "");
  EXPECT_EQ(lab.interpretation(), "");
  EXPECT_EQ(lab.reference_range().text(), "");
  EXPECT_TRUE(HasFinding(result, "value-not-forwarded"));
  EXPECT_EQ(result.events[0].SerializeAsString().find("Mrs X"), std::string::npos);
  EXPECT_EQ(result.events[0].SerializeAsString().find("1957"), std::string::npos);
}

// Immunofixation is a coded result (IMWG CR needs it negative): the analyte is known and the
// code and its display travel as value_code / value_text, with no number and no unit.
TEST(ObservationMapperTest, MapsCodedImmunofixationToLabResult) {
  MapResult result = MapJson(R"({"resourceType": "Observation", "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "25700-6"}]},
    "subject": {"reference": "Patient/1"}, "effectiveDateTime": "2024-03-05",
    "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct",
                                          "code": "260385009", "display": "Negative"}]}})");
  ASSERT_FALSE(result.HasErrors()) << DescribeIssues(result);
  const v1::LabResult& lab = Lab(result);
  EXPECT_EQ(lab.analyte(), "serum_ife");
  EXPECT_EQ(lab.value_code().system(), "http://snomed.info/sct");
  EXPECT_EQ(lab.value_code().code(), "260385009");
  EXPECT_EQ(lab.value_text(), "Negative");
  EXPECT_FALSE(lab.has_value());
  EXPECT_TRUE(HasFinding(result, "unconfirmed-code"));  // 25700-6 is a third-party candidate
}

TEST(ObservationMapperTest, MissingSubjectIsARequiredError) {
  TRIALGATE_REQUIRE_FIXTURES();
  MapResult result = MapFixture("r4ex-Observation-decimal.json");
  const Issue* issue = FindIssue(result, "Observation.subject");
  ASSERT_NE(issue, nullptr) << DescribeIssues(result);
  EXPECT_EQ(issue->code, "required");
  EXPECT_TRUE(result.events.empty());
}

TEST(ObservationMapperTest, MissingEffectiveTimeFallsBackToIssuedWithWarning) {
  MapResult result = MapJson(R"({"resourceType": "Observation", "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "751-8"}]},
    "subject": {"reference": "Patient/1"}, "issued": "2024-03-11T08:00:00Z",
    "valueQuantity": {"value": 2.1, "code": "10*9/L", "system": "http://unitsofmeasure.org"}})");
  ASSERT_FALSE(result.HasErrors()) << DescribeIssues(result);
  EXPECT_EQ(result.events[0].occurred_at_fhir(), "2024-03-11T08:00:00Z");
  EXPECT_TRUE(HasFinding(result, "missing-effective-time"));
  EXPECT_DOUBLE_EQ(Lab(result).value(), 2.1);
}

TEST(ObservationMapperTest, AcceptsEffectiveInstantAndPeriodStart) {
  MapResult instant = MapJson(R"({"resourceType": "Observation", "status": "final",
    "code": {"text": "x"}, "subject": {"reference": "Patient/1"},
    "effectiveInstant": "2024-03-11T08:00:00.5+02:00"})");
  EXPECT_EQ(instant.events[0].occurred_at().seconds(), 1710136800);  // 06:00:00Z
  EXPECT_EQ(instant.events[0].occurred_at().nanos(), 500000000);
  MapResult period = MapJson(R"({"resourceType": "Observation", "status": "final",
    "code": {"text": "x"}, "subject": {"reference": "Patient/1"},
    "effectivePeriod": {"start": "2024-03", "end": "2024-04"}})");
  EXPECT_EQ(period.events[0].occurred_at().seconds(), 1709251200);  // 2024-03-01T00:00:00Z
}

TEST(ObservationMapperTest, ReportsBadShapesWithExactExpressions) {
  MapResult result = MapJson(R"({"resourceType": "Observation", "status": ["final"],
    "code": {"coding": {"system": "http://loinc.org", "code": "751-8"}},
    "subject": {"reference": "Patient/1"},
    "effectiveDateTime": "2024-03-11T07:45",
    "valueQuantity": {"value": "0.8", "code": "10*9/L"},
    "referenceRange": {"low": {"value": 1}},
    "interpretation": ["H"]})");
  EXPECT_TRUE(result.events.empty());
  const std::pair<const char*, const char*> kExpected[] = {
      {"Observation.status", "structure"},
      {"Observation.code.coding", "structure"},
      {"Observation.effectiveDateTime", "value"},
      {"Observation.valueQuantity.value", "structure"},
      {"Observation.referenceRange", "structure"},
      {"Observation.interpretation[0]", "structure"},
  };
  for (const auto& [path, code] : kExpected) {
    const Issue* issue = FindIssue(result, path);
    ASSERT_NE(issue, nullptr) << path << "\n" << DescribeIssues(result);
    EXPECT_EQ(issue->code, code) << path;
  }
}

TEST(ObservationMapperTest, ComparatorIsVisible) {
  MapResult result = MapJson(R"({"resourceType": "Observation", "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "33358-3"}]},
    "subject": {"reference": "Patient/1"}, "effectiveDateTime": "2024-03-11",
    "valueQuantity": {"value": 0.1, "comparator": "<", "code": "g/dL", "system": "http://unitsofmeasure.org"}})");
  EXPECT_TRUE(HasFinding(result, "value-has-comparator"));
  EXPECT_EQ(Lab(result).value_text().substr(0, 1), "<");
}

// An ANC of `value` with a reference range `low`-`high`, all numbers as JSON text, in `unit`.
std::string Anc(const std::string& value, const std::string& low, const std::string& high,
                const std::string& unit = "10*9/L") {
  auto quantity = [&](const std::string& v) {
    return R"({"value": )" + v + R"(, "system": "http://unitsofmeasure.org", "code": ")" + unit +
           R"("})";
  };
  return R"({"resourceType": "Observation", "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "751-8"}]},
    "subject": {"reference": "Patient/1"}, "effectiveDateTime": "2024-03-11",
    "valueQuantity": )" + quantity(value) + R"(, "referenceRange": [{"low": )" + quantity(low) +
         R"(, "high": )" + quantity(high) + "}]}";
}

TEST(ObservationMapperTest, ValueAndRangeKeepTheDecimalTextAsSent) {
  const v1::LabResult lab = Lab(MapJson(Anc("1.50", "1.80", "7.70")));
  EXPECT_EQ(lab.value_decimal(), "1.50");
  EXPECT_DOUBLE_EQ(lab.value(), 1.5);
  EXPECT_EQ(lab.value_as_sent().value_decimal(), "1.50");
  EXPECT_EQ(lab.reference_range().low_decimal(), "1.80");
  EXPECT_EQ(lab.reference_range().high_decimal(), "7.70");

  // 10*3/uL is 10*9/L with a factor of 1: the number is unchanged, so is its text.
  EXPECT_EQ(Lab(MapJson(Anc("0.80", "1.5", "8.0", "10*3/uL"))).value_decimal(), "0.80");

  const v1::LabResult forms = Lab(MapJson(Anc("1e2", "-0.0", "123456789012345678901234567890")));
  EXPECT_EQ(forms.value_decimal(), "1e2");
  EXPECT_DOUBLE_EQ(forms.value(), 100);
  EXPECT_EQ(forms.reference_range().low_decimal(), "-0.0");
  EXPECT_TRUE(std::signbit(forms.reference_range().low()));
  EXPECT_EQ(forms.reference_range().high_decimal(), "123456789012345678901234567890");
}

TEST(ObservationMapperTest, ConvertedValuesGetAComputedDecimal) {
  const v1::LabResult hgb = Lab(MapTestdata("krd-hemoglobin-g-L.json"));  // 95 g/L
  EXPECT_EQ(hgb.value_decimal(), "9.5");
  EXPECT_EQ(hgb.unit(), "g/dL");
  EXPECT_EQ(hgb.value_as_sent().value_decimal(), "95");
}

TEST(ObservationMapperTest, OfficialHeightKeepsTheDigitsAsSent) {
  TRIALGATE_REQUIRE_FIXTURES();
  const v1::LabResult lab = Lab(MapFixture("r4ex-Observation-body-height.json"));
  // The example sends 17 digits; a double's shortest form would be 66.89999999999999.
  EXPECT_EQ(lab.value_as_sent().value_decimal(), "66.899999999999991");
  EXPECT_EQ(lab.value_decimal(), "169.926");  // in cm, to 15 significant digits
}

TEST(ObservationMapperTest, ComparatorTextUsesTheSentDecimal) {
  MapResult result = MapJson(R"({"resourceType": "Observation", "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "33358-3"}]},
    "subject": {"reference": "Patient/1"}, "effectiveDateTime": "2024-03-11",
    "valueQuantity": {"value": 0.10, "comparator": "<", "code": "g/dL", "system": "http://unitsofmeasure.org"}})");
  EXPECT_EQ(Lab(result).value_text(), "<0.10 g/dL");
}

TEST(ObservationMapperTest, ValueIntegerKeepsItsText) {
  MapResult result = MapJson(R"({"resourceType": "Observation", "status": "final",
    "code": {"text": "episodes"}, "subject": {"reference": "Patient/1"},
    "effectiveDateTime": "2024-03-11", "valueInteger": 3})");
  EXPECT_EQ(Lab(result).value_as_sent().value_decimal(), "3");
  EXPECT_EQ(Lab(result).value_as_sent().value(), 3);
}

}  // namespace
}  // namespace trialgate::mappers
