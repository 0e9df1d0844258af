#include "gateway/hl7v2/charset.h"

#include <string>

#include "gateway/hl7v2/message.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace trialgate::hl7v2 {
namespace {

// An ADT message whose MSH-18 is `msh18` and whose PID-5 is `name` (bytes as given).
std::string WithName(const std::string& msh18, const std::string& name) {
  return "MSH|^~\\&|LIS|HOSPA|TG|STUDY|20240101||ADT^A08|1|P|2.5.1||||||" + msh18 +
         "\rPID|1||42^^^HOSPA^MR||" + name + "\r";
}

// PID-5 of the message after decoding with `options`.
std::string DecodedName(const std::string& bytes, const DecodeOptions& options = {}) {
  absl::StatusOr<Decoded> decoded = DecodeToUtf8(bytes, options);
  EXPECT_TRUE(decoded.ok()) << decoded.status();
  if (!decoded.ok()) return "<error>";
  absl::StatusOr<Message> message = Message::Parse(decoded->text);
  EXPECT_TRUE(message.ok()) << message.status();
  if (!message.ok()) return "<error>";
  return message->Text("PID", 5);
}

TEST(ReadMsh18Test, ReadsTheFirstRepetitionBeforeConversion) {
  EXPECT_EQ(ReadMsh18(WithName("8859/1", "x")), "8859/1");
  EXPECT_EQ(ReadMsh18(WithName("UNICODE UTF-8~8859/15", "x")), "UNICODE UTF-8");
  EXPECT_EQ(ReadMsh18(WithName("", "x")), "");
  EXPECT_EQ(ReadMsh18("MSH|^~\\&|A\rPID|||||||||||||||||||8859/1\r"), "");  // not in MSH
  EXPECT_EQ(ReadMsh18("MSH#$*!@#1#2#3#4#5#6#7#8#9#10#11#12#13#14#15#8859/15$x\r"), "8859/15");
  EXPECT_EQ(ReadMsh18(""), "");
  EXPECT_EQ(ReadMsh18("garbage"), "");
  // A short MSH segment followed by more text: found by the fuzzer (read past the segment).
  EXPECT_EQ(ReadMsh18("MSH\rPID|1|2|3|4|5"), "");
  EXPECT_EQ(ReadMsh18("\nMSH|^\n~\\&|A|B|C"), "");
}

TEST(IconvNameForTest, MapsTable0211) {
  EXPECT_EQ(IconvNameFor("ASCII"), "ASCII");
  EXPECT_EQ(IconvNameFor("UNICODE UTF-8"), "UTF-8");
  EXPECT_EQ(IconvNameFor("8859/1"), "ISO-8859-1");
  EXPECT_EQ(IconvNameFor("8859/15"), "ISO-8859-15");
  EXPECT_EQ(IconvNameFor("8859/16"), "");
  EXPECT_EQ(IconvNameFor("windows-1252"), "");
}

TEST(DecodeToUtf8Test, ConvertsLatin1) {
  // "Müller" with ü as the single byte 0xFC.
  EXPECT_EQ(DecodedName(WithName("8859/1", "M\xFCller")), "M\xC3\xBCller");
}

TEST(DecodeToUtf8Test, ConvertsLatin9EuroSign) {
  // In 8859-15, 0xA4 is the euro sign (in 8859-1 it is the currency sign).
  EXPECT_EQ(DecodedName(WithName("8859/15", "5 \xA4")), "5 \xE2\x82\xAC");
  EXPECT_EQ(DecodedName(WithName("8859/1", "5 \xA4")), "5 \xC2\xA4");
}

TEST(DecodeToUtf8Test, KeepsAsciiAndUtf8) {
  EXPECT_EQ(DecodedName(WithName("ASCII", "Muller")), "Muller");
  EXPECT_EQ(DecodedName(WithName("UNICODE UTF-8", "M\xC3\xBCller")), "M\xC3\xBCller");
  EXPECT_EQ(DecodedName(WithName("", "M\xC3\xBCller")), "M\xC3\xBCller");
}

TEST(DecodeToUtf8Test, UsesTheSendersFallbackWhenMsh18IsEmptyOrUnknown) {
  DecodeOptions windows{.fallback_charset = "WINDOWS-1252"};
  // 0x80 is the euro sign in windows-1252.
  EXPECT_EQ(DecodedName(WithName("", "5 \x80"), windows), "5 \xE2\x82\xAC");
  EXPECT_EQ(DecodedName(WithName("CP1252", "5 \x80"), windows), "5 \xE2\x82\xAC");
  absl::StatusOr<Decoded> decoded = DecodeToUtf8(WithName("", "x\x80"), windows);
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(decoded->used_fallback);
  EXPECT_EQ(decoded->charset, "WINDOWS-1252");
  // A declared set wins over the fallback.
  EXPECT_EQ(DecodedName(WithName("8859/15", "\xA4"), windows), "\xE2\x82\xAC");
}

TEST(DecodeToUtf8Test, ReportsInvalidBytesWithoutQuotingThem) {
  struct Case {
    std::string bytes;
    DecodeOptions options;
    const char* expected;
  };
  const Case cases[] = {
      {WithName("ASCII", "M\xFCller"), {}, "byte 0xFC at offset"},
      {WithName("", "M\xFCller"), {}, "not valid UTF-8"},
      {WithName("UNICODE UTF-8", "M\xFCller"), {}, "not valid UTF-8"},
      {WithName("UNICODE UTF-8", "\xC0\xAF"), {}, "byte 0xC0"},           // overlong
      {WithName("UNICODE UTF-8", "\xED\xA0\x80"), {}, "byte 0xED"},       // surrogate
      {WithName("", "x\x81"), {.fallback_charset = "WINDOWS-1252"}, "0x81"},  // undefined
  };
  for (const Case& c : cases) {
    absl::StatusOr<Decoded> decoded = DecodeToUtf8(c.bytes, c.options);
    ASSERT_FALSE(decoded.ok()) << c.expected;
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
    std::string message(decoded.status().message());
    EXPECT_THAT(message, testing::HasSubstr(c.expected));
    EXPECT_THAT(message, testing::Not(testing::HasSubstr("ller")));
    for (char ch : message) EXPECT_LT(static_cast<unsigned char>(ch), 0x80) << message;
  }
}

TEST(DecodeToUtf8Test, RefusesSetsThatCannotBeFramed) {
  for (const char* set : {"UNICODE", "UNICODE UTF-16", "UNICODE UTF-32", "BIG-5"}) {
    absl::StatusOr<Decoded> decoded = DecodeToUtf8(WithName(set, "x"));
    ASSERT_FALSE(decoded.ok()) << set;
    EXPECT_THAT(std::string(decoded.status().message()), testing::HasSubstr("multi-byte"));
  }
}

TEST(DecodeToUtf8Test, RefusesAFallbackIconvDoesNotKnow) {
  absl::StatusOr<Decoded> decoded =
      DecodeToUtf8(WithName("", "\xE9"), {.fallback_charset = "NO-SUCH-SET"});
  ASSERT_FALSE(decoded.ok());
  EXPECT_THAT(std::string(decoded.status().message()), testing::HasSubstr("iconv"));
}

TEST(DecodeToUtf8Test, DropsAUtf8ByteOrderMark) {
  absl::StatusOr<Decoded> decoded = DecodeToUtf8("\xEF\xBB\xBF" + WithName("", "\xC3\xA9"));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->text.substr(0, 3), "MSH");
}

}  // namespace
}  // namespace trialgate::hl7v2
