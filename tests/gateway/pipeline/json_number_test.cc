#include "gateway/pipeline/json_number.h"

#include <cmath>
#include <limits>
#include <string>

#include "gtest/gtest.h"
#include "rapidjson/reader.h"

namespace trialgate::pipeline {
namespace {

// What RapidJSON's own reader reports for a number, with full-precision doubles.
struct Capture : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Capture> {
  JsonNumber number;
  bool Int(int i) { return Set(JsonNumber::Kind::kInt, i, 0, 0); }
  bool Uint(unsigned u) { return Set(JsonNumber::Kind::kUint, 0, u, 0); }
  bool Int64(int64_t i) { return Set(JsonNumber::Kind::kInt64, i, 0, 0); }
  bool Uint64(uint64_t u) { return Set(JsonNumber::Kind::kUint64, 0, u, 0); }
  bool Double(double d) { return Set(JsonNumber::Kind::kDouble, 0, 0, d); }
  bool Set(JsonNumber::Kind kind, int64_t i, uint64_t u, double d) {
    number = JsonNumber{kind, i, u, d};
    return true;
  }
};

JsonNumber RapidJsonReads(const std::string& text) {
  Capture capture;
  rapidjson::Reader reader;
  rapidjson::StringStream in(text.c_str());
  EXPECT_FALSE(reader.Parse<rapidjson::kParseFullPrecisionFlag>(in, capture).IsError()) << text;
  return capture.number;
}

TEST(JsonNumberTest, ChoosesTheKindRapidJsonChooses) {
  for (const char* text :
       {"0", "-0", "1", "-1", "2147483647", "2147483648", "-2147483648", "-2147483649",
        "4294967295", "4294967296", "9223372036854775807", "9223372036854775808",
        "-9223372036854775808", "-9223372036854775809", "18446744073709551615",
        "18446744073709551616", "123456789012345678901234567890", "1.50", "-0.0", "1e2", "1E+2",
        "0.1", "1e-2", "-12.5e-3", "3.1415926535897932384626433832795028841971",
        "1.7976931348623157e308", "5e-324", "1e-400", "-1e-400"}) {
    const JsonNumber ours = ParseJsonNumber(text);
    const JsonNumber theirs = RapidJsonReads(text);
    EXPECT_EQ(ours.kind, theirs.kind) << text;
    EXPECT_EQ(ours.i, theirs.i) << text;
    EXPECT_EQ(ours.u, theirs.u) << text;
    // Bit for bit, so that -0.0 is not 0.0.
    EXPECT_EQ(std::signbit(ours.d), std::signbit(theirs.d)) << text;
    EXPECT_EQ(ours.d, theirs.d) << text;
  }
}

// RapidJSON rounds some numbers beyond double range to infinity rather than refusing them (and
// with kParseFullPrecisionFlag to NaN). They stay infinite, which the validator rejects.
TEST(JsonNumberTest, BeyondDoubleRangeIsInfinite) {
  EXPECT_EQ(ParseJsonNumber("1.8e308").d, std::numeric_limits<double>::infinity());
  EXPECT_EQ(ParseJsonNumber("-1.8e308").d, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(ParseJsonNumber("17976931348623159e292").d, std::numeric_limits<double>::infinity());
  // Too small for a double is zero, with its sign.
  EXPECT_EQ(ParseJsonNumber("0.0001e-999999999999").d, 0.0);
  EXPECT_TRUE(std::signbit(ParseJsonNumber("-2e-324").d));
}

}  // namespace
}  // namespace trialgate::pipeline
