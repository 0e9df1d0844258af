// The Patient (a death only), Consent and Encounter mappers (issue 16 point 1).
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/mappers/mapper_test_util.h"

namespace trialgate::mappers {
namespace {

using testing::DescribeIssues;
using testing::FindIssue;
using testing::MapJson;

constexpr char kResearchScope[] =
    R"("scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                             "code": "research"}]},
       "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}])";

TEST(PatientMapperTest, MapsDeceasedDateTimeToTheDayOnlyAndNamesThePatientByItsKeys) {
  MapResult result = MapJson(R"({"resourceType": "Patient", "id": "pt-9", "meta": {"versionId": "3"},
    "identifier": [{"system": "urn:oid:1.2.3", "value": "MRN-9"}, {"value": "no-system"},
                   {"system": "urn:oid:9.9"}],
    "name": [{"family": "Musterfrau"}], "birthDate": "1950-02-03",
    "deceasedDateTime": "2026-05-14T23:30:00-04:00"})");
  ASSERT_FALSE(result.HasErrors()) << DescribeIssues(result);
  EXPECT_TRUE(result.issues.empty()) << DescribeIssues(result);
  ASSERT_TRUE(result.patient.has_value());
  EXPECT_EQ(result.patient->reference, "Patient/pt-9");
  EXPECT_EQ(result.patient->identifier_system, "urn:oid:1.2.3");
  EXPECT_EQ(result.patient->identifier_value, "MRN-9");
  ASSERT_EQ(result.patient->more_identifiers.size(), 1u);  // one without a value is no key
  EXPECT_EQ(result.patient->more_identifiers[0].second, "no-system");
  ASSERT_EQ(result.events.size(), 1u);
  const v1::Event& event = result.events[0];
  // The day as sent (in its own offset), no time.
  EXPECT_EQ(event.subject_died().date(), "2026-05-14");
  EXPECT_EQ(event.subject_died().reported_as(), "Patient.deceasedDateTime");
  EXPECT_FALSE(event.subject_died().withdrawn());
  EXPECT_EQ(event.occurred_at_fhir(), "2026-05-14");
  EXPECT_EQ(event.occurred_at().seconds(), 1778716800);  // 2026-05-14T00:00:00Z
  EXPECT_EQ(event.source().resource_type(), "Patient");
  EXPECT_EQ(event.source().version_id(), "3");
  // Nothing else of the Patient.
  const std::string bytes = event.SerializeAsString();
  for (const char* personal : {"MRN-9", "Musterfrau", "1950-02-03", "23:30"}) {
    EXPECT_EQ(bytes.find(personal), std::string::npos) << personal;
  }
}

TEST(PatientMapperTest, DeceasedBooleanTrueWithoutADateIsAWarningAndNoEvent) {
  MapResult result =
      MapJson(R"({"resourceType": "Patient", "id": "pt-9", "deceasedBoolean": true})");
  EXPECT_FALSE(result.HasErrors()) << DescribeIssues(result);
  EXPECT_TRUE(result.events.empty());
  const Issue* warning =
      FindIssue(result, "Patient.deceasedBoolean", Issue::Severity::kWarning);
  ASSERT_NE(warning, nullptr) << DescribeIssues(result);
  EXPECT_NE(warning->diagnostics.find("deceasedDateTime"), std::string::npos);
}

TEST(PatientMapperTest, APartialDateOfDeathIsAWarningAndNoEvent) {
  MapResult result =
      MapJson(R"({"resourceType": "Patient", "id": "pt-9", "deceasedDateTime": "2026-05"})");
  EXPECT_FALSE(result.HasErrors()) << DescribeIssues(result);
  EXPECT_TRUE(result.events.empty());
  EXPECT_NE(FindIssue(result, "Patient.deceasedDateTime", Issue::Severity::kWarning), nullptr)
      << DescribeIssues(result);
}

TEST(PatientMapperTest, DeceasedBooleanFalseWithdrawsAnEarlierDeath) {
  MapResult result =
      MapJson(R"({"resourceType": "Patient", "id": "pt-9", "deceasedBoolean": false})");
  ASSERT_TRUE(result.issues.empty()) << DescribeIssues(result);
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_TRUE(result.events[0].subject_died().withdrawn());
  EXPECT_TRUE(result.events[0].subject_died().date().empty());
}

TEST(PatientMapperTest, APatientWithoutDeathOrKeysMapsToNothing) {
  MapResult alive = MapJson(R"({"resourceType": "Patient", "id": "pt-9", "active": true})");
  EXPECT_TRUE(alive.issues.empty()) << DescribeIssues(alive);
  EXPECT_TRUE(alive.events.empty());
  MapResult anonymous =
      MapJson(R"({"resourceType": "Patient", "deceasedDateTime": "2026-05-14"})");
  EXPECT_FALSE(anonymous.patient.has_value());  // no id, no identifier: no one to resolve
}

