// The study's own profiles (fhir-profiles/studies/krd-asct2/profiles) as the validator applies
// them: compiled from differentials, claimed in meta.profile, requested, or required by type.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "fhir-profiles/embedded.h"
#include "gateway/validation/study_definitions.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "tests/validation/validation_test_util.h"

namespace trialgate::validation {
namespace {

using testing::Describe;
using testing::Errors;
using testing::R4;

constexpr char kDose[] = "urn:trialgate:krd-asct2:profile:dose-administration";
constexpr char kLab[] = "urn:trialgate:krd-asct2:profile:lab-result";
constexpr char kAdverseEvent[] = "urn:trialgate:krd-asct2:profile:adverse-event";

std::string TestData(const std::string& name) {
  return testing::ReadFileOrDie(std::string(TRIALGATE_SOURCE_DIR) + "/tests/validation/testdata/" +
                                name);
}

std::vector<Issue> Validate(const std::string& json, const TypeDef* profile = nullptr,
                            const std::map<std::string, std::string>& required = {}) {
  rapidjson::Document document;
  document.Parse<rapidjson::kParseFullPrecisionFlag>(json.data(), json.size());
  EXPECT_FALSE(document.HasParseError());
  std::vector<Issue> issues;
  Validator(R4(), required).ValidateAgainst(document, "", &issues, profile);
  return issues;
}

// `json` with `from` replaced by `to` (once; the test fails when `from` is absent).
std::string Edit(std::string json, const std::string& from, const std::string& to) {
  const size_t at = json.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) json.replace(at, from.size(), to);
  return json;
}

std::shared_ptr<const mappers::Study> DefaultStudy() {
  return *mappers::Study::FromFiles(profiles::EmbeddedStudyFiles(profiles::kDefaultStudy));
}

TEST(StudyProfilesTest, CompileFromTheirDifferentialsWithNothingLeftUnchecked) {
  for (const char* url : {kDose, kLab, kAdverseEvent, "urn:trialgate:krd-asct2:extension:ctcae-grade"}) {
    const TypeDef* profile = R4().FindProfile(url);
    ASSERT_NE(profile, nullptr) << url;
    EXPECT_TRUE(profile->is_profile);
  }
  EXPECT_EQ(R4().FindProfile(kDose)->name, "MedicationAdministration");
  EXPECT_TRUE(R4().profile_warnings().empty()) << R4().profile_warnings()[0];
}

TEST(StudyProfilesTest, ValueSetsComeFromTheCodeTables) {
  const std::vector<std::string> value_sets = StudyValueSetResources(*DefaultStudy());
  ASSERT_EQ(value_sets.size(), 2u);
  const CodeSet* drugs = R4().FindValueSet("urn:trialgate:krd-asct2:valueset:drugs");
  const CodeSet* labs = R4().FindValueSet("urn:trialgate:krd-asct2:valueset:lab-tests");
  ASSERT_NE(drugs, nullptr);
  ASSERT_NE(labs, nullptr);
  EXPECT_TRUE(drugs->system_codes.contains("http://www.whocc.no/atc|L01XG02"));  // carfilzomib
  EXPECT_TRUE(labs->system_codes.contains("http://loinc.org|33358-3"));  // serum M-protein
  for (const std::string& code : labs->system_codes) {
    EXPECT_TRUE(absl::StartsWith(code, "http://loinc.org|")) << "labs are LOINC only: " << code;
  }
}

TEST(StudyProfilesTest, ConformingResourcesHaveNoIssues) {
  for (const char* file : {"krd-dose-administration.json", "krd-lab-result.json",
                           "krd-adverse-event.json"}) {
    const std::vector<Issue> issues = Validate(TestData(file));
    EXPECT_TRUE(issues.empty()) << file << "\n" << Describe(issues);
  }
}

TEST(StudyProfilesTest, AppliesOnlyWhenClaimedRequestedOrRequired) {
  // Not claimed: a non-study drug is fine FHIR.
  const std::string other_drug =
      Edit(Edit(TestData("krd-dose-administration.json"),
                R"("meta": {"profile": ["urn:trialgate:krd-asct2:profile:dose-administration"]},)", ""),
           "L01XG02", "N02BE01");
  EXPECT_TRUE(Errors(Validate(other_drug)).empty()) << Describe(Validate(other_drug));

  // Requested for this validation.
  std::vector<Issue> requested = Validate(other_drug, R4().FindProfile(kDose));
  ASSERT_EQ(Errors(requested).size(), 1u) << Describe(requested);
  EXPECT_EQ(requested[0].code, "code-invalid");
  EXPECT_EQ(requested[0].expression, "MedicationAdministration.medication.ofType(CodeableConcept)");
  EXPECT_TRUE(absl::StrContains(requested[0].diagnostics, "urn:trialgate:krd-asct2:valueset:drugs"))
      << requested[0].diagnostics;

  // Required for the type by the gateway's configuration.
  std::vector<Issue> required =
      Validate(other_drug, nullptr, DefaultStudy()->profile_for_type());
  EXPECT_EQ(Errors(required).size(), 1u) << Describe(required);
}

TEST(StudyProfilesTest, ProfilesApplyToBundleEntries) {
  // Cholesterol: LOINC, but not a study analyte.
  const std::string claimed = Edit(TestData("krd-lab-result.json"), "33358-3", "2093-3");
  const std::string unclaimed = Edit(
      claimed, R"("meta": {"profile": ["urn:trialgate:krd-asct2:profile:lab-result"]},)", "");
  auto bundle = [](const std::string& entry) {
    return R"({"resourceType": "Bundle", "type": "collection", "entry": [
      {"fullUrl": "urn:uuid:6f3a3f2e-4b2a-4c55-9d1e-0c5b8f2b7a10", "resource": )" + entry + "}]}";
  };
  const std::vector<Issue> by_claim = Validate(bundle(claimed));
  ASSERT_EQ(Errors(by_claim).size(), 1u) << Describe(by_claim);
  EXPECT_EQ(by_claim[0].expression, "Bundle.entry[0].resource.code");

  EXPECT_TRUE(Validate(bundle(unclaimed)).empty()) << Describe(Validate(bundle(unclaimed)));
  const std::vector<Issue> by_request = Validate(bundle(unclaimed), R4().FindProfile(kLab));
  ASSERT_EQ(Errors(by_request).size(), 1u) << Describe(by_request);
  EXPECT_EQ(by_request[0].expression, "Bundle.entry[0].resource.code");
}

