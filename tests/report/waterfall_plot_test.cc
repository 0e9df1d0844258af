#include "gateway/report/waterfall_plot.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/report/svg_dom.h"

namespace trialgate::report {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::Node;

std::vector<WaterfallSubject> Subjects() {
  return {{"TG-0001", -95, "VGPR"}, {"TG-0002", 30, "PD"},     {"TG-0003", -60, "PR"},
          {"TG-0004", std::nullopt, "NE"}, {"TG-0005", -100, "CR"}, {"TG-0006", 10, "SD"}};
}

Node Draw(const std::vector<WaterfallSubject>& subjects,
          const WaterfallOptions& options = WaterfallOptions()) {
  absl::StatusOr<std::string> svg = DrawWaterfall(subjects, options);
  EXPECT_TRUE(svg.ok()) << svg.status();
  if (!svg.ok()) return Node();
  absl::StatusOr<Node> root = testing::ParseXml(*svg);
  EXPECT_TRUE(root.ok()) << root.status() << "\n" << *svg;
  if (!root.ok()) return Node();
  EXPECT_THAT(testing::StandaloneProblems(*root), IsEmpty());
  return *root;
}

TEST(WaterfallPlotTest, BarsSortedFromWorstToBestAndColouredByResponse) {
  Node root = Draw(Subjects());
  std::vector<const Node*> bars = testing::FindAll(root, "rect", "bar");
  std::vector<std::string> titles;
  std::vector<double> x;
  for (const Node* bar : bars) {
    titles.push_back(bar->Title());
    x.push_back(bar->Number("x"));
  }
  EXPECT_THAT(titles, ElementsAre("TG-0002: 30% (PD)", "TG-0006: 10% (SD)", "TG-0003: -60% (PR)",
                                  "TG-0001: -95% (VGPR)", "TG-0005: -100% (CR)"));
  EXPECT_TRUE(std::is_sorted(x.begin(), x.end()));
  ASSERT_EQ(bars.size(), 5u);
  EXPECT_NE(bars[0]->Attr("fill"), bars[4]->Attr("fill"));
  EXPECT_NE(bars[2]->Attr("fill"), bars[3]->Attr("fill"));
}

TEST(WaterfallPlotTest, BarsRiseAndFallFromZeroToTheirValue) {
  // Highest change 30: the axis runs from -100 to 40 (a whole tick of 20) over y 390..50.
  Node root = Draw(Subjects());
  auto y = [](double percent) { return 390 - (percent + 100) / 140 * 340; };
  std::vector<const Node*> bars = testing::FindAll(root, "rect", "bar");
  ASSERT_EQ(bars.size(), 5u);
  // A rise: from y(30) down to the zero line; a fall: from the zero line down to y(-100).
  EXPECT_NEAR(bars[0]->Number("y"), y(30), 0.006);
  EXPECT_NEAR(bars[0]->Number("height"), y(0) - y(30), 0.006);
  EXPECT_NEAR(bars[4]->Number("y"), y(0), 0.006);
  EXPECT_NEAR(bars[4]->Number("height"), y(-100) - y(0), 0.006);
  std::vector<const Node*> zero = testing::FindAll(root, "line", "zero-line");
  ASSERT_EQ(zero.size(), 1u);
  EXPECT_NEAR(zero[0]->Number("y1"), y(0), 0.006);
}

TEST(WaterfallPlotTest, PrAndVgprLinesAtMinus50AndMinus90) {
  Node root = Draw(Subjects());
  auto y = [](double percent) { return 390 - (percent + 100) / 140 * 340; };
  std::vector<const Node*> lines = testing::FindAll(root, "line", "reference-line");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NEAR(lines[0]->Number("y1"), y(-50), 0.006);
  EXPECT_NEAR(lines[0]->Number("y2"), y(-50), 0.006);
  EXPECT_NEAR(lines[1]->Number("y1"), y(-90), 0.006);
  EXPECT_EQ(lines[0]->Attr("stroke-dasharray"), "5 4");
  std::vector<std::string> labels;
  for (const Node* t : testing::FindAll(root, "text")) labels.push_back(t->text);
  EXPECT_THAT(labels, ::testing::Contains("-50% (PR)"));
  EXPECT_THAT(labels, ::testing::Contains("-90% (VGPR)"));
}

TEST(WaterfallPlotTest, SubjectWithoutAValueIsListedNotDrawn) {
  Node root = Draw(Subjects());
  for (const Node* bar : testing::FindAll(root, "rect", "bar")) {
    EXPECT_THAT(bar->Title(), ::testing::Not(HasSubstr("TG-0004")));
  }
  std::vector<const Node*> note = testing::FindAll(root, "text", "not-evaluable");
  ASSERT_EQ(note.size(), 1u);
  EXPECT_EQ(note[0]->text, "Not evaluable (no best change from baseline): TG-0004");
  // All evaluable: no note.
  std::vector<WaterfallSubject> evaluable = Subjects();
  evaluable.erase(evaluable.begin() + 3);
  EXPECT_THAT(testing::FindAll(Draw(evaluable), "text", "not-evaluable"), IsEmpty());
}

TEST(WaterfallPlotTest, LargeRiseIsCappedAndWritten) {
  std::vector<WaterfallSubject> subjects = Subjects();
  subjects.push_back({"TG-0009", 350, "PD"});
  Node root = Draw(subjects);
  // Capped at 100: the axis runs -100..100 over 340 px.
  std::vector<const Node*> bars = testing::FindAll(root, "rect", "bar");
  ASSERT_EQ(bars.size(), 6u);
  EXPECT_EQ(bars[0]->Title(), "TG-0009: 350% (PD)");
  EXPECT_NEAR(bars[0]->Number("y"), 50, 0.006);
  std::vector<const Node*> capped = testing::FindAll(root, "text", "capped");
  ASSERT_EQ(capped.size(), 1u);
  EXPECT_EQ(capped[0]->text, "+350%");
}

TEST(WaterfallPlotTest, RejectsAFallBelowMinus100) {
  std::vector<WaterfallSubject> subjects = {{"TG-0001", -120, "CR"}};
  EXPECT_EQ(DrawWaterfall(subjects, WaterfallOptions()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(WaterfallPlotTest, SameInputGivesIdenticalBytes) {
  absl::StatusOr<std::string> first = DrawWaterfall(Subjects(), WaterfallOptions());
  absl::StatusOr<std::string> second = DrawWaterfall(Subjects(), WaterfallOptions());
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(*first, *second);
}

}  // namespace
}  // namespace trialgate::report