TEST(ConsentMapperTest, MapsAResearchConsentToConsentRecorded) {
  MapResult result = MapJson(absl::StrCat(R"({"resourceType": "Consent", "id": "c-1",
    "status": "active", )", kResearchScope, R"(,
    "patient": {"reference": "Patient/pt-9"}, "dateTime": "2026-01-05T18:00:00+01:00"})"));
  ASSERT_TRUE(result.issues.empty()) << DescribeIssues(result);
  EXPECT_EQ(result.patient->reference, "Patient/pt-9");
  EXPECT_EQ(result.patient->expression, "Consent.patient");
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_EQ(result.events[0].consent_recorded().status(), "active");
  EXPECT_EQ(result.events[0].consent_recorded().date(), "2026-01-05");
  EXPECT_EQ(result.events[0].occurred_at_fhir(), "2026-01-05");
}

TEST(ConsentMapperTest, AMissingOrPartialDateIsAnError) {
  MapResult missing = MapJson(absl::StrCat(R"({"resourceType": "Consent", "status": "active", )",
                                           kResearchScope,
                                           R"(, "patient": {"reference": "Patient/pt-9"}})"));
  EXPECT_TRUE(missing.events.empty());
  ASSERT_NE(FindIssue(missing, "Consent.dateTime"), nullptr) << DescribeIssues(missing);
  EXPECT_EQ(FindIssue(missing, "Consent.dateTime")->code, "required");
  MapResult partial = MapJson(absl::StrCat(R"({"resourceType": "Consent", "status": "active", )",
                                           kResearchScope,
                                           R"(, "patient": {"reference": "Patient/pt-9"},
                                           "dateTime": "2026"})"));
  EXPECT_TRUE(partial.events.empty());
  EXPECT_NE(FindIssue(partial, "Consent.dateTime"), nullptr) << DescribeIssues(partial);
}

TEST(ConsentMapperTest, AnotherScopeIsAcceptedAsNoEventWithAWarning) {
  MapResult result = MapJson(R"({"resourceType": "Consent", "status": "active",
    "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                          "code": "treatment"}]},
    "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
    "patient": {"reference": "Patient/pt-9"}, "dateTime": "2026-01-05"})");
  EXPECT_FALSE(result.HasErrors()) << DescribeIssues(result);
  EXPECT_TRUE(result.events.empty());
  const Issue* warning = FindIssue(result, "Consent.scope", Issue::Severity::kWarning);
  ASSERT_NE(warning, nullptr) << DescribeIssues(result);
  EXPECT_NE(warning->diagnostics.find("treatment"), std::string::npos);
}

TEST(ConsentMapperTest, NoPatientIsAnError) {
  MapResult result = MapJson(absl::StrCat(R"({"resourceType": "Consent", "status": "active", )",
                                          kResearchScope, R"(, "dateTime": "2026-01-05"})"));
  EXPECT_TRUE(result.events.empty());
  ASSERT_NE(FindIssue(result, "Consent.patient"), nullptr) << DescribeIssues(result);
}

TEST(EncounterMapperTest, MapsAnEncounterToContactRecorded) {
  MapResult result = MapJson(R"({"resourceType": "Encounter", "id": "e-1", "status": "finished",
    "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB",
              "display": "ambulatory"},
    "subject": {"identifier": {"system": "urn:oid:1.2.3", "value": "MRN-9"}},
    "period": {"start": "2026-04-01T09:00:00+02:00", "end": "2026-04-01T09:40:00+02:00"}})");
  ASSERT_TRUE(result.issues.empty()) << DescribeIssues(result);
  EXPECT_EQ(result.patient->identifier_value, "MRN-9");
  ASSERT_EQ(result.events.size(), 1u);
  const v1::ContactRecorded& contact = result.events[0].contact_recorded();
  EXPECT_EQ(contact.status(), "finished");
  EXPECT_EQ(contact.encounter_class().code(), "AMB");
  EXPECT_EQ(contact.encounter_class().system(),
            "http://terminology.hl7.org/CodeSystem/v3-ActCode");
  EXPECT_EQ(contact.date(), "2026-04-01");
  EXPECT_EQ(result.events[0].occurred_at_fhir(), "2026-04-01");
}

TEST(EncounterMapperTest, AMissingStartOrSubjectIsAnError) {
  MapResult no_start = MapJson(R"({"resourceType": "Encounter", "status": "finished",
    "class": {"code": "AMB"}, "subject": {"reference": "Patient/pt-9"},
    "period": {"end": "2026-04-01"}})");
  EXPECT_TRUE(no_start.events.empty());
  EXPECT_NE(FindIssue(no_start, "Encounter.period.start"), nullptr) << DescribeIssues(no_start);
  MapResult no_period = MapJson(R"({"resourceType": "Encounter", "status": "finished",
    "class": {"code": "AMB"}, "subject": {"reference": "Patient/pt-9"}})");
  EXPECT_NE(FindIssue(no_period, "Encounter.period.start"), nullptr) << DescribeIssues(no_period);
  MapResult no_subject = MapJson(R"({"resourceType": "Encounter", "status": "finished",
    "class": {"code": "AMB"}, "period": {"start": "2026-04-01"}})");
  EXPECT_TRUE(no_subject.events.empty());
  EXPECT_NE(FindIssue(no_subject, "Encounter.subject"), nullptr) << DescribeIssues(no_subject);
}

}  // namespace
}  // namespace trialgate::mappers
