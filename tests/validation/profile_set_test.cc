// ProfileSet compiles definitions however they arrive (single resources, Bundles of them,
// ValueSets as compose, expansion or trialgate's flat list), and the Validator applies what only
// profiles use: fixed and pattern values, required bindings on Coding and CodeableConcept,
// contentReference.
#include "gateway/validation/profile_set.h"

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "fhir-profiles/embedded.h"
#include "gateway/validation/validator.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "tests/validation/validation_test_util.h"

namespace trialgate::validation {
namespace {


// A made-up resource type with one element per rule under test.
constexpr char kTestResource[] = R"({
  "resourceType": "StructureDefinition", "url": "http://example.org/StructureDefinition/Probe",
  "name": "Probe", "kind": "resource", "abstract": false, "type": "Probe",
  "derivation": "specialization",
  "snapshot": {"element": [
    {"path": "Probe", "min": 0, "max": "*"},
    {"path": "Probe.id", "min": 0, "max": "1", "type": [{"code": "id"}]},
    {"path": "Probe.kind", "min": 0, "max": "1", "type": [{"code": "code"}], "fixedCode": "probe"},
    {"path": "Probe.category", "min": 0, "max": "1", "type": [{"code": "CodeableConcept"}],
     "patternCodeableConcept": {"coding": [{"system": "http://example.org/cs", "code": "lab"}]}},
    {"path": "Probe.coding", "min": 0, "max": "1", "type": [{"code": "Coding"}],
     "binding": {"strength": "required", "valueSet": "http://example.org/vs/composed|1.0"}},
    {"path": "Probe.concept", "min": 0, "max": "*", "type": [{"code": "CodeableConcept"}],
     "binding": {"strength": "required", "valueSet": "http://example.org/vs/expanded"}},
    {"path": "Probe.item", "min": 0, "max": "*", "type": [{"code": "BackboneElement"}]},
    {"path": "Probe.item.name", "min": 1, "max": "1", "type": [{"code": "string"}]},
    {"path": "Probe.item.item", "min": 0, "max": "*", "contentReference": "#Probe.item"}
  ]}})";

// The code system's hierarchy is flattened: "child" counts as a member.
constexpr char kComposedBundle[] = R"({"resourceType": "Bundle", "type": "collection", "entry": [
  {"resource": {"resourceType": "CodeSystem", "url": "http://example.org/cs", "content": "complete",
    "concept": [{"code": "lab", "concept": [{"code": "child"}]}, {"code": "vital"}]}},
  {"resource": {"resourceType": "ValueSet", "url": "http://example.org/vs/composed",
    "compose": {"include": [{"system": "http://example.org/cs"}],
                "exclude": [{"system": "http://example.org/cs", "concept": [{"code": "vital"}]}]}}}
]})";

constexpr char kExpanded[] = R"({"resourceType": "ValueSet", "url": "http://example.org/vs/expanded",
  "expansion": {"contains": [{"system": "http://example.org/cs", "code": "a",
                              "contains": [{"system": "http://example.org/cs", "code": "b"}]}]}})";

const ProfileSet& Probes() {
  static const ProfileSet* const set = [] {
    std::map<std::string, std::string> files = profiles::EmbeddedR4Definitions();
    std::vector<std::string_view> texts;
    for (const auto& [path, content] : files) {
      if (path.size() > 5 && path.compare(path.size() - 5, 5, ".json") == 0) {
        texts.push_back(content);
      }
    }
    // The set copies what it keeps: the texts need not outlive Create.
    texts.push_back(kTestResource);
    texts.push_back(kComposedBundle);
    texts.push_back(kExpanded);
    auto created = ProfileSet::Create(texts);
    EXPECT_TRUE(created.ok()) << created.status();
    return created->release();
  }();
  return *set;
}

std::vector<Issue> Check(const std::string& json) {
  rapidjson::Document document;
  document.Parse(json.c_str());
  EXPECT_FALSE(document.HasParseError()) << json;
  std::vector<Issue> issues;
  Validator(Probes()).Validate(document, "", &issues);
  return issues;
}

void ExpectOne(const std::string& json, const std::string& expression, const std::string& code) {
  const std::vector<Issue> issues = Check(json);
  ASSERT_EQ(issues.size(), 1u) << testing::Describe(issues);
  EXPECT_EQ(issues[0].expression, expression) << testing::Describe(issues);
  EXPECT_EQ(issues[0].code, code) << testing::Describe(issues);
}

TEST(ProfileSetTest, ExpandsComposeWithHierarchyAndExclude) {
  const CodeSet* codes = Probes().FindValueSet("http://example.org/vs/composed|1.0");
  ASSERT_NE(codes, nullptr);
  EXPECT_TRUE(codes->system_codes.contains("http://example.org/cs|lab"));
  EXPECT_TRUE(codes->system_codes.contains("http://example.org/cs|child"));
  EXPECT_FALSE(codes->system_codes.contains("http://example.org/cs|vital"));
}

TEST(ProfileSetTest, RejectsMalformedJsonAndMissingSnapshot) {
  EXPECT_FALSE(ProfileSet::Create({"{"}).ok());
  EXPECT_FALSE(
      ProfileSet::Create({R"({"resourceType":"StructureDefinition","url":"x","type":"X"})"}).ok());
}

TEST(ProfileSetTest, ValidProbe) {
  const std::vector<Issue> issues = Check(R"({"resourceType":"Probe","kind":"probe",
    "category":{"coding":[{"system":"http://example.org/cs","code":"lab","display":"Lab"}],"text":"x"},
    "coding":{"system":"http://example.org/cs","code":"child"},
    "concept":[{"coding":[{"system":"http://other","code":"z"},{"system":"http://example.org/cs","code":"b"}]}],
    "item":[{"name":"a","item":[{"name":"b"}]}]})");
  EXPECT_TRUE(issues.empty()) << testing::Describe(issues);
}

TEST(ProfileSetTest, FixedValue) {
  ExpectOne(R"({"resourceType":"Probe","kind":"other"})", "Probe.kind", "value");
}

TEST(ProfileSetTest, PatternValue) {
  ExpectOne(R"({"resourceType":"Probe","category":{"coding":[{"system":"http://example.org/cs","code":"vital"}]}})",
            "Probe.category", "value");
}

TEST(ProfileSetTest, CodingBinding) {
  ExpectOne(R"({"resourceType":"Probe","coding":{"system":"http://example.org/cs","code":"vital"}})",
            "Probe.coding", "code-invalid");
}

TEST(ProfileSetTest, CodeableConceptBindingNeedsOneMatchingCoding) {
  ExpectOne(R"({"resourceType":"Probe","concept":[{"coding":[{"system":"http://example.org/cs","code":"a"}]},{"text":"no code"}]})",
            "Probe.concept[1]", "code-invalid");
}

TEST(ProfileSetTest, ContentReferenceSharesChildren) {
  ExpectOne(R"({"resourceType":"Probe","item":[{"name":"a","item":[{"name":"b","nam":"c"}]}]})",
            "Probe.item[0].item[0].nam", "structure");
}

}  // namespace
}  // namespace trialgate::validation
