#include "gateway/report/svg.h"

#include <clocale>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/report/svg_dom.h"

namespace trialgate::report {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(FormatNumberTest, AtMostTwoDecimalsWithoutTrailingZeros) {
  EXPECT_EQ(FormatNumber(0), "0");
  EXPECT_EQ(FormatNumber(12), "12");
  EXPECT_EQ(FormatNumber(2.5), "2.5");
  EXPECT_EQ(FormatNumber(1.0 / 3), "0.33");
  EXPECT_EQ(FormatNumber(2.0 / 3), "0.67");
  EXPECT_EQ(FormatNumber(-7.125), "-7.12");  // 7.125 is exact: ties to even
  EXPECT_EQ(FormatNumber(99.999), "100");
}

TEST(FormatNumberTest, NeverAnExponentNorNegativeZero) {
  EXPECT_EQ(FormatNumber(1e6), "1000000");
  EXPECT_EQ(FormatNumber(123456789.0), "123456789");
  EXPECT_EQ(FormatNumber(1e-7), "0");
  EXPECT_EQ(FormatNumber(-1e-7), "0");
  EXPECT_EQ(FormatNumber(-0.0), "0");
}

TEST(FormatNumberTest, NotFiniteIsZeroSoTheDocumentStaysParsable) {
  EXPECT_EQ(FormatNumber(NAN), "0");
  EXPECT_EQ(FormatNumber(INFINITY), "0");
}

TEST(FormatNumberTest, IgnoresTheCLocale) {
  // A locale with a decimal comma, where one is installed; C.UTF-8 otherwise (still a check).
  const char* previous = std::setlocale(LC_NUMERIC, nullptr);
  std::string saved = previous ? previous : "C";
  bool comma = std::setlocale(LC_NUMERIC, "de_DE.UTF-8") != nullptr ||
               std::setlocale(LC_NUMERIC, "fr_FR.UTF-8") != nullptr;
  EXPECT_EQ(FormatNumber(2.5), "2.5") << (comma ? "decimal-comma locale" : "no such locale");
  std::setlocale(LC_NUMERIC, saved.c_str());
}

TEST(EscapeXmlTest, EscapesTheFiveSpecialCharacters) {
  EXPECT_EQ(EscapeXml("a<b & c>\"d\" 'e'"),
            "a&lt;b &amp; c&gt;&quot;d&quot; &apos;e&apos;");
  EXPECT_EQ(EscapeXml("Kaplan–Meier"), "Kaplan–Meier");  // UTF-8 passes through
}

TEST(SvgWriterTest, WritesAWellFormedStandaloneDocument) {
  SvgWriter svg(200.5, 100, "T<1>");
  svg.Open("g", {{"class", "x"}, {"stroke", "#000000"}});
  svg.Empty("path", {{"d", PathData().MoveTo(0, 0).HorizontalTo(1e6).VerticalTo(2.345).str()}});
  svg.Text(1, 2, "a & \"b\"");
  std::string out = svg.Finish();  // the open <g> is closed too

  absl::StatusOr<testing::Node> root = testing::ParseXml(out);
  ASSERT_TRUE(root.ok()) << root.status() << "\n" << out;
  EXPECT_THAT(testing::StandaloneProblems(*root), IsEmpty());
  EXPECT_EQ(root->Attr("viewBox"), "0 0 200.5 100");
  EXPECT_EQ(root->Title(), "T<1>");
  std::vector<const testing::Node*> paths = testing::FindAll(*root, "path");
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0]->Attr("d"), "M 0 0 H 1000000 V 2.35");
  std::vector<const testing::Node*> texts = testing::FindAll(*root, "text");
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_EQ(texts[0]->text, "a & \"b\"");
}

TEST(SvgDomTest, RejectsWhatIsNotWellFormedAndFlagsExternalReferences) {
  // The checks the plot tests rely on must themselves be able to fail.
  EXPECT_FALSE(testing::ParseXml("<svg><g></svg>").ok());
  EXPECT_FALSE(testing::ParseXml("<svg>a & b</svg>").ok());
  absl::StatusOr<testing::Node> bad = testing::ParseXml(
      "<svg width='1' height='1' viewBox='0 0 1 1'><script/>"
      "<image href='http://x/y.png'/><text font-family='url(#f)'/></svg>");
  ASSERT_TRUE(bad.ok());
  EXPECT_THAT(testing::StandaloneProblems(*bad).size(), 5u);
  absl::StatusOr<testing::Node> no_box = testing::ParseXml("<svg width='1' height='1'/>");
  ASSERT_TRUE(no_box.ok());
  EXPECT_THAT(testing::StandaloneProblems(*no_box), ElementsAre("root has no viewBox"));
}

}  // namespace
}  // namespace trialgate::report
