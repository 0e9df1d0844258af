// Every kind of bad input gets a clear OperationOutcome (and a fitting gRPC status when the
// whole call fails), stores nothing, and leaves the server serving.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"

namespace trialgate::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct BadBody {
  std::string name;
  std::string body;
  grpc::StatusCode code;        // the call's status
  std::string issue_code;       // FHIR IssueType of the first issue
  std::string diagnostics_has;  // part of the diagnostics a person would look for
};

// Problems inside an otherwise usable body are per entry: the call succeeds, the entry is
// rejected with an OperationOutcome that points at the element.
struct BadEntry {
  std::string name;
  std::string body;
  std::string issue_code;
  std::string expression;
  std::string diagnostics_has;
};

void PrintTo(const BadBody& bad, std::ostream* out) { *out << bad.name; }
void PrintTo(const BadEntry& bad, std::ostream* out) { *out << bad.name; }

std::string Nested(int depth) {
  return std::string("{\"resourceType\":\"Observation\",\"x\":") + std::string(depth, '[') +
         std::string(depth, ']') + "}";
}

std::string BundleOf(int entries) {
  std::string body = R"({"resourceType":"Bundle","type":"batch","entry":[)";
  for (int i = 0; i < entries; ++i) {
    if (i > 0) body += ",";
    body += R"({"resource":{"resourceType":"Observation","id":"o)" + std::to_string(i) +
            R"(","status":"final"}})";
  }
  return body + "]}";
}

std::vector<BadBody> BadBodies() {
  return {
      {"MalformedJson", R"({"resourceType": "Observation", "status": )",
       grpc::StatusCode::INVALID_ARGUMENT, "structure", "malformed JSON"},
      {"TrailingGarbage", R"({"resourceType": "Observation"} trailing)",
       grpc::StatusCode::INVALID_ARGUMENT, "structure", "line 1, column"},
      {"ByteOrderMark", "\xEF\xBB\xBF{\"resourceType\":\"Observation\"}",
       grpc::StatusCode::INVALID_ARGUMENT, "structure", "byte-order mark"},
      {"InvalidUtf8", "{\"resourceType\":\"Observation\",\"id\":\"\xC3\x28\"}",
       grpc::StatusCode::INVALID_ARGUMENT, "structure", "malformed JSON"},
      {"EmptyBody", "", grpc::StatusCode::INVALID_ARGUMENT, "structure", "empty"},
      {"TopLevelArray", "[1,2,3]", grpc::StatusCode::INVALID_ARGUMENT, "structure",
       "must be a JSON object"},
      {"MissingResourceType", R"({"id":"x","status":"final"})",
       grpc::StatusCode::INVALID_ARGUMENT, "required", "no resourceType"},
      {"ResourceTypeNotAString", R"({"resourceType":42})", grpc::StatusCode::INVALID_ARGUMENT,
       "required", "no resourceType"},
      {"TooDeep", Nested(100000), grpc::StatusCode::RESOURCE_EXHAUSTED, "too-costly",
       "deeper than 64"},
      {"OverSizeLimit",
       R"({"resourceType":"Observation","note":")" + std::string(16 * 1024 * 1024, 'a') + "\"}",
       grpc::StatusCode::RESOURCE_EXHAUSTED, "too-costly", "the limit is 16777216 bytes"},
      {"FiftyThousandEntries", BundleOf(50000), grpc::StatusCode::RESOURCE_EXHAUSTED,
       "too-costly", "50000 entries"},
      {"UnsupportedBundleType", R"({"resourceType":"Bundle","type":"document","entry":[]})",
       grpc::StatusCode::INVALID_ARGUMENT, "not-supported", "Bundle.type 'document'"},
      {"BundleEntryNotArray", R"({"resourceType":"Bundle","type":"batch","entry":{}})",
       grpc::StatusCode::INVALID_ARGUMENT, "structure", "must be an array"},
      // RapidJSON refuses most numbers beyond double range (1.8e308 is let through; below).
      {"NumberBeyondDoubleRange",
       R"({"resourceType":"Observation","valueQuantity":{"value":1e400}})",
       grpc::StatusCode::INVALID_ARGUMENT, "structure", "Number too big to be stored in double"},
      {"InvalidBundleShell", R"({"resourceType":"Bundle","type":"batch","foo":1,"entry":[]})",
       grpc::StatusCode::INVALID_ARGUMENT, "structure", "unknown element 'foo' in Bundle"},
  };
}

