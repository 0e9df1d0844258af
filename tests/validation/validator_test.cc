#include "gateway/validation/validator.h"

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "tests/validation/validation_test_util.h"

namespace trialgate::validation {
namespace {

using testing::Describe;
using testing::Errors;
using testing::R4;
using testing::ReadFileOrDie;
using testing::ValidateJson;

// The resource types whose official examples must validate with zero errors.
const std::set<std::string>& SupportedTypes() {
  static const auto* const types = new std::set<std::string>{
      "MedicationAdministration", "Observation", "AdverseEvent", "ResearchSubject",
      "Procedure",                "Patient",     "Bundle"};
  return *types;
}

// True when every resource in `resource` (itself, contained ones, Bundle entries, recursively)
// is of a supported type.
bool OnlySupportedTypes(const rapidjson::Value& resource) {
  if (!resource.IsObject()) return false;
  auto type = resource.FindMember("resourceType");
  if (type == resource.MemberEnd() || !type->value.IsString() ||
      SupportedTypes().count(type->value.GetString()) == 0) {
    return false;
  }
  auto contained = resource.FindMember("contained");
  if (contained != resource.MemberEnd() && contained->value.IsArray()) {
    for (const auto& c : contained->value.GetArray()) {
      if (!OnlySupportedTypes(c)) return false;
    }
  }
  auto entries = resource.FindMember("entry");
  if (type->value == "Bundle" && entries != resource.MemberEnd() && entries->value.IsArray()) {
    for (const auto& entry : entries->value.GetArray()) {
      auto r = entry.FindMember("resource");
      if (r != entry.MemberEnd() && !OnlySupportedTypes(r->value)) return false;
    }
  }
  return true;
}

struct Example {
  std::string file;
  std::string type;
};

// The examples MANIFEST.tsv marks valid whose resources are all of supported types.
std::vector<Example> OfficialExamples() {
  std::vector<Example> examples;
  std::ifstream manifest(std::string(TRIALGATE_FIXTURES_DIR) + "/fhir-r4/MANIFEST.tsv");
  std::string line;
  while (std::getline(manifest, line)) {
    std::vector<std::string> fields;
    std::stringstream row(line);
    std::string field;
    while (std::getline(row, field, '\t')) fields.push_back(field);
    if (fields.size() < 6 || fields[5] != "valid" || fields[0].rfind("examples/", 0) != 0) {
      continue;
    }
    const std::string json = ReadFileOrDie(std::string(TRIALGATE_FIXTURES_DIR) + "/fhir-r4/" +
                                           fields[0]);
    rapidjson::Document document;
    document.Parse(json.c_str());
    if (document.HasParseError()) continue;
    // Examples of the three mapped types count whatever they contain; Bundles only when all
    // their resources are of types the gateway accepts.
    if (fields[4] == "Bundle" && !OnlySupportedTypes(document)) continue;
    if (SupportedTypes().count(fields[4]) == 0) continue;
    examples.push_back({fields[0], fields[4]});
  }
  return examples;
}

TEST(ValidatorTest, DefinitionsCompile) {
  EXPECT_NE(R4().FindType("Observation"), nullptr);
  EXPECT_NE(R4().FindType("Quantity"), nullptr);
  ASSERT_NE(R4().FindValueSet("http://hl7.org/fhir/ValueSet/observation-status|4.0.1"), nullptr);
  EXPECT_EQ(R4().FindValueSet("http://hl7.org/fhir/ValueSet/observation-status")->codes.size(), 8u);
  // Invariants are compiled for the invariant step.
  const ElementDef* root = R4().FindType("Observation")->root();
  bool has_obs6 = false;
  for (const Constraint& c : root->constraints) has_obs6 |= c.key == "obs-6";
  EXPECT_TRUE(has_obs6);
}

TEST(ValidatorTest, OfficialExamplesHaveNoErrors) {
  TRIALGATE_REQUIRE_FIXTURES();
  const std::vector<Example> examples = OfficialExamples();
  std::map<std::string, int> per_type;
  for (const Example& example : examples) {
    ++per_type[example.type];
    const std::vector<Issue> errors = Errors(ValidateJson(
        ReadFileOrDie(std::string(TRIALGATE_FIXTURES_DIR) + "/fhir-r4/" + example.file)));
    if (example.file == "examples/r4ex-Observation-clinical-gender.json") {
      // The one official example that breaks an R4 rule: its performer is
      // "Encounter/example", and Observation.performer may only reference Practitioner,
      // PractitionerRole, Organization, CareTeam, Patient or RelatedPerson (HL7's validator
      // reports the same). The validator must say so, and say nothing else.
      ASSERT_EQ(errors.size(), 1u) << Describe(errors);
      EXPECT_EQ(errors[0].expression, "Observation.performer[0].reference");
      EXPECT_EQ(errors[0].code, "value");
      continue;
    }
    EXPECT_TRUE(errors.empty()) << example.file << "\n" << Describe(errors);
  }
  EXPECT_EQ(per_type["MedicationAdministration"], 14);
  EXPECT_EQ(per_type["Observation"], 64);
  EXPECT_EQ(per_type["AdverseEvent"], 1);
  EXPECT_GE(per_type["Bundle"], 2);
}

// One problem, exactly where and as what it is expected.
void ExpectSingleIssue(const std::string& json, const std::string& expression,
                       const std::string& code, const std::string& diagnostics_part = "") {
  const std::vector<Issue> issues = ValidateJson(json);
  ASSERT_EQ(issues.size(), 1u) << Describe(issues);
  EXPECT_EQ(issues[0].severity, Issue::Severity::kError);
  EXPECT_EQ(issues[0].expression, expression) << Describe(issues);
  EXPECT_EQ(issues[0].code, code) << Describe(issues);
  EXPECT_NE(issues[0].diagnostics.find(diagnostics_part), std::string::npos) << Describe(issues);
}

constexpr char kCode[] = R"("code":{"coding":[{"system":"http://loinc.org","code":"718-7"}]})";
// A narrative, so that dom-6 (a warning) stays out of tests about other rules.
constexpr char kText[] =
    R"("text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"})";

std::string Obs(const std::string& members) {
  return std::string(R"({"resourceType":"Observation",)") + kText + R"(,"status":"final",)" +
         kCode + (members.empty() ? "" : "," + members) + "}";
}

// A Patient with a narrative and `members`.
std::string Patient(const std::string& members) {
  return std::string(R"({"resourceType":"Patient",)") + kText + "," + members + "}";
}

TEST(ValidatorTest, MinimalObservationIsValid) {
  EXPECT_TRUE(ValidateJson(Obs("")).empty()) << Describe(ValidateJson(Obs("")));
}

TEST(ValidatorTest, MissingStatus) {
  ExpectSingleIssue(std::string(R"({"resourceType":"Observation",)") + kText + "," + kCode + "}",
                    "Observation.status", "required",
                    "Observation.status: minimum cardinality 1 not met");
}

TEST(ValidatorTest, UnknownElementInCode) {
  ExpectSingleIssue(std::string(R"({"resourceType":"Observation",)") + kText +
                        R"(,"status":"final","code":{"text":"Hb","foo":1}})",
                    "Observation.code.foo", "structure",
                    "unknown element 'foo' in Observation.code");
}

TEST(ValidatorTest, StatusNotInRequiredValueSet) {
  ExpectSingleIssue(
      std::string(R"({"resourceType":"Observation",)") + kText + R"(,"status":"done",)" + kCode +
          "}",
      "Observation.status", "code-invalid",
      "Observation.status: code 'done' is not in the required value set "
      "http://hl7.org/fhir/ValueSet/observation-status|4.0.1");
}

TEST(ValidatorTest, ComponentCodingSystemIsIndexed) {
  ExpectSingleIssue(
      Obs(R"("component":[{"code":{"text":"a"}},{"code":{"coding":[{"system":"not a uri"}]}}])"),
      "Observation.component[1].code.coding[0].system", "value");
}

TEST(ValidatorTest, TwoChoicesOfValue) {
  ExpectSingleIssue(Obs(R"("valueString":"x","valueBoolean":true)"),
                    "Observation.value.ofType(boolean)", "structure", "only one type");
}

TEST(ValidatorTest, RepeatingElementMustBeArray) {
  ExpectSingleIssue(Obs(R"("category":{"text":"lab"})"), "Observation.category", "structure",
                    "must be a JSON array");
}

TEST(ValidatorTest, SingleElementMustNotBeArray) {
  ExpectSingleIssue(Obs(R"("issued":["2020-01-01T00:00:00Z"])"), "Observation.issued",
                    "structure", "must not be a JSON array");
}

TEST(ValidatorTest, PrimitiveExtensionAllowedWhereElementIs) {
  const std::string patient = Patient(
      R"("birthDate":"1970-03-30","_birthDate":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthTime","valueDateTime":"1970-03-30T08:15:00Z"}]})");
  EXPECT_TRUE(ValidateJson(patient).empty()) << Describe(ValidateJson(patient));
  ExpectSingleIssue(Patient(R"("_birthDate":{"foo":1})"), "Patient.birthDate.foo", "structure",
                    "unknown element 'foo'");
}

