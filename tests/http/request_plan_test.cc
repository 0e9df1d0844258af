// How FHIR REST requests become one submission: ids, versions, refusals (request_plan.h), and
// content negotiation (media_types.h). The server tests check the same through HTTP; these
// pin down the rules one by one.

#include "gateway/http/request_plan.h"

#include <string>

#include "gateway/http/fhir_answers.h"
#include "gateway/http/media_types.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace trialgate::http {
namespace {

using ::testing::HasSubstr;

rapidjson::Document Json(const std::string& text) {
  rapidjson::Document document;
  document.Parse(text.c_str());
  return document;
}

const identity::Pseudonymizer& TestPseudonymizer() {
  static const auto* pseudonymizer = new identity::Pseudonymizer(std::string(32, 'k'));
  return *pseudonymizer;
}

constexpr char kObservation[] =
    R"({"resourceType":"Observation","id":"o-1","status":"final","code":{"text":"x"}})";

TEST(ServerIdsTest, SameContentOrConditionSameIdOthersDiffer) {
  const ServerIds ids(TestPseudonymizer());
  const rapidjson::Document a = Json(kObservation);
  const rapidjson::Document b = Json(R"({"resourceType":"Observation","status":"amended"})");
  EXPECT_EQ(ids.ForContent("Observation", a), ids.ForContent("Observation", Json(kObservation)));
  EXPECT_NE(ids.ForContent("Observation", a), ids.ForContent("Observation", b));
  EXPECT_EQ(ids.ForCondition("Observation", "identifier=s|1"),
            ids.ForCondition("Observation", "identifier=s|1"));
  EXPECT_NE(ids.ForCondition("Observation", "identifier=s|1"),
            ids.ForCondition("Procedure", "identifier=s|1"));
  EXPECT_TRUE(IsFhirId(ids.ForContent("Observation", a)));
  // Another key, other ids: an id reveals nothing without the key.
  const identity::Pseudonymizer other(std::string(32, 'z'));
  EXPECT_NE(ServerIds(other).ForContent("Observation", a), ids.ForContent("Observation", a));
}

TEST(PlanCreateTest, AssignsAnIdOrRefuses) {
  const ServerIds ids(TestPseudonymizer());
  const rapidjson::Document observation = Json(kObservation);
  auto plain = PlanCreate(observation, "Observation", "", ids);
  ASSERT_TRUE(std::holds_alternative<RequestPlan>(plain));
  const auto& directive = std::get<RequestPlan>(plain).directives.at(0);
  EXPECT_NE(directive.logical_id, "o-1") << "the server names what it creates";
  EXPECT_FALSE(directive.created_once);

  auto conditional = PlanCreate(observation, "Observation", "identifier=http%3A%2F%2Fl%7CA", ids);
  ASSERT_TRUE(std::holds_alternative<RequestPlan>(conditional));
  const auto& once = std::get<RequestPlan>(conditional).directives.at(0);
  EXPECT_TRUE(once.created_once);
  EXPECT_EQ(once.logical_id, ids.ForCondition("Observation", "identifier=http://l|A"))
      << "the condition is percent-decoded";

  auto wrong_type = PlanCreate(observation, "Procedure", "", ids);
  ASSERT_TRUE(std::holds_alternative<HttpError>(wrong_type));
  EXPECT_EQ(std::get<HttpError>(wrong_type).status, 400);
  auto not_taken = PlanCreate(Json(R"({"resourceType":"Condition"})"), "Condition", "", ids);
  ASSERT_TRUE(std::holds_alternative<HttpError>(not_taken));
  EXPECT_EQ(std::get<HttpError>(not_taken).status, 404);
  for (const char* search : {"code=1", "identifier=a&identifier=b", "identifier="}) {
    auto unsupported = PlanCreate(observation, "Observation", search, ids);
    ASSERT_TRUE(std::holds_alternative<HttpError>(unsupported)) << search;
    EXPECT_EQ(std::get<HttpError>(unsupported).status, 400) << search;
  }
}

TEST(PlanUpdateTest, TheUrlNamesTheResource) {
  const rapidjson::Document observation = Json(kObservation);
  auto update = PlanUpdate(observation, "Observation", "o-1", "W/\"3\"");
  ASSERT_TRUE(std::holds_alternative<RequestPlan>(update));
  const auto& directive = std::get<RequestPlan>(update).directives.at(0);
  EXPECT_EQ(directive.logical_id, "o-1");
  EXPECT_EQ(directive.if_match, 3u);
  EXPECT_EQ(std::get<RequestPlan>(PlanUpdate(observation, "Observation", "o-1", "\"4\""))
                .directives.at(0)
                .if_match,
            4u);
  for (const auto& [id, if_match] : std::vector<std::pair<std::string, std::string>>{
           {"o-2", ""}, {"o 1", ""}, {std::string(65, 'a'), ""}, {"o-1", "3"}, {"o-1", "W/\"x\""},
           {"o-1", "W/\"0\""}}) {
    auto refused = PlanUpdate(observation, "Observation", id, if_match);
    ASSERT_TRUE(std::holds_alternative<HttpError>(refused)) << id << " " << if_match;
    EXPECT_EQ(std::get<HttpError>(refused).status, 400) << id << " " << if_match;
  }
}

TEST(PlanBundleTest, EachEntryRequestIsPlannedAndOverlapsFailATransaction) {
  const ServerIds ids(TestPseudonymizer());
  const std::string entries = R"([
    {"resource":)" + std::string(kObservation) + R"(,"request":{"method":"PUT","url":"Observation/o-1","ifMatch":"W/\"1\""}},
    {"resource":{"resourceType":"Observation","status":"final","code":{"text":"y"}},
     "request":{"method":"POST","url":"Observation","ifNoneExist":"identifier=s|2"}},
    {"request":{"method":"DELETE","url":"Observation/o-1"}},
    {"resource":)" + std::string(kObservation) + R"(},
    {"resource":)" + std::string(kObservation) + R"(,"request":{"method":"PUT","url":"Observation?identifier=s|1"}}])";
  auto batch = PlanBundle(Json(R"({"resourceType":"Bundle","type":"batch","entry":)" + entries + "}"), ids);
  ASSERT_TRUE(std::holds_alternative<RequestPlan>(batch));
  const RequestPlan& plan = std::get<RequestPlan>(batch);
  ASSERT_EQ(plan.entries.size(), 5u);
  EXPECT_FALSE(plan.transaction);
  EXPECT_EQ(plan.directives[0].if_match, 1u);
  EXPECT_TRUE(plan.directives[1].created_once);
  EXPECT_EQ(plan.entries[2].refusal->status, 405);
  EXPECT_EQ(plan.entries[3].refusal->status, 400) << "no request";
  EXPECT_EQ(plan.entries[4].refusal->status, 405) << "conditional update";
  EXPECT_FALSE(plan.directives[2].refusal.empty()) << "the pipeline rejects it unread";

  const std::string twice = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":)" + std::string(kObservation) + R"(,"request":{"method":"PUT","url":"Observation/o-1"}},
    {"resource":)" + std::string(kObservation) + R"(,"request":{"method":"PUT","url":"Observation/o-1"}}]})";
  auto overlapping = PlanBundle(Json(twice), ids);
  ASSERT_TRUE(std::holds_alternative<HttpError>(overlapping));
  EXPECT_THAT(std::get<HttpError>(overlapping).issues[0].diagnostics, HasSubstr("once"));

  for (const char* body : {R"({"resourceType":"Bundle","type":"collection"})",
                           R"({"resourceType":"Observation"})"}) {
    auto refused = PlanBundle(Json(body), ids);
    ASSERT_TRUE(std::holds_alternative<HttpError>(refused)) << body;
    EXPECT_EQ(std::get<HttpError>(refused).status, 400);
  }
}