TEST(StudyProfilesTest, ARequestedProfileDoesNotApplyToContainedResources) {
  // The outer Observation conforms; the contained one (a non-study analyte, no value) is only
  // held to R4.
  const std::string json = Edit(
      Edit(TestData("krd-lab-result.json"),
           R"("meta": {"profile": ["urn:trialgate:krd-asct2:profile:lab-result"]},)",
           R"("contained": [{"resourceType": "Observation", "id": "o1", "status": "final",
                             "code": {"coding": [{"system": "http://loinc.org", "code": "2093-3"}]}}],)"),
      R"("status": "final",)", R"("status": "final", "hasMember": [{"reference": "#o1"}],)");
  const std::vector<Issue> issues = Validate(json, R4().FindProfile(kLab));
  EXPECT_TRUE(Errors(issues).empty()) << Describe(issues);
  // The same Observation outside: not a study analyte, no value.
  const std::string alone = R"({"resourceType": "Observation", "status": "final",
      "code": {"coding": [{"system": "http://loinc.org", "code": "2093-3"}]}})";
  EXPECT_EQ(Errors(Validate(alone, R4().FindProfile(kLab))).size(), 4u)  // code, subject, effective, value
      << Describe(Validate(alone, R4().FindProfile(kLab)));
}

TEST(StudyProfilesTest, ClaimedProfileThatIsNotLoadedIsInformationOnly) {
  const std::string json = Edit(TestData("krd-lab-result.json"), kLab,
                                "http://hl7.org/fhir/us/core/StructureDefinition/us-core-observation-lab");
  const std::vector<Issue> issues = Validate(json);
  ASSERT_EQ(issues.size(), 1u) << Describe(issues);
  EXPECT_EQ(issues[0].severity, Issue::Severity::kInformation);
  EXPECT_EQ(issues[0].expression, "Observation.meta.profile[0]");
}

TEST(StudyProfilesTest, ClaimingAProfileOfAnotherTypeIsAnError) {
  const std::string json = Edit(TestData("krd-lab-result.json"), kLab, kDose);
  const std::vector<Issue> issues = Validate(json);
  ASSERT_EQ(Errors(issues).size(), 1u) << Describe(issues);
  EXPECT_TRUE(absl::StrContains(issues[0].diagnostics, "is a profile of MedicationAdministration"));
}

