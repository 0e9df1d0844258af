#include "gateway/identity/patient_keys.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace trialgate::identity {
namespace {

using ::testing::ElementsAre;

mappers::PatientRef Ref(std::string reference) {
  mappers::PatientRef ref;
  ref.reference = std::move(reference);
  return ref;
}

TEST(PatientKeysTest, RelativeAbsoluteAndVersionedReferencesShareOneKey) {
  for (const char* reference :
       {"Patient/pt-1", "https://ehr.example.org/fhir/Patient/pt-1",
        "Patient/pt-1/_history/3", "https://ehr.example.org/fhir/Patient/pt-1/_history/3"}) {
    absl::StatusOr<std::vector<std::string>> keys = PatientKeys(Ref(reference), nullptr);
    ASSERT_TRUE(keys.ok()) << reference << ": " << keys.status();
    EXPECT_THAT(*keys, ElementsAre("Patient/pt-1")) << reference;
  }
}

TEST(PatientKeysTest, IdentifierAndReferenceBothBecomeKeys) {
  mappers::PatientRef ref = Ref("Patient/pt-1");
  ref.identifier_system = "urn:oid:1.2.3";
  ref.identifier_value = "MRN-1";
  EXPECT_THAT(*PatientKeys(ref, nullptr), ElementsAre("Patient/pt-1", "identifier:urn:oid:1.2.3|MRN-1"));
}

TEST(PatientKeysTest, RejectsReferencesToOtherTypesAndToNothing) {
  EXPECT_EQ(PatientKeys(Ref("Group/g1"), nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PatientKeys(Ref("#p1"), nullptr).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PatientKeys(Ref("pt-1"), nullptr).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PatientKeys(mappers::PatientRef{}, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PatientKeys(Ref("urn:uuid:1"), nullptr).status().code(), absl::StatusCode::kNotFound);
}

TEST(PatientKeysTest, ResolvesBundleLocalReferencesToThePatientsId) {
  rapidjson::Document patient;
  patient.Parse(R"({"resourceType":"Patient","id":"pt-7"})");
  rapidjson::Document observation;
  observation.Parse(R"({"resourceType":"Observation","id":"o"})");
  BundleIndex bundle{{"urn:uuid:p", &patient}, {"urn:uuid:o", &observation}};
  EXPECT_THAT(*PatientKeys(Ref("urn:uuid:p"), &bundle), ElementsAre("Patient/pt-7"));
  EXPECT_EQ(PatientKeys(Ref("urn:uuid:o"), &bundle).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PatientKeys(Ref("urn:uuid:missing"), &bundle).status().code(),
            absl::StatusCode::kNotFound);
  // A Patient entry without an id gives no key that a later submission could match.
  rapidjson::Document anonymous;
  anonymous.Parse(R"({"resourceType":"Patient","gender":"female"})");
  bundle.emplace("urn:uuid:anonymous", &anonymous);
  EXPECT_EQ(PatientKeys(Ref("urn:uuid:anonymous"), &bundle).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace trialgate::identity
