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

const v1::DoseAdministered& Dose(const MapResult& result) {
  static const v1::DoseAdministered kEmpty;
  if (result.events.size() != 1) {
    ADD_FAILURE() << "expected one event\n" << DescribeIssues(result);
    return kEmpty;
  }
  return result.events[0].dose_administered();
}

TEST(MedicationAdministrationMapperTest, MapsCarfilzomibDose) {
  MapResult result = MapTestdata("krd-carfilzomib-dose.json");
  ASSERT_FALSE(result.HasErrors()) << DescribeIssues(result);
  EXPECT_TRUE(result.issues.empty()) << DescribeIssues(result);
  const v1::Event& event = result.events[0];
  EXPECT_EQ(event.study_id(), "KRD-ASCT2");
  EXPECT_EQ(event.source().resource_type(), "MedicationAdministration");
  EXPECT_EQ(event.source().logical_id(), "krd-cfz-c1d8");
  EXPECT_EQ(event.source().version_id(), "2");
  EXPECT_TRUE(event.event_id().empty());
  EXPECT_TRUE(event.subject_id().empty());
  EXPECT_EQ(event.occurred_at_fhir(), "2024-03-12T09:05:00+09:00");
  EXPECT_EQ(event.occurred_at().seconds(), 1710201900);  // 2024-03-12T00:05:00Z
  const v1::DoseAdministered& dose = Dose(result);
  EXPECT_EQ(dose.agent(), "carfilzomib");
  EXPECT_TRUE(dose.study_drug());
  EXPECT_EQ(dose.medication().code(), "L01XG02");
  EXPECT_EQ(dose.dose().value(), 54);
  EXPECT_EQ(dose.dose().unit(), "mg");
  EXPECT_EQ(dose.dose_as_sent().unit(), "mg");
  EXPECT_FALSE(dose.has_dose_per_m2());
  EXPECT_EQ(dose.route(), "IV");
  EXPECT_EQ(dose.route_as_sent().code(), "47625008");
  EXPECT_EQ(dose.status(), v1::DoseAdministered::COMPLETED);
  EXPECT_EQ(dose.effective_end().seconds(), 1710202500);  // 2024-03-12T00:15:00Z
  ASSERT_TRUE(result.patient.has_value());
  EXPECT_EQ(result.patient->reference, "Patient/krd-pt-001");
  EXPECT_EQ(result.patient->expression, "MedicationAdministration.subject");
}

TEST(MedicationAdministrationMapperTest, KeepsDosePerSquareMetreAndAcceptsThePreviousAtcCode) {
  MapResult result = MapTestdata("krd-carfilzomib-dose-per-m2.json");
  const v1::DoseAdministered& dose = Dose(result);
  EXPECT_EQ(dose.agent(), "carfilzomib");
  EXPECT_EQ(dose.medication().code(), "L01XX45");
  EXPECT_FALSE(dose.has_dose());
  EXPECT_EQ(dose.dose_per_m2().value(), 27);
  EXPECT_EQ(dose.dose_per_m2().unit(), "mg/m2");
  EXPECT_EQ(dose.dose_as_sent().unit(), "mg/m2");
  EXPECT_EQ(dose.route(), "IV");
  EXPECT_EQ(result.events[0].occurred_at().seconds(), 1710288000);  // 2024-03-13T00:00:00Z
}

TEST(MedicationAdministrationMapperTest, ResolvesContainedMedicationAndFlagsUnconfirmedRxNorm) {
  MapResult result = MapTestdata("krd-lenalidomide-contained-rxnorm.json");
  const v1::DoseAdministered& dose = Dose(result);
  EXPECT_EQ(dose.agent(), "lenalidomide");
  EXPECT_EQ(dose.medication().system(), "http://www.nlm.nih.gov/research/umls/rxnorm");
  EXPECT_EQ(dose.medication().code(), "342369");
  EXPECT_EQ(dose.route(), "oral");
  EXPECT_EQ(dose.dose().value(), 25);
  EXPECT_TRUE(HasFinding(result, "unconfirmed-code"));
  EXPECT_NE(FindIssue(result, "MedicationAdministration.contained[0].code.coding[0]",
                      Issue::Severity::kInformation),
            nullptr)
      << DescribeIssues(result);
}

TEST(MedicationAdministrationMapperTest, NotDoneKeepsTheReasonAndWildcardLocalCode) {
  MapResult result = MapTestdata("krd-dexamethasone-not-done.json", "some-other-site");
  const v1::DoseAdministered& dose = Dose(result);
  EXPECT_EQ(dose.status(), v1::DoseAdministered::NOT_DONE);
  // The coding's words; the text ("held for grade 3 hyperglycemia") is free text, not forwarded.
  EXPECT_EQ(dose.status_reason(),
            "Administration of medication not done due to a contraindication (situation)");
  EXPECT_EQ(dose.status_reason_code().code(), "373147003");
  EXPECT_EQ(dose.agent(), "dexamethasone");
  EXPECT_EQ(dose.medication().code(), "D");  // the code as sent, not the study's
  EXPECT_FALSE(dose.has_dose());
  EXPECT_TRUE(result.issues.empty()) << DescribeIssues(result);
}