// One server for all the cases of a suite: each case must leave it serving and empty.
class SharedServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    server_ = StartInProcess(dir_->path()).release();
    client_ = new GatewayClient(server_->address());
  }
  static void TearDownTestSuite() {
    delete client_;
    delete server_;
    delete dir_;
  }

  // The server still answers, and still stores nothing that was not good.
  void ExpectServingAndEmpty() {
    grpc::Status status;
    client_->Submit(R"({"resourceType":"Observation"})", "hospital-a", &status);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_TRUE(client_->Pull().empty());
  }

  static TempDir* dir_;
  static server::GatewayServer* server_;
  static GatewayClient* client_;
};

TempDir* SharedServerTest::dir_ = nullptr;
server::GatewayServer* SharedServerTest::server_ = nullptr;
GatewayClient* SharedServerTest::client_ = nullptr;

class BadInputTest : public SharedServerTest, public ::testing::WithParamInterface<BadBody> {};

TEST_P(BadInputTest, RejectedWithAClearOperationOutcomeAndTheServerKeepsServing) {
  const BadBody& bad = GetParam();
  grpc::Status status;
  client_->Submit(bad.body, "hospital-a", &status);
  EXPECT_EQ(status.error_code(), bad.code) << status.error_message();
  const std::string json = OutcomeOfStatus(status);
  ASSERT_FALSE(json.empty()) << "no OperationOutcome in the status details";
  rapidjson::Document outcome = ParseOutcome(json);
  EXPECT_STREQ(outcome["issue"][0]["severity"].GetString(), "error");
  EXPECT_EQ(outcome["issue"][0]["code"].GetString(), bad.issue_code) << json;
  EXPECT_THAT(outcome["issue"][0]["diagnostics"].GetString(), HasSubstr(bad.diagnostics_has));
  ExpectServingAndEmpty();
}

INSTANTIATE_TEST_SUITE_P(Bodies, BadInputTest, ::testing::ValuesIn(BadBodies()),
                         [](const auto& info) { return info.param.name; });

