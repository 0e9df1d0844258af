#include "gateway/report/swimmer_plot.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/report/svg_dom.h"

namespace trialgate::report {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::Node;

std::vector<SwimmerSubject> Subjects() {
  return {
      {"TG-0007",
       {{Phase::kReinduction, 0, 84}, {Phase::kMobilisation, 90, 110},
        {Phase::kAsct, 120, 135}, {Phase::kMaintenance, 180, 540}},
       {{84, MarkerKind::kResponse, "VGPR"}, {200, MarkerKind::kResponse, "CR"},
        {95, MarkerKind::kDeviation, "G-CSF 2 days late"}},
       /*ongoing=*/true},
      {"TG-0012",
       {{Phase::kReinduction, 0, 84}, {Phase::kFollowUp, 84, 300}},
       {{84, MarkerKind::kResponse, "PD"}, {300, MarkerKind::kDeath, ""}},
       false},
      {"TG-0003",
       {{Phase::kReinduction, 0, 60}},
       {{60, MarkerKind::kCensored, "withdrew"}},
       false},
  };
}

Node Draw(const std::vector<SwimmerSubject>& subjects, const SwimmerOptions& options) {
  absl::StatusOr<std::string> svg = DrawSwimmer(subjects, options);
  EXPECT_TRUE(svg.ok()) << svg.status();
  if (!svg.ok()) return Node();
  absl::StatusOr<Node> root = testing::ParseXml(*svg);
  EXPECT_TRUE(root.ok()) << root.status() << "\n" << *svg;
  if (!root.ok()) return Node();
  EXPECT_THAT(testing::StandaloneProblems(*root), IsEmpty());
  return *root;
}

TEST(SwimmerPlotTest, OneRowPerSubjectLabelledByPseudonym) {
  Node root = Draw(Subjects(), SwimmerOptions());
  std::vector<const Node*> rows = testing::FindAll(root, "g", "subject");
  ASSERT_EQ(rows.size(), 3u);
  std::vector<std::string> ids;
  std::vector<double> label_y;
  for (const Node* row : rows) {
    std::vector<const Node*> label = testing::FindAll(*row, "text", "subject-id");
    ASSERT_EQ(label.size(), 1u);
    ids.push_back(label[0]->text);
    label_y.push_back(label[0]->Number("y"));
  }
  EXPECT_THAT(ids, ElementsAre("TG-0007", "TG-0012", "TG-0003"));  // the order given
  EXPECT_LT(label_y[0], label_y[1]);
  EXPECT_LT(label_y[1], label_y[2]);
}

TEST(SwimmerPlotTest, SegmentsInOrderWithWidthsProportionalToDays) {
  SwimmerOptions options;
  options.tick_step = 90;  // latest day 540: the axis runs 0..540
  Node root = Draw(Subjects(), options);
  std::vector<const Node*> rows = testing::FindAll(root, "g", "subject");
  ASSERT_EQ(rows.size(), 3u);
  std::vector<const Node*> segments = testing::FindAll(*rows[0], "rect", "segment");
  ASSERT_EQ(segments.size(), 4u);
  std::vector<std::string> titles;
  for (const Node* s : segments) titles.push_back(s->Title());
  EXPECT_THAT(titles, ElementsAre("KRd re-induction: days 0–84", "Mobilisation/harvest: days 90–110",
                                  "ASCT: days 120–135", "Maintenance: days 180–540"));
  // 700 px for 540 days; each bar starts at its day and is as wide as its days.
  const double px_per_day = 700.0 / 540;
  const double starts[] = {0, 90, 120, 180}, days[] = {84, 20, 15, 360};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_NEAR(segments[i]->Number("x"), 120 + starts[i] * px_per_day, 0.006) << titles[i];
    EXPECT_NEAR(segments[i]->Number("width"), days[i] * px_per_day, 0.006) << titles[i];
  }
  // The same phase has the same colour in every row; different phases differ.
  std::vector<const Node*> second = testing::FindAll(*rows[1], "rect", "segment");
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0]->Attr("fill"), segments[0]->Attr("fill"));
  EXPECT_NE(second[1]->Attr("fill"), segments[0]->Attr("fill"));
}