TEST(MedicationAdministrationMapperTest, KeepsNonStudyDrugWithWarningAndFinding) {
  MapResult result = MapTestdata("krd-non-study-drug.json");
  ASSERT_FALSE(result.HasErrors()) << DescribeIssues(result);
  const v1::DoseAdministered& dose = Dose(result);
  EXPECT_FALSE(dose.study_drug());
  EXPECT_TRUE(dose.agent().empty());
  EXPECT_EQ(dose.medication().code(), "ONDAN-8");
  EXPECT_EQ(dose.dose().value(), 8);
  EXPECT_EQ(dose.route(), "");  // an unmapped route sent only as text ("by mouth") is not kept
  const Issue* warning = FindIssue(result, "MedicationAdministration.medicationCodeableConcept.coding[0]",
                                   Issue::Severity::kWarning);
  ASSERT_NE(warning, nullptr) << DescribeIssues(result);
  EXPECT_NE(warning->diagnostics.find("urn:example-hospital:pharmacy|ONDAN-8"), std::string::npos);
  EXPECT_TRUE(HasFinding(result, "non-study-drug"));
  EXPECT_EQ(result.events[0].findings(0).severity(), v1::Finding::WARNING);
}

TEST(MedicationAdministrationMapperTest, NormalisesGramsToMilligrams) {
  MapResult result = MapTestdata("krd-melphalan-dose-in-grams.json");
  const v1::DoseAdministered& dose = Dose(result);
  EXPECT_EQ(dose.agent(), "melphalan");
  EXPECT_DOUBLE_EQ(dose.dose().value(), 350);
  EXPECT_EQ(dose.dose().unit(), "mg");
  EXPECT_DOUBLE_EQ(dose.dose_as_sent().value(), 0.35);
  EXPECT_EQ(dose.dose_as_sent().unit(), "g");
  // 0.35 * 1000 is 349.99999999999994 in binary; the text carries 15 significant digits.
  EXPECT_EQ(dose.dose().value_decimal(), "350");
  EXPECT_EQ(dose.dose_as_sent().value_decimal(), "0.35");
}

// A melphalan dose of `value` (JSON number text) in `unit`.
std::string MelphalanDose(const std::string& value, const std::string& unit) {
  return R"({"resourceType": "MedicationAdministration", "status": "completed",
    "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc", "code": "L01AA03"}]},
    "subject": {"reference": "Patient/krd-pt-001"}, "effectiveDateTime": "2024-07-01",
    "dosage": {"dose": {"value": )" + value + R"(, "unit": ")" + unit +
         R"(", "system": "http://unitsofmeasure.org", "code": ")" + unit + R"("}}})";
}

TEST(MedicationAdministrationMapperTest, DoseKeepsTheDecimalTextAsSent) {
  const v1::DoseAdministered grams = Dose(MapJson(MelphalanDose("1.50", "g")));
  EXPECT_EQ(grams.dose_as_sent().value_decimal(), "1.50");
  EXPECT_DOUBLE_EQ(grams.dose_as_sent().value(), 1.5);
  EXPECT_EQ(grams.dose().value_decimal(), "1500");  // converted: computed, not the sender's text
  EXPECT_DOUBLE_EQ(grams.dose().value(), 1500);

  // Already in mg: the normalised dose is the sent number, precision and all.
  const v1::DoseAdministered mg = Dose(MapJson(MelphalanDose("140.0", "mg")));
  EXPECT_EQ(mg.dose().value_decimal(), "140.0");
  EXPECT_EQ(mg.dose_as_sent().value_decimal(), "140.0");

  const struct {
    const char* sent;
    double value;
  } kForms[] = {{"1e2", 100},
                {"1E+2", 100},
                {"100", 100},
                {"-0.0", -0.0},
                {"123456789012345678901234567890", 1.2345678901234568e29}};
  for (const auto& form : kForms) {
    const v1::DoseAdministered dose = Dose(MapJson(MelphalanDose(form.sent, "mg")));
    EXPECT_EQ(dose.dose().value_decimal(), form.sent);
    EXPECT_EQ(dose.dose_as_sent().value_decimal(), form.sent);
    EXPECT_EQ(dose.dose().value(), form.value) << form.sent;
  }
}