std::vector<BadEntry> BadEntries() {
  return {
      {"UnsupportedResourceType", R"({"resourceType":"Condition","id":"c1"})", "not-supported",
       "Condition", "and Patient (validated; of an enrolled subject only a death is stored)"},
      {"UnknownResourceType", R"({"resourceType":"Foo"})", "not-supported", "Foo",
       "Submit takes MedicationAdministration"},
      {"EmptyReference",
       R"({"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"751-8"}]},"subject":{"reference":""},"valueQuantity":{"value":1,"unit":"10*9/L","system":"http://unitsofmeasure.org","code":"10*9/L"}})",
       "", "Observation.subject", ""},
      {"ReferenceToNothingInBundle",
       R"({"resourceType":"Bundle","type":"batch","entry":[{"resource":{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"751-8"}]},"subject":{"reference":"urn:uuid:9d7c1c2e-0000-4000-8000-000000000000"},"valueQuantity":{"value":1,"unit":"10*9/L","system":"http://unitsofmeasure.org","code":"10*9/L"}},"request":{"method":"POST","url":"Observation"}}]})",
       "not-found", "Bundle.entry[0].resource.subject", "does not resolve"},
      {"ReferenceToNonPatient",
       R"({"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"751-8"}]},"subject":{"reference":"Group/g1"},"valueQuantity":{"value":1,"unit":"10*9/L","system":"http://unitsofmeasure.org","code":"10*9/L"}})",
       "value", "Observation.subject", "must be to a Patient"},
      {"EntryWithoutResource", R"({"resourceType":"Bundle","type":"batch","entry":[{"fullUrl":"urn:uuid:x"}]})",
       "required", "Bundle.entry[0].resource", "resource"},
      // Not valid FHIR R4: rejected by the validator before any mapping.
      {"CodeOutsideRequiredValueSet",
       R"({"resourceType":"Observation","status":"done","code":{"coding":[{"system":"http://loinc.org","code":"751-8"}]},"subject":{"reference":"Patient/pt-1001"}})",
       "code-invalid", "Observation.status", "not in the required value set"},
      {"DecimalBeyondDoubleRange",
       R"({"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/pt-1001"},"valueQuantity":{"value":1.8e308,"unit":"x"}})",
       "", "Observation.value.ofType(Quantity).value", "beyond the range of a 64-bit"},
      {"UnreferencedContainedResource",
       R"({"resourceType":"Observation","contained":[{"resourceType":"Patient","id":"p1"}],"status":"final","code":{"coding":[{"system":"http://loinc.org","code":"751-8"}]},"subject":{"reference":"Patient/pt-1001"},"valueQuantity":{"value":1,"unit":"10*9/L","system":"http://unitsofmeasure.org","code":"10*9/L"}})",
       "invariant", "Observation.contained[0]", "dom-3"},
      {"UnknownElementInABatchEntry",
       R"({"resourceType":"Bundle","type":"batch","entry":[{"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/pt-1001"},"valueQuantity":{"value":1,"unit":"x","colour":"red"}},"request":{"method":"POST","url":"Observation"}}]})",
       "structure", "Bundle.entry[0].resource.value.ofType(Quantity).colour",
       "unknown element 'colour'"},
  };
}

class BadEntryTest : public SharedServerTest, public ::testing::WithParamInterface<BadEntry> {};

TEST_P(BadEntryTest, EntryRejectedWithAnExactExpression) {
  const BadEntry& bad = GetParam();
  v1::SubmitResponse response = client_->SubmitOk(bad.body);
  ASSERT_EQ(response.entries_size(), 1);
  EXPECT_EQ(response.entries(0).outcome(), v1::EntryOutcome::REJECTED);
  EXPECT_EQ(response.entries(0).event_ids_size(), 0);
  rapidjson::Document outcome = ParseOutcome(response.entries(0).operation_outcome());
  // Warnings (e.g. a missing effective time) may come first: the error is what matters here.
  const rapidjson::Value* error = FirstIssue(outcome, "error");
  ASSERT_NE(error, nullptr) << response.entries(0).operation_outcome();
  const rapidjson::Value& issue = *error;
  if (!bad.issue_code.empty()) {
    EXPECT_EQ(issue["code"].GetString(), bad.issue_code);
  }
  ASSERT_TRUE(issue.HasMember("expression")) << response.entries(0).operation_outcome();
  EXPECT_THAT(issue["expression"][0].GetString(), StartsWith(bad.expression));
  EXPECT_THAT(issue["diagnostics"].GetString(), HasSubstr(bad.diagnostics_has));
  ExpectServingAndEmpty();
}

INSTANTIATE_TEST_SUITE_P(Entries, BadEntryTest, ::testing::ValuesIn(BadEntries()),
                         [](const auto& info) { return info.param.name; });

TEST(SourceSystemTest, MissingSourceSystemFailsTheCall) {
  TempDir dir;
  auto server = StartInProcess(dir.path());
  GatewayClient client(server->address());
  grpc::Status status;
  client.Submit(TestData("research-subject-pt-1001.json"), "", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(OutcomeOfStatus(status), HasSubstr("source_system"));
}

}  // namespace
}  // namespace trialgate::testing
