#include "gateway/pipeline/utf8.h"

#include <random>
#include <string>

#include "gtest/gtest.h"
#include "rapidjson/document.h"

namespace trialgate::pipeline {
namespace {

TEST(Utf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ASCII, longer than eight bytes"));
  EXPECT_TRUE(IsValidUtf8("Zürich, 10⁹/L, µmol/L, 🩸"));
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
  EXPECT_TRUE(IsValidUtf8("\xEF\xBF\xBF"));      // U+FFFF
}

TEST(Utf8Test, RejectsEveryIllFormedSequence) {
  for (const char* bad : {
           "\x80",              // a continuation byte alone
           "\xC0\x80",          // overlong NUL
           "\xC1\xBF",          // overlong
           "\xE0\x80\x80",      // overlong
           "\xED\xA0\x80",      // a surrogate (U+D800)
           "\xF0\x80\x80\x80",  // overlong
           "\xF4\x90\x80\x80",  // above U+10FFFF
           "\xF5\x80\x80\x80",  // no such lead byte
           "\xFF",
           "\xC3",              // truncated
           "\xE2\x82",          // truncated
           "\xC3\x28",          // bad continuation
           "\xE2\x28\xA1",
       }) {
    EXPECT_FALSE(IsValidUtf8(bad)) << testing::PrintToString(std::string(bad));
    // At every position in and across the 32-byte blocks ASCII is skipped in.
    for (size_t at = 0; at < 70; ++at) {
      EXPECT_FALSE(IsValidUtf8(std::string(at, 'a') + bad + std::string(40, 'b')))
          << testing::PrintToString(std::string(bad)) << " at " << at;
    }
  }
  for (size_t at = 0; at < 70; ++at) {
    EXPECT_TRUE(IsValidUtf8(std::string(at, 'a') + "µ🩸" + std::string(40, 'b'))) << at;
  }
}

// The decoder relies on accepting exactly what RapidJSON's kParseValidateEncodingFlag accepts
// inside a string; compare on many random byte strings.
TEST(Utf8Test, AgreesWithRapidJsonOnRandomBytes) {
  std::mt19937 random(20261124);
  std::uniform_int_distribution<int> length(1, 12);
  const unsigned char kInteresting[] = {0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF,
                                        0xC0, 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEE, 0xEF,
                                        0xF0, 0xF1, 0xF4, 0xF5, 0xFF};
  std::uniform_int_distribution<size_t> pick(0, sizeof(kInteresting) - 1);
  for (int round = 0; round < 20000; ++round) {
    std::string bytes;
    for (int i = length(random); i > 0; --i) bytes.push_back(kInteresting[pick(random)]);
    const std::string json = "\"" + bytes + "\"";
    rapidjson::Document document;
    document.Parse<rapidjson::kParseValidateEncodingFlag>(json.data(), json.size());
    ASSERT_EQ(IsValidUtf8(bytes), !document.HasParseError())
        << testing::PrintToString(bytes);
  }
}

}  // namespace
}  // namespace trialgate::pipeline
