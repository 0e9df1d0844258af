// The FHIR REST facade through the real server on 127.0.0.1:0 and a real HTTP client
// (cpp-httplib's): every interaction, every status code R4 names for it, and the store behind
// it (what a request stored, or did not, read back over the gRPC event feed).

#include <algorithm>
#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/prometheus_text_parser.h"

namespace trialgate::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kFhirJson[] = "application/fhir+json";

rapidjson::Document Json(const std::string& text) {
  rapidjson::Document document;
  document.Parse(text.c_str(), text.size());
  EXPECT_FALSE(document.HasParseError()) << text;
  return document;
}

std::string FirstIssueCode(const std::string& body) {
  rapidjson::Document outcome = Json(body);
  if (!outcome.IsObject() || !outcome.HasMember("issue")) return "";
  for (const auto& issue : outcome["issue"].GetArray()) {
    if (std::string(issue["severity"].GetString()) == "error") return issue["code"].GetString();
  }
  return "";
}

class FhirRestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config::Config config;
    config.limits.max_body_bytes = 256 * 1024;
    server_ = StartInProcess(dir_.path(), config);
    ASSERT_NE(server_, nullptr);
    ASSERT_FALSE(server_->http_address().empty());
  }

  httplib::Client Client() const {
    httplib::Client client("http://" + server_->http_address());
    client.set_read_timeout(30, 0);
    return client;
  }

  // POST or PUT of FHIR JSON as hospital-a, with extra headers.
  httplib::Result Send(const std::string& method, const std::string& path,
                       const std::string& body, httplib::Headers headers = {},
                       const std::string& content_type = kFhirJson) const {
    headers.emplace("X-Trialgate-Source-System", "hospital-a");
    httplib::Client client = Client();
    if (method == "PUT") return client.Put(path.c_str(), headers, body, content_type.c_str());
    return client.Post(path.c_str(), headers, body, content_type.c_str());
  }

  void Enrol() {
    httplib::Result result = Send("POST", "/fhir/ResearchSubject",
                                  TestData("research-subject-pt-1001.json"));
    ASSERT_TRUE(result);
    ASSERT_EQ(result->status, 201) << result->body;
  }

  size_t StoredEvents() { return GatewayClient(server_->address()).Pull().size(); }

  TempDir dir_;
  std::unique_ptr<server::GatewayServer> server_;
};

TEST_F(FhirRestTest, MetadataDescribesWhatTheServerDoes) {
  httplib::Result result = Client().Get("/fhir/metadata");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_THAT(result->get_header_value("Content-Type"), StartsWith("application/fhir+json"));
  rapidjson::Document statement = Json(result->body);
  EXPECT_STREQ(statement["resourceType"].GetString(), "CapabilityStatement");
  EXPECT_STREQ(statement["fhirVersion"].GetString(), "4.0.1");
  EXPECT_STREQ(statement["kind"].GetString(), "instance");
  EXPECT_THAT(statement["implementation"]["url"].GetString(),
              AllOf(StartsWith("http://"), HasSubstr("/fhir")));
  const auto& rest = statement["rest"][0];
  std::map<std::string, std::vector<std::string>> interactions;
  for (const auto& resource : rest["resource"].GetArray()) {
    for (const auto& interaction : resource["interaction"].GetArray()) {
      interactions[resource["type"].GetString()].push_back(interaction["code"].GetString());
    }
  }
  EXPECT_THAT(interactions["Observation"], ::testing::ElementsAre("create", "update"));
  EXPECT_TRUE(interactions.count("MedicationAdministration"));
  EXPECT_FALSE(interactions.count("Condition")) << "a type the gateway does not take";
  EXPECT_STREQ(rest["interaction"][0]["code"].GetString(), "transaction");
  EXPECT_STREQ(rest["interaction"][1]["code"].GetString(), "batch");
  EXPECT_THAT(rest["security"]["description"].GetString(), HasSubstr("plaintext"));
}

