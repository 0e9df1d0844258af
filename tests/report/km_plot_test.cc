#include "gateway/report/km_plot.h"

#include <cmath>
#include <regex>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/report/svg_dom.h"

namespace trialgate::report {
namespace {

using statistics::Observation;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using testing::Node;

constexpr double kTolerance = 0.006;  // coordinates are written with two decimals

statistics::KaplanMeierFit Fit(std::vector<Observation> data) {
  absl::StatusOr<statistics::KaplanMeierFit> fit = statistics::EstimateKaplanMeier(data);
  EXPECT_TRUE(fit.ok()) << fit.status();
  return *fit;
}

// 1, 2, 2+, 3, 4+: S = 0.8 from 1, 0.6 from 2 (the censored at 2 still at risk), 0.3 from 3.
statistics::KaplanMeierFit SmallFit() {
  return Fit({{1, true}, {2, true}, {2, false}, {3, true}, {4, false}});
}

// R survival's aml (reference §D.4).
statistics::KaplanMeierFit Maintained() {
  return Fit({{9, true}, {13, true}, {13, false}, {18, true}, {23, true}, {28, false},
              {31, true}, {34, true}, {45, false}, {48, true}, {161, false}});
}
statistics::KaplanMeierFit Nonmaintained() {
  return Fit({{5, true}, {5, true}, {8, true}, {8, true}, {12, true}, {16, false}, {23, true},
              {27, true}, {30, true}, {33, true}, {43, true}, {45, true}});
}

Node Parse(const std::string& svg) {
  absl::StatusOr<Node> root = testing::ParseXml(svg);
  EXPECT_TRUE(root.ok()) << root.status() << "\n" << svg;
  if (!root.ok()) return Node();
  EXPECT_THAT(testing::StandaloneProblems(*root), IsEmpty());
  return *root;
}

std::vector<std::string> AtRiskRow(const Node& root, size_t row) {
  std::vector<const Node*> rows = testing::FindAll(root, "g", "at-risk-row");
  std::vector<std::string> values;
  if (row >= rows.size()) return values;
  for (const Node* cell : testing::FindAll(*rows[row], "text", "at-risk")) {
    values.push_back(cell->text);
  }
  return values;
}

// The '+' marks' centres: the H segment's middle and the M's y.
std::vector<std::pair<double, double>> CensorCentres(const Node& group) {
  std::vector<std::pair<double, double>> centres;
  for (const Node* mark : testing::FindAll(group, "path", "km-censor")) {
    auto v = testing::PathVertices(mark->Attr("d"));
    centres.push_back({(v[0].first + v[1].first) / 2, v[0].second});
  }
  return centres;
}

void ExpectVertices(const std::vector<std::pair<double, double>>& actual,
                    const std::vector<std::pair<double, double>>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    EXPECT_NEAR(actual[i].first, expected[i].first, kTolerance) << "vertex " << i;
    EXPECT_NEAR(actual[i].second, expected[i].second, kTolerance) << "vertex " << i;
  }
}

TEST(KmPlotTest, SmallFitStepsThroughTheExpectedPixels) {
  KmPlotOptions options;
  options.tick_step = 1;
  std::vector<KmGroup> groups = {{"All", SmallFit(), false}};
  absl::StatusOr<std::string> svg = DrawKaplanMeier(groups, options);
  ASSERT_TRUE(svg.ok()) << svg.status();
  Node root = Parse(*svg);

  // The axis: time 0..4 (the last observation, a whole tick) over x 150..630, so 120 px a
  // unit; S 0..1 over y 370..50, so 320 px a unit, upwards.
  std::vector<const Node*> curves = testing::FindAll(root, "path", "km-curve");
  ASSERT_EQ(curves.size(), 1u);
  ExpectVertices(testing::PathVertices(curves[0]->Attr("d")),
                 {{150, 50},                  // S = 1 at time 0
                  {270, 50}, {270, 114},      // level to t = 1, then down to 0.8
                  {390, 114}, {390, 178},     // to t = 2, down to 0.6
                  {510, 178}, {510, 274},     // to t = 3, down to 0.3
                  {630, 274}});               // level to the last observation, 4+

  // '+' at each censor time, on the curve: 2+ at S(2) = 0.6 and 4+ at 0.3.
  std::vector<const Node*> groups_drawn = testing::FindAll(root, "g", "km-group");
  ASSERT_EQ(groups_drawn.size(), 1u);
  ExpectVertices(CensorCentres(*groups_drawn[0]), {{390, 178}, {630, 274}});

  // Number at risk at 0, 1, 2, 3, 4: times >= t.
  EXPECT_THAT(AtRiskRow(root, 0), ElementsAre("5", "5", "4", "2", "1"));
}

TEST(KmPlotTest, AmlCurvesFollowTheirSurvivalValues) {
  KmPlotOptions options;
  options.tick_step = 12;
  std::vector<KmGroup> groups = {{"Maintained", Maintained(), true},
                                 {"Nonmaintained", Nonmaintained(), true}};
  absl::StatusOr<KmLayout> layout = LayOutKaplanMeier(groups, options);
  ASSERT_TRUE(layout.ok()) << layout.status();
  // 161 rounded up to a whole tick of 12.
  EXPECT_EQ(layout->x.domain_max, 168);
  absl::StatusOr<std::string> svg = DrawKaplanMeier(groups, options);
  ASSERT_TRUE(svg.ok()) << svg.status();
  Node root = Parse(*svg);

  // The mapping, written out: x = left + t / 168 * width, y = bottom - S * height.
  double left = layout->x.range_min, width = layout->x.range_max - layout->x.range_min;
  double bottom = layout->y.range_min, height = layout->y.range_min - layout->y.range_max;
  auto px = [&](double t) { return left + t / 168 * width; };
  auto py = [&](double s) { return bottom - s * height; };

  // Reference §D.4, R's printed S. Each drop: level at the previous S to t, then down.
  struct Step { double time, survival; };
  std::vector<std::vector<Step>> expected = {
      {{9, 0.909091}, {13, 0.818182}, {18, 0.715909}, {23, 0.613636}, {31, 0.490909},
       {34, 0.368182}, {48, 0.184091}},
      {{5, 0.833333}, {8, 0.666667}, {12, 0.583333}, {23, 0.486111}, {27, 0.388889},
       {30, 0.291667}, {33, 0.194444}, {43, 0.097222}, {45, 0}}};
  std::vector<double> last_time = {161, 45};
  std::vector<const Node*> curves = testing::FindAll(root, "path", "km-curve");
  ASSERT_EQ(curves.size(), 2u);
  for (size_t g = 0; g < 2; ++g) {
    std::vector<std::pair<double, double>> want = {{px(0), py(1)}};
    double previous = 1;
    for (const Step& step : expected[g]) {
      want.push_back({px(step.time), py(previous)});
      want.push_back({px(step.time), py(step.survival)});
      previous = step.survival;
    }
    want.push_back({px(last_time[g]), py(previous)});
    SCOPED_TRACE(groups[g].label);
    // S to 6 decimals is within 0.0003 px of the exact value: the tolerance holds.
    ExpectVertices(testing::PathVertices(curves[g]->Attr("d")), want);
  }

  // Censor marks: Maintained 13+, 28+, 45+, 161+ on the curve; Nonmaintained 16+.
  std::vector<const Node*> drawn = testing::FindAll(root, "g", "km-group");
  ASSERT_EQ(drawn.size(), 2u);
  ExpectVertices(CensorCentres(*drawn[0]), {{px(13), py(0.818182)}, {px(28), py(0.613636)},
                                            {px(45), py(0.368182)}, {px(161), py(0.184091)}});
  ExpectVertices(CensorCentres(*drawn[1]), {{px(16), py(0.583333)}});

  // The bands: one rectangle per row with both limits; Nonmaintained's S = 0 row has none.
  std::vector<const Node*> bands = testing::FindAll(root, "path", "km-band");
  ASSERT_EQ(bands.size(), 2u);
  EXPECT_EQ(testing::SubPaths(bands[0]->Attr("d")), 7);
  EXPECT_EQ(testing::SubPaths(bands[1]->Attr("d")), 8);
  // The first Maintained rectangle: t in [9, 13), log limits (0.754134, 1).
  auto band = testing::PathVertices(bands[0]->Attr("d"));
  ExpectVertices({band.begin(), band.begin() + 4},
                 {{px(9), py(1)}, {px(13), py(1)}, {px(13), py(0.754134)}, {px(9), py(0.754134)}});

  // Number at risk at 0, 12, ..., 168 (times >= tick).
  EXPECT_THAT(AtRiskRow(root, 0), ElementsAreArray({"11", "10", "6", "3", "2", "1", "1", "1",
                                                    "1", "1", "1", "1", "1", "1", "0"}));
  EXPECT_THAT(AtRiskRow(root, 1), ElementsAreArray({"12", "8", "5", "2", "0", "0", "0", "0",
                                                    "0", "0", "0", "0", "0", "0", "0"}));
}

TEST(KmPlotTest, CensorMarksOnlyWithinTheAxis) {
  KmPlotOptions options;
  options.tick_step = 10;
  options.x_max = 40;
  std::vector<KmGroup> groups = {{"Maintained", Maintained(), false}};
  absl::StatusOr<std::string> svg = DrawKaplanMeier(groups, options);
  ASSERT_TRUE(svg.ok()) << svg.status();
  Node root = Parse(*svg);
  EXPECT_EQ(testing::FindAll(root, "path", "km-censor").size(), 2u);  // 13+, 28+
  // The curve is cut at the axis end: last vertex at t = 40 (x = 630), S = 0.368182.
  auto curve = testing::PathVertices(testing::FindAll(root, "path", "km-curve")[0]->Attr("d"));
  EXPECT_NEAR(curve.back().first, 630, kTolerance);
  EXPECT_NEAR(curve.back().second, 370 - 0.368182 * 320, kTolerance);
  EXPECT_THAT(AtRiskRow(root, 0), ElementsAre("11", "10", "7", "5", "3"));

  options.censor_marks = false;
  svg = DrawKaplanMeier(groups, options);
  ASSERT_TRUE(svg.ok());
  EXPECT_THAT(testing::FindAll(Parse(*svg), "path", "km-censor"), IsEmpty());
}

TEST(KmPlotTest, ReferenceAndLandmarkLinesAndPercentAxis) {
  KmPlotOptions options;
  options.tick_step = 12;
  options.percent = true;
  options.reference_survival = 0.5;
  options.landmark_time = 24;
  options.landmark_label = "24 months";
  std::vector<KmGroup> groups = {{"Maintained", Maintained(), false}};
  absl::StatusOr<std::string> svg = DrawKaplanMeier(groups, options);
  ASSERT_TRUE(svg.ok()) << svg.status();
  Node root = Parse(*svg);
  std::vector<const Node*> reference = testing::FindAll(root, "line", "reference-line");
  ASSERT_EQ(reference.size(), 1u);
  EXPECT_EQ(reference[0]->Number("y1"), 210);  // 370 - 0.5 * 320
  EXPECT_EQ(reference[0]->Attr("stroke-dasharray"), "5 4");
  std::vector<const Node*> landmark = testing::FindAll(root, "line", "landmark-line");
  ASSERT_EQ(landmark.size(), 1u);
  EXPECT_NEAR(landmark[0]->Number("x1"), 150 + 24.0 / 168 * 480, kTolerance);
  std::vector<std::string> y_labels;
  for (const Node* t : testing::FindAll(root, "text")) {
    if (!t->text.empty() && t->text.back() == '%') y_labels.push_back(t->text);
  }
  EXPECT_THAT(y_labels, ElementsAre("0%", "20%", "40%", "60%", "80%", "100%"));
}

TEST(KmPlotTest, LabelsAreEscapedAndNumbersNeverInExponentForm) {
  KmPlotOptions options;
  options.title = "PFS <ITT> & \"per-protocol\"";
  options.x_label = "Days";
  options.tick_step = 100000;
  std::vector<KmGroup> groups = {
      {"Arm <A> & \"B\" 'C'", Fit({{250000, true}, {1500000, false}, {2000000, true}}), true}};
  absl::StatusOr<std::string> svg = DrawKaplanMeier(groups, options);
  ASSERT_TRUE(svg.ok()) << svg.status();
  EXPECT_THAT(*svg, ::testing::HasSubstr("Arm &lt;A&gt; &amp; &quot;B&quot; &apos;C&apos;"));
  EXPECT_THAT(*svg, ::testing::HasSubstr("PFS &lt;ITT&gt; &amp; &quot;per-protocol&quot;"));
  EXPECT_THAT(*svg, ::testing::Not(::testing::HasSubstr("<A>")));
  EXPECT_FALSE(std::regex_search(*svg, std::regex("[0-9][eE][+-]?[0-9]"))) << *svg;
  EXPECT_THAT(*svg, ::testing::HasSubstr(">1000000</text>"));  // a tick label, in full
  Node root = Parse(*svg);
  EXPECT_EQ(root.Title(), options.title);
  std::vector<const Node*> legend = testing::FindAll(root, "g", "legend");
  ASSERT_EQ(legend.size(), 1u);
  EXPECT_EQ(testing::FindAll(*legend[0], "text")[0]->text, groups[0].label);
}

TEST(KmPlotTest, SameInputGivesIdenticalBytes) {
  KmPlotOptions options;
  options.tick_step = 12;
  options.reference_survival = 0.5;
  std::vector<KmGroup> groups = {{"Maintained", Maintained(), true},
                                 {"Nonmaintained", Nonmaintained(), true}};
  absl::StatusOr<std::string> first = DrawKaplanMeier(groups, options);
  absl::StatusOr<std::string> second = DrawKaplanMeier(groups, options);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(*first, *second);
}

TEST(KmPlotTest, RejectsWhatCannotBeDrawn) {
  KmPlotOptions options;
  EXPECT_EQ(DrawKaplanMeier({}, options).status().code(), absl::StatusCode::kInvalidArgument);
  std::vector<KmGroup> groups = {{"All", SmallFit(), false}};
  options.tick_step = 0;
  EXPECT_EQ(DrawKaplanMeier(groups, options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.tick_step = 1e-6;  // millions of ticks
  EXPECT_EQ(DrawKaplanMeier(groups, options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.tick_step = 1;
  options.reference_survival = 1.5;
  EXPECT_EQ(DrawKaplanMeier(groups, options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(KmPlotTest, AGroupWithoutDataHasNoCurveButARow) {
  KmPlotOptions options;
  options.tick_step = 1;
  std::vector<KmGroup> groups = {{"All", SmallFit(), false}, {"Empty", Fit({}), true}};
  absl::StatusOr<std::string> svg = DrawKaplanMeier(groups, options);
  ASSERT_TRUE(svg.ok()) << svg.status();
  Node root = Parse(*svg);
  EXPECT_EQ(testing::FindAll(root, "path", "km-curve").size(), 1u);
  EXPECT_THAT(AtRiskRow(root, 1), ElementsAre("0", "0", "0", "0", "0"));
}

}  // namespace
}  // namespace trialgate::report
