#include "gateway/pipeline/json_decoder.h"

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
  EXPECT_THAT(Decode(R"({"a":{"b":[[1]]}})", limits).message(), HasSubstr("deeper than 3"));
  // A million open brackets must not overflow the stack.
  EXPECT_EQ(Decode(std::string(1000000, '[')).code(), absl::StatusCode::kInvalidArgument);
}

TEST(JsonDecoderTest, RequiresAnObjectAtTheTop) {
  EXPECT_THAT(Decode("[]").message(), HasSubstr("JSON object"));
  EXPECT_THAT(Decode("\"Observation\"").message(), HasSubstr("JSON object"));
  EXPECT_THAT(Decode("").message(), HasSubstr("empty"));
}

}  // namespace
}  // namespace trialgate::pipeline