TEST(SwimmerPlotTest, MarkersAndOngoingArrow) {
  Node root = Draw(Subjects(), SwimmerOptions());
  std::vector<const Node*> rows = testing::FindAll(root, "g", "subject");
  ASSERT_EQ(rows.size(), 3u);
  std::vector<std::string> responses;
  for (const Node* r : testing::FindAll(*rows[0], "g", "response")) responses.push_back(r->Title());
  EXPECT_THAT(responses, ElementsAre("VGPR", "CR"));
  EXPECT_EQ(testing::FindAll(*rows[0], "g", "deviation").size(), 1u);
  EXPECT_EQ(testing::FindAll(*rows[0], "path", "ongoing").size(), 1u);
  EXPECT_EQ(testing::FindAll(*rows[1], "g", "death").size(), 1u);
  EXPECT_THAT(testing::FindAll(*rows[1], "path", "ongoing"), IsEmpty());
  EXPECT_EQ(testing::FindAll(*rows[2], "g", "censored").size(), 1u);
  // The response marker sits at its day on the bar's middle line.
  const Node* circle = testing::FindAll(*testing::FindAll(*rows[0], "g", "response")[1], "circle")[0];
  EXPECT_NEAR(circle->Number("cx"), 120 + 200 * 700.0 / 540, 0.006);
}

TEST(SwimmerPlotTest, DoseIsASmallTickAcrossTheBarsUpperEdge) {
  std::vector<SwimmerSubject> subjects = Subjects();
  subjects[0].markers.push_back({54, MarkerKind::kDose, "lenalidomide"});
  Node root = Draw(subjects, SwimmerOptions());
  std::vector<const Node*> rows = testing::FindAll(root, "g", "subject");
  ASSERT_EQ(rows.size(), 3u);
  std::vector<const Node*> doses = testing::FindAll(*rows[0], "g", "dose");
  ASSERT_EQ(doses.size(), 1u);
  EXPECT_EQ(doses[0]->Title(), "lenalidomide");
  // Row 0's middle is y = 65, the bar 59..71: the tick runs 56..62 at day 54.
  std::vector<std::pair<double, double>> tick =
      testing::PathVertices(testing::FindAll(*doses[0], "path")[0]->Attr("d"));
  ASSERT_EQ(tick.size(), 2u);
  EXPECT_NEAR(tick[0].first, 120 + 54 * 700.0 / 540, 0.006);
  EXPECT_EQ(tick[0].first, tick[1].first);
  EXPECT_DOUBLE_EQ(tick[0].second, 56);
  EXPECT_DOUBLE_EQ(tick[1].second, 62);
  EXPECT_THAT(testing::FindAll(*rows[1], "g", "dose"), IsEmpty());
}

TEST(SwimmerPlotTest, RejectsBackwardSegmentsAndNegativeDays) {
  std::vector<SwimmerSubject> subjects = Subjects();
  subjects[1].segments[1].end_day = 10;
  absl::StatusOr<std::string> svg = DrawSwimmer(subjects, SwimmerOptions());
  EXPECT_EQ(svg.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(svg.status().message(), ::testing::HasSubstr("TG-0012"));
  subjects = Subjects();
  subjects[2].markers[0].day = -1;
  EXPECT_EQ(DrawSwimmer(subjects, SwimmerOptions()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DrawSwimmer({}, SwimmerOptions()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SwimmerPlotTest, SameInputGivesIdenticalBytes) {
  absl::StatusOr<std::string> first = DrawSwimmer(Subjects(), SwimmerOptions());
  absl::StatusOr<std::string> second = DrawSwimmer(Subjects(), SwimmerOptions());
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(*first, *second);
}

}  // namespace
}  // namespace trialgate::report