TEST_F(FhirRestTest, TransactionCreatesEveryEntryAndAResendFindsThem) {
  const std::string bundle = TestData("transaction-enrol-and-data.json");
  httplib::Result first = Send("POST", "/fhir", bundle);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200) << first->body;
  rapidjson::Document response = Json(first->body);
  EXPECT_STREQ(response["type"].GetString(), "transaction-response");
  ASSERT_EQ(response["entry"].Size(), 4u);
  std::vector<std::string> locations;
  for (const auto& entry : response["entry"].GetArray()) {
    EXPECT_STREQ(entry["response"]["status"].GetString(), "201 Created");
    EXPECT_STREQ(entry["response"]["etag"].GetString(), "W/\"1\"");
    EXPECT_TRUE(entry["response"].HasMember("lastModified"));
    locations.push_back(entry["response"]["location"].GetString());
    EXPECT_THAT(locations.back(), ::testing::EndsWith("/_history/1"));
  }
  EXPECT_THAT(locations[0], StartsWith("ResearchSubject/"));
  EXPECT_THAT(locations[2], StartsWith("Observation/"));
  const size_t events = StoredEvents();
  EXPECT_GT(events, 0u);

  httplib::Result again = Send("POST", "/fhir", bundle);
  ASSERT_TRUE(again);
  ASSERT_EQ(again->status, 200) << again->body;
  rapidjson::Document second = Json(again->body);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_STREQ(second["entry"][i]["response"]["status"].GetString(), "200 OK");
    EXPECT_EQ(second["entry"][i]["response"]["location"].GetString(), locations[i]);
  }
  EXPECT_EQ(StoredEvents(), events) << "a resend stores nothing new";
}

TEST_F(FhirRestTest, TransactionThatFailsInItsLastEntryStoresNothing) {
  rapidjson::Document bundle = Json(TestData("transaction-enrol-and-data.json"));
  rapidjson::Value& last = bundle["entry"][3]["resource"];
  last.RemoveMember("subject");  // an AdverseEvent must name its subject (1..1)
  rapidjson::StringBuffer text;
  rapidjson::Writer<rapidjson::StringBuffer> writer(text);
  bundle.Accept(writer);
  httplib::Result result = Send("POST", "/fhir", text.GetString());
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 422) << result->body;
  rapidjson::Document outcome = Json(result->body);
  EXPECT_STREQ(outcome["resourceType"].GetString(), "OperationOutcome");
  EXPECT_THAT(result->body, HasSubstr("Bundle.entry[3]"));
  EXPECT_THAT(result->body, ::testing::Not(HasSubstr("all or nothing")))
      << "the outcome names the entry that failed, not the ones rolled back with it";
  EXPECT_EQ(StoredEvents(), 0u);
}

TEST_F(FhirRestTest, BatchJudgesEachEntry) {
  Enrol();
  const std::string observation = TestData("observation-anc-pt-1001.json");
  const std::string batch = R"({"resourceType":"Bundle","type":"batch","entry":[
    {"resource":)" + observation + R"(,"request":{"method":"POST","url":"Observation"}},
    {"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"}},
     "request":{"method":"POST","url":"Observation"}},
    {"request":{"method":"DELETE","url":"Observation/abc"}},
    {"request":{"method":"GET","url":"Observation/abc"}}]})";
  httplib::Result result = Send("POST", "/fhir", batch);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body;
  rapidjson::Document response = Json(result->body);
  EXPECT_STREQ(response["type"].GetString(), "batch-response");
  EXPECT_STREQ(response["entry"][0]["response"]["status"].GetString(), "201 Created");
  EXPECT_STREQ(response["entry"][1]["response"]["status"].GetString(), "422 Unprocessable Entity");
  EXPECT_TRUE(response["entry"][1]["response"].HasMember("outcome"));
  EXPECT_STREQ(response["entry"][2]["response"]["status"].GetString(), "405 Method Not Allowed");
  EXPECT_STREQ(response["entry"][3]["response"]["status"].GetString(), "405 Method Not Allowed");
}

