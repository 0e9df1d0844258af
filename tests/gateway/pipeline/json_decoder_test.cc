#include "gateway/pipeline/json_decoder.h"

#include <cmath>
#include <limits>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace trialgate::pipeline {
namespace {

using ::testing::HasSubstr;

absl::Status Decode(const std::string& body, DecodeLimits limits = {}) {
  rapidjson::Document document;
  return DecodeJson(body, limits, &document);
}

TEST(JsonDecoderTest, AcceptsAResource) {
  rapidjson::Document document;
  ASSERT_TRUE(DecodeJson(R"({"resourceType":"Observation","valueQuantity":{"value":1.5}})", {},
                         &document)
                  .ok());
  EXPECT_DOUBLE_EQ(document["valueQuantity"]["value"].GetDouble(), 1.5);
}

// FHIR decimals keep their precision: the text of every number is kept beside the DOM.
TEST(JsonDecoderTest, KeepsTheExactTextOfEveryNumber) {
  const std::string thirty_digits = "123456789012345678901234567890";
  rapidjson::Document document;
  mappers::NumberTexts numbers;
  ASSERT_TRUE(DecodeJson(R"({"a": 1.50, "b": [1e2, -0.0, {"c": 100}], "d": )" + thirty_digits +
                             R"(, "e": "1.50", "f": -7})",
                         {}, &document, &numbers)
                  .ok());
  auto text = [&](const rapidjson::Value& v) { return std::string(numbers.Find(v).value_or("?")); };
  EXPECT_EQ(numbers.size(), 6u);
  EXPECT_EQ(text(document["a"]), "1.50");
  EXPECT_EQ(text(document["b"][0]), "1e2");
  EXPECT_EQ(text(document["b"][1]), "-0.0");
  EXPECT_EQ(text(document["b"][2]["c"]), "100");
  EXPECT_EQ(text(document["d"]), thirty_digits);
  EXPECT_EQ(text(document["f"]), "-7");
  EXPECT_FALSE(numbers.Find(document["e"]).has_value());  // a string, not a number

  // The DOM still holds numbers as RapidJSON would, for code that reads values.
  EXPECT_DOUBLE_EQ(document["a"].GetDouble(), 1.5);
  EXPECT_TRUE(document["b"][0].IsDouble());
  EXPECT_EQ(document["b"][0].GetDouble(), 100);
  EXPECT_TRUE(document["b"][1].IsDouble());
  EXPECT_TRUE(std::signbit(document["b"][1].GetDouble()));
  EXPECT_TRUE(document["b"][2]["c"].IsUint());
  EXPECT_EQ(document["d"].GetDouble(), 1.2345678901234568e29);  // correctly rounded
  EXPECT_TRUE(document["f"].IsInt());
  EXPECT_TRUE(document["e"].IsString());
}

// What happens beyond double range is what happened before numbers were kept as text: RapidJSON
// refuses most such numbers as malformed JSON; the few it lets through (1.8e308) become infinity
// with their text kept, and the validator rejects them (tests/integration/bad_input_test.cc).
TEST(JsonDecoderTest, NumbersBeyondDoubleRange) {
  EXPECT_THAT(Decode(R"({"a": 1e400})").message(),
              HasSubstr("malformed JSON: Number too big to be stored in double"));
  EXPECT_THAT(Decode(R"({"a": 0.000e999999999999})").message(), HasSubstr("Number too big"));
  EXPECT_THAT(Decode(R"({"a": 1)" + std::string(400, '0') + "}").message(),
              HasSubstr("Number too big"));

  rapidjson::Document document;
  mappers::NumberTexts numbers;
  ASSERT_TRUE(DecodeJson(R"({"a": 1.8e308, "b": -1.8e308, "c": 1e-400})", {}, &document,
                         &numbers)
                  .ok());
  EXPECT_EQ(document["a"].GetDouble(), std::numeric_limits<double>::infinity());
  EXPECT_EQ(document["b"].GetDouble(), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(document["c"].GetDouble(), 0.0);  // too small: zero, as RapidJSON rounds it
  EXPECT_EQ(numbers.Find(document["a"]).value_or(""), "1.8e308");
  EXPECT_EQ(numbers.Find(document["c"]).value_or(""), "1e-400");
}

TEST(JsonDecoderTest, ReportsLineAndColumnOfMalformedJson) {
  absl::Status status = Decode("{\n  \"resourceType\": \"Observation\",\n  \"status\": }");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("line 3, column 13"));
}

TEST(JsonDecoderTest, RejectsByteOrderMarks) {
  EXPECT_THAT(Decode("\xEF\xBB\xBF{}").message(), HasSubstr("UTF-8 byte-order mark"));
  EXPECT_THAT(Decode("\xFF\xFE{\0}").message(), HasSubstr("UTF-16"));
}

TEST(JsonDecoderTest, RejectsANulByte) {
  EXPECT_THAT(Decode(std::string("{\"a\":1}\0{}", 10)).message(), HasSubstr("NUL byte"));
}

TEST(JsonDecoderTest, RejectsInvalidUtf8) {
  EXPECT_EQ(Decode("{\"a\":\"\xFF\"}").code(), absl::StatusCode::kInvalidArgument);
}

TEST(JsonDecoderTest, EnforcesTheSizeLimit) {
  DecodeLimits limits;
  limits.max_body_bytes = 10;
  EXPECT_EQ(Decode("{\"a\":\"12345678\"}", limits).code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(Decode("{\"a\":1}", limits).ok());
}

TEST(JsonDecoderTest, EnforcesTheDepthLimitWithoutRecursingIntoHostileInput) {
  DecodeLimits limits;
  limits.max_depth = 3;
  EXPECT_TRUE(Decode(R"({"a":{"b":[1]}})", limits).ok());
  const absl::Status too_deep = Decode(R"({"a":{"b":[[1]]}})", limits);
  EXPECT_EQ(too_deep.code(), absl::StatusCode::kResourceExhausted);  // a limit, like the size
  EXPECT_THAT(too_deep.message(), HasSubstr("deeper than 3"));
  // A million open brackets must not overflow the stack.
  EXPECT_EQ(Decode(std::string(1000000, '[')).code(), absl::StatusCode::kResourceExhausted);
}

TEST(JsonDecoderTest, RequiresAnObjectAtTheTop) {
  EXPECT_THAT(Decode("[]").message(), HasSubstr("JSON object"));
  EXPECT_THAT(Decode("\"Observation\"").message(), HasSubstr("JSON object"));
  EXPECT_THAT(Decode("").message(), HasSubstr("empty"));
}

}  // namespace
}  // namespace trialgate::pipeline