httplib::Request WithHeaders(std::initializer_list<std::pair<const char*, const char*>> headers) {
  httplib::Request request;
  for (const auto& [name, value] : headers) request.set_header(name, value);
  return request;
}

TEST(MediaTypesTest, JsonInJsonOut) {
  for (const char* type : {"application/fhir+json", "application/json",
                           "application/fhir+json; charset=UTF-8; fhirVersion=4.0",
                           "Application/FHIR+JSON;charset=\"utf-8\""}) {
    EXPECT_FALSE(CheckBodyType(WithHeaders({{"Content-Type", type}})).has_value()) << type;
  }
  for (const char* type : {"application/fhir+xml", "text/xml", "text/plain",
                           "application/fhir+json; charset=ISO-8859-1"}) {
    auto refused = CheckBodyType(WithHeaders({{"Content-Type", type}}));
    ASSERT_TRUE(refused.has_value()) << type;
    EXPECT_EQ(refused->status, 415);
  }
  EXPECT_EQ(CheckBodyType(httplib::Request())->status, 415) << "no Content-Type";
  EXPECT_THAT(CheckBodyType(WithHeaders({{"Content-Type", "application/fhir+xml"}}))
                  ->issues[0].diagnostics,
              HasSubstr("not XML"));

  for (const char* accept : {"", "application/fhir+json", "*/*",
                             "application/fhir+xml;q=0.9, application/json;q=0.8"}) {
    EXPECT_FALSE(CheckAcceptable(WithHeaders({{"Accept", accept}})).has_value()) << accept;
  }
  EXPECT_EQ(CheckAcceptable(WithHeaders({{"Accept", "application/fhir+xml"}}))->status, 406);
  httplib::Request format = WithHeaders({{"Accept", "application/fhir+xml"}});
  format.params.emplace("_format", "json");
  EXPECT_FALSE(CheckAcceptable(format).has_value()) << "_format overrides Accept";
  format.params.clear();
  format.params.emplace("_format", "xml");
  EXPECT_EQ(CheckAcceptable(format)->status, 406);
}

TEST(PreferTest, ReturnPreferences) {
  EXPECT_EQ(PreferredReturn(httplib::Request()), Return::kMinimal);
  EXPECT_EQ(PreferredReturn(WithHeaders({{"Prefer", "return=representation"}})),
            Return::kRepresentation);
  EXPECT_EQ(PreferredReturn(WithHeaders({{"Prefer", "respond-async, return=OperationOutcome"}})),
            Return::kOperationOutcome);
  EXPECT_EQ(PreferredReturn(WithHeaders({{"Prefer", "handling=strict"}})), Return::kMinimal);
}

}  // namespace
}  // namespace trialgate::http