TEST_F(FhirRestTest, CreateAnswersLocationETagAndWhatPreferAsks) {
  Enrol();
  const std::string observation = TestData("observation-anc-pt-1001.json");
  httplib::Result created = Send("POST", "/fhir/Observation", observation);
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  const std::string location = created->get_header_value("Location");
  EXPECT_THAT(location, AllOf(StartsWith("http://" + server_->http_address() + "/fhir/Observation/"),
                              ::testing::EndsWith("/_history/1")));
  EXPECT_EQ(created->get_header_value("ETag"), "W/\"1\"");
  EXPECT_THAT(created->get_header_value("Last-Modified"), HasSubstr("GMT"));
  EXPECT_TRUE(created->body.empty()) << "minimal by default: no patient data echoed unasked";

  httplib::Result again = Send("POST", "/fhir/Observation", observation,
                               {{"Prefer", "return=representation"}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200) << "the same content again is the stored resource";
  EXPECT_EQ(again->get_header_value("Location"), location);
  rapidjson::Document echoed = Json(again->body);
  EXPECT_STREQ(echoed["meta"]["versionId"].GetString(), "1");
  EXPECT_THAT(location, HasSubstr(echoed["id"].GetString()));
  EXPECT_THAT(again->body, HasSubstr("\"value\":1.9")) << "numbers as sent";

  httplib::Result outcome = Send("POST", "/fhir/Observation", observation,
                                 {{"Prefer", "return=OperationOutcome"}});
  ASSERT_TRUE(outcome);
  EXPECT_STREQ(Json(outcome->body)["resourceType"].GetString(), "OperationOutcome");
}

TEST_F(FhirRestTest, ConcurrentConditionalCreatesMakeOneResource) {
  Enrol();
  const size_t before = StoredEvents();
  const std::string observation = TestData("observation-anc-pt-1001.json");
  constexpr int kClients = 32;
  std::vector<int> statuses(kClients);
  std::vector<std::string> locations(kClients);
  std::vector<std::thread> clients;
  std::atomic<int> ready{0};
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      ++ready;
      while (ready < kClients) std::this_thread::yield();  // all at once
      httplib::Result result =
          Send("POST", "/fhir/Observation", observation,
               {{"If-None-Exist", "identifier=http%3A%2F%2Flab.example%2Facc%7CA-1001"}});
      statuses[i] = result ? result->status : -static_cast<int>(result.error());
      locations[i] = result ? result->get_header_value("Location") : "";
    });
  }
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 201), 1)
      << ::testing::PrintToString(statuses);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200), kClients - 1)
      << ::testing::PrintToString(statuses);
  for (const std::string& location : locations) EXPECT_EQ(location, locations.front());
  const size_t one_observation = StoredEvents() - before;
  EXPECT_GT(one_observation, 0u);

  // Another body under the same condition meets the same resource: 200, nothing stored.
  rapidjson::Document changed = Json(observation);
  changed["valueQuantity"]["value"].SetDouble(2.5);
  rapidjson::StringBuffer text;
  rapidjson::Writer<rapidjson::StringBuffer> writer(text);
  changed.Accept(writer);
  httplib::Result other = Send("POST", "/fhir/Observation", text.GetString(),
                               {{"If-None-Exist", "identifier=http://lab.example/acc|A-1001"}});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200);
  EXPECT_EQ(other->get_header_value("Location"), locations.front());
  EXPECT_EQ(StoredEvents() - before, one_observation);
}

TEST_F(FhirRestTest, UpdateMakesVersionsAndIfMatchGuardsThem) {
  Enrol();
  rapidjson::Document observation = Json(TestData("observation-anc-pt-1001.json"));
  auto body = [&](double value) {
    observation["valueQuantity"]["value"].SetDouble(value);
    rapidjson::StringBuffer text;
    rapidjson::Writer<rapidjson::StringBuffer> writer(text);
    observation.Accept(writer);
    return std::string(text.GetString());
  };
  const std::string path = "/fhir/Observation/obs-anc-1001-c1d1";
  httplib::Result first = Send("PUT", path, body(1.9));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 201) << "update as create: the client names its resources";
  EXPECT_EQ(first->get_header_value("ETag"), "W/\"1\"");
  httplib::Result second = Send("PUT", path, body(2.1));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200) << second->body;
  EXPECT_EQ(second->get_header_value("ETag"), "W/\"2\"");
  EXPECT_THAT(second->get_header_value("Location"), ::testing::EndsWith(path + "/_history/2"));

  httplib::Result stale = Send("PUT", path, body(2.2), {{"If-Match", "W/\"1\""}});
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->status, 412) << stale->body;
  EXPECT_EQ(FirstIssueCode(stale->body), "conflict");
  httplib::Result current = Send("PUT", path, body(2.2), {{"If-Match", "W/\"2\""}});
  ASSERT_TRUE(current);
  EXPECT_EQ(current->status, 200) << current->body;
  EXPECT_EQ(current->get_header_value("ETag"), "W/\"3\"");

  httplib::Result mismatch = Send("PUT", "/fhir/Observation/another-id", body(2.3));
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->status, 400);
  EXPECT_THAT(mismatch->body, HasSubstr("differs from the URL"));
}