TEST(StudyProfilesTest, EffectivePeriodMustStartOnAKnownDay) {
  const std::string json = Edit(TestData("krd-dose-administration.json"),
                                R"("effectiveDateTime": "2026-03-01T09:00:00+01:00")",
                                R"("effectivePeriod": {"start": "2026-03", "end": "2026-03-01"})");
  const std::vector<Issue> issues = Validate(json);
  ASSERT_EQ(Errors(issues).size(), 1u) << Describe(issues);
  EXPECT_EQ(issues[0].expression, "MedicationAdministration.effective.ofType(Period)");
  EXPECT_TRUE(absl::StartsWith(issues[0].diagnostics, "krd-dose-1: ")) << issues[0].diagnostics;
}

TEST(StudyProfilesTest, SecondClaimedProfileAddsOnlyItsOwnFindings) {
  // Claims the study profile and the base definition: the base adds nothing twice.
  const std::string json =
      Edit(Edit(TestData("krd-lab-result.json"), "\"status\": \"final\",", ""), kLab,
           std::string(kLab) + "\", \"http://hl7.org/fhir/StructureDefinition/Observation");
  const std::vector<Issue> issues = Validate(json);
  ASSERT_EQ(issues.size(), 1u) << Describe(issues);
  EXPECT_EQ(issues[0].expression, "Observation.status");
}

// The embedded R4 definitions as JSON texts, to compile with a test profile beside them.
std::vector<std::string> R4Texts() {
  std::vector<std::string> texts;
  for (const auto& [path, content] : profiles::EmbeddedR4Definitions()) {
    if (absl::EndsWith(path, ".json")) texts.push_back(content);
  }
  return texts;
}

// ProfileSet::Create on a differential that cannot be applied fails, naming the profile.
absl::Status CreateWith(const std::string& differential_elements,
                        const std::string& base = "http://hl7.org/fhir/StructureDefinition/Observation") {
  std::vector<std::string> texts = R4Texts();
  texts.push_back(R"({"resourceType": "StructureDefinition", "url": "urn:test:bad", "type": "Observation",
      "kind": "resource", "derivation": "constraint", "baseDefinition": ")" + base +
                  R"(", "differential": {"element": [)" + differential_elements + "]}}");
  std::vector<std::string_view> views(texts.begin(), texts.end());
  return ProfileSet::Create(views).status();
}

TEST(DifferentialTest, UnusableDifferentialsFailAtLoadNamingTheProfile) {
  EXPECT_TRUE(CreateWith(R"({"id": "Observation.status", "min": 1})").ok());
  const absl::Status unknown_element = CreateWith(R"({"id": "Observation.colour", "min": 1})");
  EXPECT_FALSE(unknown_element.ok());
  EXPECT_TRUE(absl::StrContains(unknown_element.message(), "urn:test:bad")) << unknown_element;
  EXPECT_TRUE(absl::StrContains(unknown_element.message(), "colour")) << unknown_element;
  const absl::Status bad_type =
      CreateWith(R"({"id": "Observation.value[x]", "type": [{"code": "Money"}]})");
  EXPECT_FALSE(bad_type.ok());
  EXPECT_TRUE(absl::StrContains(bad_type.message(), "Money")) << bad_type;
  EXPECT_FALSE(CreateWith(R"({"id": "Observation.status"})", "urn:test:missing-base").ok());
}

TEST(DifferentialTest, UnsupportedRulesAreReportedAsProfileWarnings) {
  std::vector<std::string> texts = R4Texts();
  texts.push_back(R"({"resourceType": "StructureDefinition", "url": "urn:test:warn", "type": "Observation",
      "kind": "resource", "derivation": "constraint",
      "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Observation",
      "differential": {"element": [{"id": "Observation.status", "constraint": [
        {"key": "x-1", "severity": "error", "human": "h", "expression": "status.exists() and today() > @2020"}]}]}})");
  std::vector<std::string_view> views(texts.begin(), texts.end());
  auto set = ProfileSet::Create(views);
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ((*set)->profile_warnings().size(), 1u);
  EXPECT_TRUE(absl::StrContains((*set)->profile_warnings()[0], "x-1"));
}

}  // namespace
}  // namespace trialgate::validation