TEST(MedicationAdministrationMapperTest, DosePerSquareMetreKeepsItsText) {
  const v1::DoseAdministered dose = Dose(MapJson(MelphalanDose("140.00", "mg/m2")));
  EXPECT_EQ(dose.dose_per_m2().value_decimal(), "140.00");
  EXPECT_EQ(Dose(MapJson(MelphalanDose("0.2000", "g/m2"))).dose_per_m2().value_decimal(), "200");
}

// Without the decoder's texts (a Document built some other way) the text comes from the value.
TEST(MedicationAdministrationMapperTest, WithoutNumberTextsTheDecimalIsFormattedFromTheValue) {
  rapidjson::Document doc;
  doc.Parse(MelphalanDose("1.50", "mg").c_str());
  MapResult result = MapResource(doc, MapContext{testing::KrdStudy(), "example-hospital"});
  EXPECT_EQ(Dose(result).dose_as_sent().value_decimal(), "1.5");
  EXPECT_EQ(Dose(result).dose().value_decimal(), "1.5");
}

TEST(MedicationAdministrationMapperTest, SiteLocalCodesMapOnlyForThatSite) {
  MapResult local = MapTestdata("krd-local-drug-code-example-hospital.json", "example-hospital");
  EXPECT_EQ(Dose(local).agent(), "carfilzomib");
  EXPECT_EQ(Dose(local).route(), "IV");
  EXPECT_DOUBLE_EQ(Dose(local).dose().value(), 54);  // 54000 ug

  MapResult other = MapTestdata("krd-local-drug-code-example-hospital.json", "other-hospital");
  EXPECT_FALSE(Dose(other).study_drug());
  EXPECT_TRUE(HasFinding(other, "non-study-drug"));
}

TEST(MedicationAdministrationMapperTest, FlagsStudyDrugDoseInAnUnconvertibleUnit) {
  MapResult result = MapJson(R"({"resourceType": "MedicationAdministration", "status": "completed",
    "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc", "code": "L04AX04"}]},
    "subject": {"reference": "Patient/1"}, "effectiveDateTime": "2024-03-05",
    "dosage": {"dose": {"value": 1, "unit": "capsule"}}})");
  const v1::DoseAdministered& dose = Dose(result);
  EXPECT_FALSE(dose.has_dose());
  EXPECT_EQ(dose.dose_as_sent().unit(), "capsule");
  EXPECT_TRUE(HasFinding(result, "unit-not-normalised"));
  EXPECT_NE(FindIssue(result, "MedicationAdministration.dosage.dose", Issue::Severity::kWarning),
            nullptr);
}

TEST(MedicationAdministrationMapperTest, MapsOfficialExampleMedadmin0301) {
  TRIALGATE_REQUIRE_FIXTURES();
  MapResult result = MapFixture("r4ex-MedicationAdministration-medadmin0301.json");
  ASSERT_FALSE(result.HasErrors()) << DescribeIssues(result);
  const v1::DoseAdministered& dose = Dose(result);
  EXPECT_EQ(dose.status(), v1::DoseAdministered::IN_PROGRESS);
  EXPECT_EQ(dose.medication().system(), "http://hl7.org/fhir/sid/ndc");
  EXPECT_EQ(dose.medication().code(), "0069-2587-10");  // from the #med0301 contained Medication
  EXPECT_FALSE(dose.study_drug());                       // vancomycin
  EXPECT_EQ(dose.dose().value(), 500);
  EXPECT_EQ(dose.dose().unit(), "mg");
  EXPECT_EQ(dose.route(), "IV");
  EXPECT_EQ(result.events[0].occurred_at_fhir(), "2015-01-15T14:30:00+01:00");
  EXPECT_EQ(result.events[0].occurred_at().seconds(), 1421328600);  // 13:30Z
  EXPECT_FALSE(dose.has_effective_end());
  EXPECT_EQ(result.patient->reference, "Patient/pat1");
  EXPECT_TRUE(HasFinding(result, "non-study-drug"));
}

TEST(MedicationAdministrationMapperTest, MapsOfficialOnHoldExampleWithReason) {
  TRIALGATE_REQUIRE_FIXTURES();
  MapResult result = MapFixture("r4ex-MedicationAdministration-medadminexample03.json");
  ASSERT_FALSE(result.HasErrors()) << DescribeIssues(result);
  const v1::DoseAdministered& dose = Dose(result);
  EXPECT_EQ(dose.status(), v1::DoseAdministered::ON_HOLD);
  EXPECT_EQ(dose.status_reason_code().code(), "373147003");
  EXPECT_FALSE(dose.status_reason().empty());
}

TEST(MedicationAdministrationMapperTest, GramsInOfficialExample0303BecomeMilligrams) {
  TRIALGATE_REQUIRE_FIXTURES();
  MapResult result = MapFixture("r4ex-MedicationAdministration-medadmin0303.json");
  const v1::DoseAdministered& dose = Dose(result);
  EXPECT_EQ(dose.status(), v1::DoseAdministered::ENTERED_IN_ERROR);
  EXPECT_DOUBLE_EQ(dose.dose().value(), 4500);
  EXPECT_EQ(dose.effective_end().seconds(), 1421328600);  // 2015-01-15T14:30:00+01:00
}