TEST_F(FhirRestTest, EveryErrorHasR4sStatusAndAnOperationOutcome) {
  Enrol();
  const std::string observation = TestData("observation-anc-pt-1001.json");
  struct Case {
    std::string name;
    httplib::Result result;
    int status;
  };
  httplib::Client client = Client();
  std::vector<Case> cases;
  cases.push_back({"malformed JSON", Send("POST", "/fhir/Observation", "{\"resourceType\":"), 400});
  cases.push_back({"wrong type for the URL", Send("POST", "/fhir/Procedure", observation), 400});
  cases.push_back({"unknown type", Send("POST", "/fhir/Foo", observation), 404});
  cases.push_back({"type not taken", Send("POST", "/fhir/Condition", observation), 404});
  cases.push_back({"read", client.Get("/fhir/Observation/obs-anc-1001-c1d1"), 405});
  cases.push_back({"search", client.Get("/fhir/Observation?code=751-8"), 405});
  cases.push_back({"delete", client.Delete("/fhir/Observation/obs-anc-1001-c1d1"), 405});
  cases.push_back({"XML accepted only",
                   Send("POST", "/fhir/Observation", observation,
                        {{"Accept", "application/fhir+xml"}}),
                   406});
  cases.push_back({"_format xml",
                   Send("POST", "/fhir/Observation?_format=xml", observation), 406});
  cases.push_back({"XML body", Send("POST", "/fhir/Observation", "<Observation/>", {},
                                    "application/fhir+xml"),
                   415});
  cases.push_back({"form body", Send("POST", "/fhir/Observation", observation, {},
                                     "application/x-www-form-urlencoded"),
                   415});
  cases.push_back({"too large",
                   Send("POST", "/fhir/Observation", std::string(300 * 1024, ' ') + observation),
                   413});
  cases.push_back({"invalid resource",
                   Send("POST", "/fhir/Observation",
                        R"({"resourceType":"Observation","code":{"text":"x"}})"),
                   422});
  std::string stranger = observation;
  stranger.replace(stranger.find("Patient/pt-1001"), 15, "Patient/pt-9999");
  cases.push_back({"patient not enrolled", Send("POST", "/fhir/Observation", stranger), 422});
  cases.push_back({"unsupported If-None-Exist",
                   Send("POST", "/fhir/Observation", observation,
                        {{"If-None-Exist", "code=751-8"}}),
                   400});
  cases.push_back({"not a FHIR path", client.Get("/nothing-here"), 404});
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_TRUE(c.result) << httplib::to_string(c.result.error());
    EXPECT_EQ(c.result->status, c.status) << c.result->body;
    EXPECT_THAT(c.result->get_header_value("Content-Type"), StartsWith("application/fhir+json"));
    EXPECT_STREQ(Json(c.result->body)["resourceType"].GetString(), "OperationOutcome");
  }
  EXPECT_EQ(StoredEvents(), GatewayClient(server_->address()).Pull().size());
}

TEST_F(FhirRestTest, GenericJsonAndFormatParametersAreAccepted) {
  Enrol();
  const std::string observation = TestData("observation-anc-pt-1001.json");
  httplib::Result result =
      Send("POST", "/fhir/Observation?_format=json", observation,
           {{"Accept", "application/json"}}, "application/json; charset=UTF-8");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 201) << result->body;
}

TEST_F(FhirRestTest, ValidateAlwaysAnswers200WithTheOutcome) {
  const std::string observation = TestData("observation-anc-pt-1001.json");
  httplib::Result valid = Send("POST", "/fhir/Observation/$validate", observation);
  ASSERT_TRUE(valid);
  EXPECT_EQ(valid->status, 200);
  EXPECT_EQ(FirstIssueCode(valid->body), "");

  httplib::Result invalid = Send("POST", "/fhir/Observation/$validate",
                                 R"({"resourceType":"Observation","code":{"text":"x"}})");
  ASSERT_TRUE(invalid);
  EXPECT_EQ(invalid->status, 200) << "invalid is a finding, not a failed operation";
  EXPECT_NE(FirstIssueCode(invalid->body), "");

  const std::string parameters = R"({"resourceType":"Parameters","parameter":[
      {"name":"resource","resource":)" + observation + R"(},
      {"name":"profile","valueUri":"urn:example:no-such-profile"}]})";
  httplib::Result with_profile = Send("POST", "/fhir/$validate", parameters);
  ASSERT_TRUE(with_profile);
  EXPECT_EQ(with_profile->status, 200);
  EXPECT_THAT(with_profile->body, HasSubstr("no-such-profile"));

  httplib::Result query_profile =
      Send("POST", "/fhir/Observation/$validate?profile=urn:example:no-such-profile", observation);
  ASSERT_TRUE(query_profile);
  EXPECT_EQ(query_profile->status, 200);
  EXPECT_NE(FirstIssueCode(query_profile->body), "");
  EXPECT_EQ(StoredEvents(), 0u) << "$validate stores nothing";
}

TEST_F(FhirRestTest, OperationalEndpointsAnswer) {
  httplib::Client client = Client();
  httplib::Result health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  httplib::Result ready = client.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;
  EXPECT_EQ(ready->body, "ready\n");
}

