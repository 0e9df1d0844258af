#include "gateway/report/km_plot.h"

#include <algorithm>
#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/report/palette.h"
#include "gateway/report/svg.h"

namespace trialgate::report {
namespace {

// Figure geometry, in pixels. The left margin holds the y label and the at-risk row labels,
// the right one the legend.
constexpr double kWidth = 820;
constexpr double kPlotLeft = 150;
constexpr double kPlotWidth = 480;
constexpr double kPlotTop = 50;
constexpr double kPlotHeight = 320;
constexpr double kAtRiskHeaderOffset = 62;  // below the x axis line
constexpr double kAtRiskRowHeight = 18;
constexpr int kMaxTicks = 200;

// Line styles by group, so curves stay apart in grey-scale print too.
constexpr std::string_view kDashes[] = {"", "7 3", "2 2", "9 3 2 3"};

std::string_view Dash(size_t index) { return kDashes[index % std::size(kDashes)]; }

double AxisEnd(std::span<const KmGroup> groups, const KmPlotOptions& options) {
  if (options.x_max) return *options.x_max;
  double last = 0;
  for (const KmGroup& g : groups) last = std::max(last, g.fit.last_time.value_or(0));
  return RoundUpToStep(last, options.tick_step);
}

// The curve's right end: its last observation, or the axis end if that comes first.
double CurveEnd(const statistics::KaplanMeierFit& fit, double x_max) {
  return std::min(fit.last_time.value_or(0), x_max);
}

std::string SurvivalTick(double value, bool percent) {
  return percent ? absl::StrCat(FormatNumber(value * 100), "%") : FormatNumber(value);
}

// The pointwise band as one rectangle per step, [t_i, t_{i+1}) x [lower_i, upper_i], skipped
// where a limit is absent (R's NA). Before the first event S = 1 exactly, so there is no band.
PathData BandPath(const statistics::KaplanMeierFit& fit, const KmLayout& layout) {
  PathData band;
  double x_max = layout.x.domain_max;
  double end = CurveEnd(fit, x_max);
  for (size_t i = 0; i < fit.rows.size(); ++i) {
    const statistics::KaplanMeierRow& row = fit.rows[i];
    if (row.time > end) break;
    double right = i + 1 < fit.rows.size() ? std::min(fit.rows[i + 1].time, end) : end;
    if (!row.limits.lower || !row.limits.upper) continue;
    band.MoveTo(layout.x(row.time), layout.y(*row.limits.upper))
        .HorizontalTo(layout.x(right))
        .VerticalTo(layout.y(*row.limits.lower))
        .HorizontalTo(layout.x(row.time))
        .Close();
  }
  return band;
}

// The right-continuous step function: S is 1 from 0 to the first event time, then at each
// event time the line first runs level to t (S(t-)) and then drops to S(t).
PathData StepPath(const statistics::KaplanMeierFit& fit, const KmLayout& layout) {
  PathData path;
  double end = CurveEnd(fit, layout.x.domain_max);
  path.MoveTo(layout.x(0), layout.y(1));
  for (const statistics::KaplanMeierRow& row : fit.rows) {
    if (row.time > end) break;
    path.HorizontalTo(layout.x(row.time)).VerticalTo(layout.y(row.survival));
  }
  path.HorizontalTo(layout.x(end));
  return path;
}

void DrawLegend(SvgWriter& svg, std::span<const KmGroup> groups, const KmPlotOptions& options) {
  double x = kPlotLeft + kPlotWidth + 20;
  double y = kPlotTop + 10;
  svg.Open("g", {{"class", "legend"}});
  for (size_t i = 0; i < groups.size(); ++i, y += 20) {
    svg.Empty("line", {{"x1", x}, {"y1", y}, {"x2", x + 28}, {"y2", y},
                       {"stroke", GroupColour(i)}, {"stroke-width", 2},
                       {"stroke-dasharray", Dash(i).empty() ? "none" : Dash(i)}});
    svg.Text(x + 34, y + 4, groups[i].label, "start", 12);
  }
  if (options.censor_marks) {
    svg.Empty("path", {{"d", PathData().MoveTo(x + 10, y).HorizontalTo(x + 18)
                                 .MoveTo(x + 14, y - 4).VerticalTo(y + 4).str()},
                       {"stroke", kBlack}, {"stroke-width", 1.5}});
    svg.Text(x + 34, y + 4, "Censored", "start", 12);
    y += 20;
  }
  if (std::any_of(groups.begin(), groups.end(), [](const KmGroup& g) { return g.band; })) {
    svg.Empty("rect", {{"x", x}, {"y", y - 6}, {"width", 28}, {"height", 12},
                       {"fill", kGrey}, {"fill-opacity", 0.3}});
    svg.Text(x + 34, y + 4, "95% pointwise CI", "start", 12);
  }
  svg.Close();
}

void DrawAtRisk(SvgWriter& svg, std::span<const KmGroup> groups, const KmLayout& layout) {
  double axis_y = layout.y.range_min;
  double header_y = axis_y + kAtRiskHeaderOffset;
  svg.Text(10, header_y, "Number at risk", "start", 12, {{"font-weight", "bold"}});
  for (size_t i = 0; i < groups.size(); ++i) {
    double y = header_y + kAtRiskRowHeight * (i + 1);
    svg.Open("g", {{"class", "at-risk-row"}});
    svg.Text(10, y, groups[i].label, "start", 11, {{"fill", GroupColour(i)}});
    for (double tick : layout.ticks) {
      svg.Text(layout.x(tick), y, absl::StrCat(statistics::AtRisk(groups[i].fit, tick)),
               "middle", 11, {{"class", "at-risk"}});
    }
    svg.Close();
  }
}

}  // namespace

absl::StatusOr<KmLayout> LayOutKaplanMeier(std::span<const KmGroup> groups,
                                           const KmPlotOptions& options) {
  if (groups.empty()) return absl::InvalidArgumentError("a Kaplan–Meier plot needs a group");
  if (!std::isfinite(options.tick_step) || options.tick_step <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("tick_step must be positive and finite, not ", options.tick_step));
  }
  if (options.x_max && (!std::isfinite(*options.x_max) || *options.x_max <= 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("x_max must be positive and finite, not ", *options.x_max));
  }
  double x_max = AxisEnd(groups, options);
  if (x_max / options.tick_step > kMaxTicks) {
    return absl::InvalidArgumentError(absl::StrCat("tick_step ", options.tick_step,
                                                   " gives more than ", kMaxTicks,
                                                   " ticks up to ", x_max));
  }
  KmLayout layout;
  layout.width = kWidth;
  layout.x = {0, x_max, kPlotLeft, kPlotLeft + kPlotWidth};
  layout.y = {0, 1, kPlotTop + kPlotHeight, kPlotTop};
  layout.ticks = Ticks(0, x_max, options.tick_step);
  layout.height = kPlotTop + kPlotHeight + kAtRiskHeaderOffset +
                  kAtRiskRowHeight * static_cast<double>(groups.size()) + 16;
  return layout;
}