TEST(ValidatorTest, ReferenceTargetType) {
  ExpectSingleIssue(Obs(R"("subject":{"reference":"Practitioner/1"})"),
                    "Observation.subject.reference", "value", "refers to a Practitioner");
  EXPECT_TRUE(ValidateJson(Obs(R"("subject":{"reference":"Patient/1/_history/2"})")).empty());
  EXPECT_TRUE(ValidateJson(Obs(R"("subject":{"reference":"urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a"})")).empty());
}

TEST(ValidatorTest, NestedBundleEntryPath) {
  const std::string bundle =
      std::string(R"({"resourceType":"Bundle","type":"collection","entry":[{"resource":)") +
      Obs("") + R"(},{"resource":{"resourceType":"Observation",)" + kText + "," + kCode +
      "}}]}";
  ExpectSingleIssue(bundle, "Bundle.entry[1].resource.status", "required");
}

TEST(ValidatorTest, ContainedResourceValidatedAsItsType) {
  ExpectSingleIssue(Obs(R"("contained":[{"resourceType":"Patient","id":"p","gender":"f"}],)"
                        R"("subject":{"reference":"#p"})"),
                    "Observation.contained[0].gender", "code-invalid");
}

TEST(ValidatorTest, UnknownResourceType) {
  ExpectSingleIssue(R"({"resourceType":"Nonsense","id":"1"})", "Nonsense", "structure",
                    "'Nonsense' is not a FHIR R4 resource type");
  // R4B's SubscriptionStatus is not in R4 (4.0.1).
  ExpectSingleIssue(R"({"resourceType":"SubscriptionStatus"})", "SubscriptionStatus", "structure",
                    "not a FHIR R4 resource type");
}

TEST(ValidatorTest, ResourceTypeWithoutDefinitionIsAWarning) {
  const std::vector<Issue> issues = ValidateJson(
      Obs(R"("contained":[{"resourceType":"Medication","id":"m"}],"focus":[{"reference":"#m"}])"));
  ASSERT_EQ(issues.size(), 1u) << Describe(issues);
  EXPECT_EQ(issues[0].severity, Issue::Severity::kWarning);
  EXPECT_EQ(issues[0].code, "not-supported");
  EXPECT_EQ(issues[0].expression, "Observation.contained[0]");
}

TEST(ValidatorTest, NullEmptyStringEmptyObjectEmptyArray) {
  ExpectSingleIssue(Obs(R"("issued":null)"), "Observation.issued", "structure", "null");
  ExpectSingleIssue(Obs(R"("id":"")"), "Observation.id", "value", "empty string");
  ExpectSingleIssue(Obs(R"("valueQuantity":{})"), "Observation.value.ofType(Quantity)",
                    "structure", "empty object");
  ExpectSingleIssue(Obs(R"("category":[])"), "Observation.category", "structure", "empty array");
}

TEST(ValidatorTest, ReportsAllProblems) {
  const std::vector<Issue> issues = ValidateJson(std::string(R"({"resourceType":"Observation",)") +
                                                 kText + R"(,"status":"done","foo":1,"code":{}})");
  EXPECT_EQ(issues.size(), 3u) << Describe(issues);
}

}  // namespace
}  // namespace trialgate::validation

namespace trialgate::validation {
namespace {

TEST(ValidatorTest, PrimitiveArrayNullFilledByExtension) {
  const std::string patient = Patient(
      R"("name":[{"given":["Jane",null],"_given":[null,{"extension":[{"url":"http://example.org/initial","valueBoolean":true}]}]}])");
  EXPECT_TRUE(ValidateJson(patient).empty()) << Describe(ValidateJson(patient));
  ExpectSingleIssue(Patient(R"("name":[{"given":["Jane","Q"],"_given":[null]}])"),
                    "Patient.name[0].given", "structure", "_given has 1 items but given has 2");
}

TEST(ValidatorTest, RootPathPrefixesEveryExpression) {
  rapidjson::Document document;
  document.Parse((std::string(R"({"resourceType":"Observation",)") + kText +
                  R"(,"code":{"text":"x"}})").c_str());
  std::vector<Issue> issues;
  Validator(R4()).Validate(document, "Bundle.entry[3].resource", &issues);
  ASSERT_EQ(issues.size(), 1u) << Describe(issues);
  EXPECT_EQ(issues[0].expression, "Bundle.entry[3].resource.status");
  EXPECT_EQ(issues[0].diagnostics,
            "Bundle.entry[3].resource.status: minimum cardinality 1 not met");
}

TEST(ValidatorTest, NotAnObject) {
  ExpectSingleIssue(R"(["Observation"])", "Resource", "structure", "must be a JSON object");
}

}  // namespace
}  // namespace trialgate::validation