// What an operator's Prometheus scrapes: well-formed to the last line (a strict parser), and
// counting what the facade did.
TEST_F(FhirRestTest, MetricsCountWhatTheFacadeDid) {
  auto scrape = [this]() -> PrometheusScrape {
    httplib::Result metrics = Client().Get("/metrics");
    EXPECT_TRUE(metrics);
    if (!metrics) return {};
    EXPECT_EQ(metrics->status, 200);
    EXPECT_THAT(metrics->get_header_value("Content-Type"), HasSubstr("version=0.0.4"));
    absl::StatusOr<PrometheusScrape> parsed = ParsePrometheusText(metrics->body);
    EXPECT_TRUE(parsed.ok()) << parsed.status() << "\n" << metrics->body;
    EXPECT_THAT(metrics->body, ::testing::Not(HasSubstr("KRD-")))
        << "no subject id in the metrics";
    return parsed.ok() ? *parsed : PrometheusScrape{};
  };
  const std::map<std::string, std::string> http_observation = {
      {"channel", "http"}, {"resource_type", "Observation"}, {"outcome", "accepted"}};
  const PrometheusScrape before = scrape();
  EXPECT_EQ(before.Sum("trialgate_entries_total", http_observation), 0);
  Enrol();
  httplib::Result created =
      Send("POST", "/fhir/Observation", TestData("observation-anc-pt-1001.json"));
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201);
  const PrometheusScrape after = scrape();
  EXPECT_EQ(after.Sum("trialgate_entries_total", http_observation), 1);
  EXPECT_EQ(after.Sum("trialgate_submissions_total", {{"channel", "http"}, {"outcome", "stored"}}),
            2);
  EXPECT_GT(after.Sum("trialgate_stage_seconds_count", {{"stage", "commit"}}),
            before.Sum("trialgate_stage_seconds_count", {{"stage", "commit"}}));
}

TEST_F(FhirRestTest, EveryRequestIsAuditedWithoutItsIds) {
  Enrol();
  httplib::Result updated = Send("PUT", "/fhir/Observation/obs-anc-1001-c1d1",
                                 TestData("observation-anc-pt-1001.json"));
  ASSERT_TRUE(updated);
  ASSERT_EQ(updated->status, 201);
  httplib::Result read = Client().Get("/fhir/Observation/obs-anc-1001-c1d1");
  ASSERT_TRUE(read);
  ASSERT_EQ(read->status, 405);
  server_->Shutdown();  // every record written
  const std::string audit = ReadFile(dir_.path() / "audit.log");
  EXPECT_THAT(audit, HasSubstr(R"("rpc":"http:create","target":{"resourceType":"ResearchSubject")"));
  EXPECT_THAT(audit, HasSubstr(R"("rpc":"http:update","target":{"resourceType":"Observation","entries":1,"httpStatus":201},"code":"OK")"));
  EXPECT_THAT(audit, HasSubstr(R"("httpStatus":405},"code":"HTTP_405")"));
  EXPECT_THAT(audit, ::testing::Not(HasSubstr("obs-anc-1001-c1d1")));
  EXPECT_THAT(audit, ::testing::Not(HasSubstr("pt-1001")));
}

// One worker, no room to wait: while a client holds the worker with an idle keep-alive
// connection, another connection is answered 503 at once (not queued without bound), and served
// again once the worker is free.
TEST(HttpListenerLimitsTest, ConnectionsBeyondTheQueueAreRefusedAtOnce) {
  TempDir dir;
  config::Config config;
  config.http.workers = 1;
  config.http.max_queued_connections = 0;
  std::unique_ptr<server::GatewayServer> server = StartInProcess(dir.path(), config);
  ASSERT_NE(server, nullptr);
  const std::string url = "http://" + server->http_address();
  auto holder = std::make_unique<httplib::Client>(url);
  holder->set_keep_alive(true);
  httplib::Result held = holder->Get("/healthz");
  ASSERT_TRUE(held);
  ASSERT_EQ(held->status, 200);

  httplib::Client other(url);
  httplib::Result refused = other.Get("/healthz");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->get_header_value("Retry-After"), "1");
  EXPECT_STREQ(Json(refused->body)["resourceType"].GetString(), "OperationOutcome");

  holder.reset();  // closes its connection: the worker is free
  int status = 0;
  for (int attempt = 0; attempt < 50 && status != 200; ++attempt) {
    httplib::Result again = other.Get("/healthz");
    status = again ? again->status : 0;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(status, 200);
}

}  // namespace
}  // namespace trialgate::testing
