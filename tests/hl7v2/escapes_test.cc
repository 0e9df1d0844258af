#include "gateway/hl7v2/escapes.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace trialgate::hl7v2 {
namespace {

std::string U(absl::string_view raw, std::vector<std::string>* problems = nullptr) {
  return Unescape(raw, Delimiters(), problems);
}

TEST(UnescapeTest, DecodesTheDelimiterEscapes) {
  std::vector<std::string> problems;
  EXPECT_EQ(U("a\\F\\b\\S\\c\\R\\d\\T\\e\\E\\f", &problems), "a|b^c~d&e\\f");
  EXPECT_THAT(problems, testing::IsEmpty());
}

TEST(UnescapeTest, DecodesToTheMessagesOwnDelimiters) {
  Delimiters d{.field = '#', .component = '$', .repetition = '*', .escape = '!',
               .subcomponent = '@', .truncation = '%'};
  EXPECT_EQ(Unescape("!F!!S!!R!!T!!E!!P!", d), "#$*@!%");
  // With another escape character, a backslash is plain text.
  EXPECT_EQ(Unescape("C:\\dir", d), "C:\\dir");
}

TEST(UnescapeTest, DecodesHex) {
  std::vector<std::string> problems;
  EXPECT_EQ(U("a\\X0D0A\\b", &problems), "a\r\nb");
  EXPECT_EQ(U("\\Xc3a9\\", &problems), "\xC3\xA9");  // é in UTF-8, lower-case digits
  EXPECT_EQ(U("\\X000d\\", &problems), std::string("\0\r", 2));
  EXPECT_THAT(problems, testing::IsEmpty());
}

TEST(UnescapeTest, ReportsBadHexAndKeepsIt) {
  std::vector<std::string> problems;
  EXPECT_EQ(U("\\X0\\", &problems), "\\X0\\");
  EXPECT_EQ(U("\\XZZ\\", &problems), "\\XZZ\\");
  EXPECT_EQ(U("\\X\\", &problems), "\\X\\");
  EXPECT_EQ(U("\\XE9\\", &problems), "\\XE9\\");  // a Latin-1 byte, not UTF-8
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_THAT(problems[0], testing::HasSubstr("even"));
  EXPECT_THAT(problems[1], testing::HasSubstr("hex digit"));
  EXPECT_THAT(problems[3], testing::HasSubstr("not UTF-8"));
}

TEST(UnescapeTest, TurnsBrIntoALineBreak) {
  EXPECT_EQ(U("line one\\.br\\line two"), "line one\nline two");
}

TEST(UnescapeTest, HandlesTheOtherFormattingCommands) {
  EXPECT_EQ(U("a\\.sp\\b"), "a\nb");
  EXPECT_EQ(U("a\\.sp 3\\b"), "a\n\n\nb");
  EXPECT_EQ(U("\\.in +4\\\\.ti -2\\\\.sk 2\\\\.ce\\\\.fi\\\\.nf\\text"), "text");
  std::vector<std::string> problems;
  EXPECT_EQ(U("\\.sp 999999999\\", &problems), "\\.sp 999999999\\");
  EXPECT_THAT(problems, testing::SizeIs(1));
}

TEST(UnescapeTest, DropsHighlighting) {
  std::vector<std::string> problems;
  EXPECT_EQ(U("normal \\H\\bold\\N\\ normal", &problems), "normal bold normal");
  EXPECT_THAT(problems, testing::IsEmpty());
}

TEST(UnescapeTest, KeepsLocalEscapesWithoutAProblem) {
  std::vector<std::string> problems;
  EXPECT_EQ(U("\\Zabc\\", &problems), "\\Zabc\\");
  EXPECT_THAT(problems, testing::IsEmpty());
}

TEST(UnescapeTest, ReportsUnknownAndUnterminatedEscapes) {
  std::vector<std::string> problems;
  EXPECT_EQ(U("a\\Q\\b", &problems), "a\\Q\\b");
  EXPECT_EQ(U("\\C2842\\", &problems), "\\C2842\\");
  EXPECT_EQ(U("a\\\\b", &problems), "a\\\\b");
  EXPECT_EQ(U("\\P\\", &problems), "\\P\\");  // no truncation character declared
  EXPECT_EQ(U("50\\% off", &problems), "50\\% off");
  ASSERT_EQ(problems.size(), 5u);
  EXPECT_THAT(problems[0], testing::HasSubstr("offset 1: unknown"));
  EXPECT_THAT(problems[1], testing::HasSubstr("character-set"));
  EXPECT_THAT(problems[2], testing::HasSubstr("empty"));
  EXPECT_THAT(problems[4], testing::HasSubstr("unterminated"));
  // Problems never quote the text.
  for (const std::string& p : problems) EXPECT_THAT(p, testing::Not(testing::HasSubstr("off\"")));
}

TEST(UnescapeTest, IgnoresProblemsWhenNotAsked) {
  EXPECT_EQ(U("\\"), "\\");
  EXPECT_EQ(U(""), "");
}

TEST(EscapeTest, RoundTrips) {
  Delimiters d;
  std::string text = "a|b^c~d&e\\f\r\ng";
  std::string escaped = Escape(text, d);
  EXPECT_EQ(escaped, "a\\F\\b\\S\\c\\R\\d\\T\\e\\E\\f\\X0D\\\\X0A\\g");
  EXPECT_EQ(Unescape(escaped, d), text);
  d.truncation = '#';
  EXPECT_EQ(Escape("#", d), "\\P\\");
  EXPECT_EQ(Unescape(Escape("x#y", d), d), "x#y");
}

}  // namespace
}  // namespace trialgate::hl7v2