TEST(MedicationAdministrationMapperTest, AcceptsAllSevenStatusCodes) {
  const std::pair<const char*, v1::DoseAdministered::Status> kCases[] = {
      {"in-progress", v1::DoseAdministered::IN_PROGRESS},
      {"not-done", v1::DoseAdministered::NOT_DONE},
      {"on-hold", v1::DoseAdministered::ON_HOLD},
      {"completed", v1::DoseAdministered::COMPLETED},
      {"entered-in-error", v1::DoseAdministered::ENTERED_IN_ERROR},
      {"stopped", v1::DoseAdministered::STOPPED},
      {"unknown", v1::DoseAdministered::UNKNOWN}};
  for (const auto& [code, expected] : kCases) {
    MapResult result = MapJson(std::string(R"({"resourceType": "MedicationAdministration", "status": ")") +
                               code + R"(", "medicationCodeableConcept": {"text": "x"},
      "subject": {"reference": "Patient/1"}, "effectiveDateTime": "2024-03-05"})");
    ASSERT_FALSE(result.HasErrors()) << code << "\n" << DescribeIssues(result);
    EXPECT_EQ(Dose(result).status(), expected) << code;
  }
  MapResult bad = MapJson(R"({"resourceType": "MedicationAdministration", "status": "done",
      "medicationCodeableConcept": {"text": "x"}, "subject": {"reference": "Patient/1"},
      "effectiveDateTime": "2024-03-05"})");
  EXPECT_NE(FindIssue(bad, "MedicationAdministration.status"), nullptr);
  EXPECT_TRUE(bad.events.empty());
}

TEST(MedicationAdministrationMapperTest, ReportsMissingRequiredElements) {
  MapResult result = MapJson(R"({"resourceType": "MedicationAdministration"})");
  EXPECT_TRUE(result.events.empty());
  for (const char* path : {"MedicationAdministration.subject", "MedicationAdministration.status",
                           "MedicationAdministration.medication[x]",
                           "MedicationAdministration.effective[x]"}) {
    const Issue* issue = FindIssue(result, path);
    ASSERT_NE(issue, nullptr) << path << "\n" << DescribeIssues(result);
    EXPECT_EQ(issue->code, "required");
  }
  EXPECT_FALSE(result.patient.has_value());
}

TEST(MedicationAdministrationMapperTest, ReportsBadShapesWithoutCrashing) {
  MapResult result = MapJson(R"({"resourceType": "MedicationAdministration", "id": 7,
    "meta": [], "status": "completed",
    "medicationCodeableConcept": [{"text": "carfilzomib"}],
    "subject": "Patient/1",
    "effectivePeriod": {"start": "2024-13-01"},
    "dosage": {"dose": {"value": "54", "unit": "mg"}, "route": 5}})");
  EXPECT_TRUE(result.events.empty());
  for (const char* path :
       {"MedicationAdministration.id", "MedicationAdministration.meta",
        "MedicationAdministration.medicationCodeableConcept", "MedicationAdministration.subject",
        "MedicationAdministration.dosage.dose.value", "MedicationAdministration.dosage.route"}) {
    const Issue* issue = FindIssue(result, path);
    ASSERT_NE(issue, nullptr) << path << "\n" << DescribeIssues(result);
    EXPECT_EQ(issue->code, "structure") << path;
  }
  const Issue* time = FindIssue(result, "MedicationAdministration.effectivePeriod.start");
  ASSERT_NE(time, nullptr) << DescribeIssues(result);
  EXPECT_EQ(time->code, "value");
}

TEST(MedicationAdministrationMapperTest, ExternalMedicationReferenceIsKeptUnresolved) {
  MapResult result = MapJson(R"({"resourceType": "MedicationAdministration", "status": "completed",
    "medicationReference": {"reference": "Medication/123", "display": "carfilzomib 60 mg vial"},
    "subject": {"reference": "Patient/1"}, "effectiveDateTime": "2024-03-05T10:00:00Z"})");
  ASSERT_FALSE(result.HasErrors()) << DescribeIssues(result);
  EXPECT_TRUE(HasFinding(result, "medication-unresolved"));
  // Neither the reference nor its display (free text) reaches the event.
  EXPECT_EQ(Dose(result).medication().display(), "");
  EXPECT_EQ(result.events[0].SerializeAsString().find("Medication/123"), std::string::npos);
  EXPECT_FALSE(Dose(result).study_drug());
}

}  // namespace
}  // namespace trialgate::mappers