absl::StatusOr<std::string> DrawKaplanMeier(std::span<const KmGroup> groups,
                                            const KmPlotOptions& options) {
  absl::StatusOr<KmLayout> laid_out = LayOutKaplanMeier(groups, options);
  if (!laid_out.ok()) return laid_out.status();
  const KmLayout& layout = *laid_out;
  if (options.reference_survival &&
      !(*options.reference_survival >= 0 && *options.reference_survival <= 1)) {
    return absl::InvalidArgumentError("reference_survival must be in [0, 1]");
  }
  if (options.landmark_time && !std::isfinite(*options.landmark_time)) {
    return absl::InvalidArgumentError("landmark_time must be finite");
  }

  SvgWriter svg(layout.width, layout.height, options.title);
  svg.Text(layout.width / 2, 28, options.title, "middle", 15, {{"font-weight", "bold"}});

  bool percent = options.percent;
  DrawYAxis(svg, layout.y, kPlotLeft, Ticks(0, 1, 0.2),
            percent ? absl::StrCat(options.y_label, " (%)") : options.y_label,
            [percent](double v) { return SurvivalTick(v, percent); }, kPlotLeft + kPlotWidth);
  DrawXAxis(svg, layout.x, layout.y.range_min, layout.ticks, options.x_label);

  double plot_right = kPlotLeft + kPlotWidth;
  if (options.reference_survival) {
    double y = layout.y(*options.reference_survival);
    svg.Empty("line", {{"class", "reference-line"}, {"x1", kPlotLeft}, {"y1", y},
                       {"x2", plot_right}, {"y2", y}, {"stroke", kGrey},
                       {"stroke-width", 1}, {"stroke-dasharray", "5 4"}});
  }
  if (options.landmark_time && *options.landmark_time >= 0 &&
      *options.landmark_time <= layout.x.domain_max) {
    double x = layout.x(*options.landmark_time);
    svg.Empty("line", {{"class", "landmark-line"}, {"x1", x}, {"y1", kPlotTop}, {"x2", x},
                       {"y2", kPlotTop + kPlotHeight}, {"stroke", kGrey},
                       {"stroke-width", 1}, {"stroke-dasharray", "2 3"}});
    if (!options.landmark_label.empty()) {
      svg.Text(x + 4, kPlotTop + 12, options.landmark_label, "start", 11, {{"fill", kGrey}});
    }
  }

  for (size_t i = 0; i < groups.size(); ++i) {
    const statistics::KaplanMeierFit& fit = groups[i].fit;
    std::string_view colour = GroupColour(i);
    svg.Open("g", {{"class", "km-group"}});
    svg.Leaf("title", {}, groups[i].label);
    if (groups[i].band) {
      PathData band = BandPath(fit, layout);
      if (!band.empty()) {
        svg.Empty("path", {{"class", "km-band"}, {"d", band.str()}, {"fill", colour},
                           {"fill-opacity", 0.2}, {"stroke", "none"}});
      }
    }
    if (fit.last_time) {
      svg.Empty("path", {{"class", "km-curve"}, {"d", StepPath(fit, layout).str()},
                         {"fill", "none"}, {"stroke", colour}, {"stroke-width", 2},
                         {"stroke-dasharray", Dash(i).empty() ? "none" : Dash(i)}});
    }
    if (options.censor_marks) {
      for (double t : fit.censor_times) {
        if (t > layout.x.domain_max) break;
        double x = layout.x(t);
        double y = layout.y(statistics::SurvivalAt(fit, t).survival);
        svg.Empty("path", {{"class", "km-censor"},
                           {"d", PathData().MoveTo(x - 4, y).HorizontalTo(x + 4)
                                     .MoveTo(x, y - 4).VerticalTo(y + 4).str()},
                           {"stroke", colour}, {"stroke-width", 1.5}});
      }
    }
    svg.Close();
  }

  DrawLegend(svg, groups, options);
  DrawAtRisk(svg, groups, layout);
  return svg.Finish();
}

}  // namespace trialgate::report
