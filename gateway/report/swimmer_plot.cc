#include "gateway/report/swimmer_plot.h"

#include <algorithm>
#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/report/axes.h"
#include "gateway/report/palette.h"
#include "gateway/report/svg.h"

namespace trialgate::report {
namespace {

constexpr double kWidth = 860;
constexpr double kPlotLeft = 120;
constexpr double kPlotWidth = 700;
constexpr double kPlotTop = 50;
constexpr double kRowHeight = 30;
constexpr double kBarHeight = 12;
constexpr double kLegendRowHeight = 22;
constexpr int kMaxTicks = 200;

constexpr Phase kPhases[] = {Phase::kReinduction, Phase::kMobilisation, Phase::kAsct,
                             Phase::kMaintenance, Phase::kFollowUp};

std::string_view PhaseColour(Phase phase) {
  switch (phase) {
    case Phase::kReinduction: return kOrange;
    case Phase::kMobilisation: return kYellow;
    case Phase::kAsct: return kReddishPurple;
    case Phase::kMaintenance: return kSkyBlue;
    case Phase::kFollowUp: return kLightGrey;
  }
  return kGrey;
}

absl::Status CheckDay(double day, std::string_view what, const SwimmerSubject& subject) {
  if (std::isfinite(day) && day >= 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("subject ", subject.subject_id, ": ", std::string(what),
                                                 " day ", day, " is negative or not finite"));
}

absl::StatusOr<double> LatestDay(std::span<const SwimmerSubject> subjects) {
  double latest = 0;
  for (const SwimmerSubject& s : subjects) {
    for (const SwimmerSegment& g : s.segments) {
      if (absl::Status st = CheckDay(g.start_day, "segment start", s); !st.ok()) return st;
      if (absl::Status st = CheckDay(g.end_day, "segment end", s); !st.ok()) return st;
      if (g.end_day < g.start_day) {
        return absl::InvalidArgumentError(
            absl::StrCat("subject ", s.subject_id, ": ", std::string(PhaseLabel(g.phase)), " ends on day ",
                         g.end_day, " before it starts on day ", g.start_day));
      }
      latest = std::max(latest, g.end_day);
    }
    for (const SwimmerMarker& m : s.markers) {
      if (absl::Status st = CheckDay(m.day, "marker", s); !st.ok()) return st;
      latest = std::max(latest, m.day);
    }
  }
  return latest;
}

// Marker symbols, centred on (x, y), the bar's middle.
void DrawMarker(SvgWriter& svg, MarkerKind kind, double x, double y, std::string_view label) {
  switch (kind) {
    case MarkerKind::kResponse:
      svg.Open("g", {{"class", "marker response"}});
      svg.Leaf("title", {}, label);
      svg.Empty("circle", {{"cx", x}, {"cy", y}, {"r", 5}, {"fill", ResponseColour(label)},
                           {"stroke", kBlack}, {"stroke-width", 1}});
      svg.Text(x, y - 8, label, "middle", 9);
      svg.Close();
      return;
    case MarkerKind::kDeviation:
      svg.Open("g", {{"class", "marker deviation"}});
      svg.Leaf("title", {}, label.empty() ? "Deviation" : label);
      // Below the bar, pointing up at the day, so it never covers a response label above.
      svg.Empty("path", {{"d", PathData().MoveTo(x - 5, y + 12).HorizontalTo(x + 5)
                                    .LineTo(x, y + 4).Close().str()},
                         {"fill", kVermillion}, {"stroke", kBlack}, {"stroke-width", 0.5}});
      svg.Close();
      return;
    case MarkerKind::kDeath:
      svg.Open("g", {{"class", "marker death"}});
      svg.Leaf("title", {}, label.empty() ? "Death" : label);
      svg.Empty("path", {{"d", PathData().MoveTo(x - 5, y - 5).LineTo(x + 5, y + 5)
                                    .MoveTo(x - 5, y + 5).LineTo(x + 5, y - 5).str()},
                         {"stroke", kBlack}, {"stroke-width", 2.5}});
      svg.Close();
      return;
    case MarkerKind::kDose:
      // A thin tick on the bar's upper edge: a cycle holds many doses, which must not hide
      // the response circles.
      svg.Open("g", {{"class", "marker dose"}});
      svg.Leaf("title", {}, label.empty() ? "Dose" : label);
      svg.Empty("path", {{"d", PathData().MoveTo(x, y - kBarHeight / 2 - 3)
                                    .VerticalTo(y - kBarHeight / 2 + 3).str()},
                         {"stroke", kBlack}, {"stroke-width", 1}});
      svg.Close();
      return;
    case MarkerKind::kCensored:
      svg.Open("g", {{"class", "marker censored"}});
      svg.Leaf("title", {}, label.empty() ? "Censored" : label);
      svg.Empty("path", {{"d", PathData().MoveTo(x, y - 8).VerticalTo(y + 8).str()},
                         {"stroke", kBlack}, {"stroke-width", 2.5}});
      svg.Close();
      return;
  }
}

void DrawOngoing(SvgWriter& svg, double x, double y) {
  svg.Empty("path", {{"class", "ongoing"},
                     {"d", PathData().MoveTo(x + 2, y - 6).LineTo(x + 12, y)
                               .LineTo(x + 2, y + 6).Close().str()},
                     {"fill", kBlack}});
}

void DrawLegend(SvgWriter& svg, double top) {
  svg.Open("g", {{"class", "legend"}});
  double x = kPlotLeft;
  for (Phase phase : kPhases) {
    svg.Empty("rect", {{"x", x}, {"y", top - 6}, {"width", 16}, {"height", kBarHeight},
                       {"fill", PhaseColour(phase)}, {"stroke", kBlack}, {"stroke-width", 0.5}});
    svg.Text(x + 22, top + 4, PhaseLabel(phase), "start", 11);
    x += 140;
  }
  double y = top + kLegendRowHeight;
  x = kPlotLeft;
  struct Entry { MarkerKind kind; std::string_view text; };
  constexpr Entry kEntries[] = {{MarkerKind::kDose, "Dose"},
                                {MarkerKind::kDeviation, "Deviation"},
                                {MarkerKind::kDeath, "Death"},
                                {MarkerKind::kCensored, "Censored"}};
  for (const Entry& e : kEntries) {
    DrawMarker(svg, e.kind, x + 8, e.kind == MarkerKind::kDeviation ? y - 8 : y, "");
    svg.Text(x + 22, y + 4, e.text, "start", 11);
    x += 120;
  }
  DrawOngoing(svg, x - 4, y);
  svg.Text(x + 22, y + 4, "Ongoing", "start", 11);
  y += kLegendRowHeight;
  x = kPlotLeft;
  svg.Text(x, y + 4, "Response:", "start", 11);
  x += 70;
  for (std::string_view category : kResponseCategories) {
    svg.Empty("circle", {{"cx", x + 6}, {"cy", y}, {"r", 5}, {"fill", ResponseColour(category)},
                         {"stroke", kBlack}, {"stroke-width", 1}});
    svg.Text(x + 16, y + 4, category, "start", 11);
    x += 70;
  }
  svg.Close();
}

}  // namespace

std::string_view PhaseLabel(Phase phase) {
  switch (phase) {
    case Phase::kReinduction: return "KRd re-induction";
    case Phase::kMobilisation: return "Mobilisation/harvest";
    case Phase::kAsct: return "ASCT";
    case Phase::kMaintenance: return "Maintenance";
    case Phase::kFollowUp: return "Follow-up";
  }
  return "Unknown phase";
}

absl::StatusOr<std::string> DrawSwimmer(std::span<const SwimmerSubject> subjects,
                                        const SwimmerOptions& options) {
  if (subjects.empty()) return absl::InvalidArgumentError("a swimmer plot needs a subject");
  if (!std::isfinite(options.tick_step) || options.tick_step <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("tick_step must be positive and finite, not ", options.tick_step));
  }
  if (options.x_max && (!std::isfinite(*options.x_max) || *options.x_max <= 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("x_max must be positive and finite, not ", *options.x_max));
  }
  absl::StatusOr<double> latest = LatestDay(subjects);
  if (!latest.ok()) return latest.status();
  double x_max = options.x_max.value_or(RoundUpToStep(*latest, options.tick_step));
  if (x_max / options.tick_step > kMaxTicks) {
    return absl::InvalidArgumentError(
        absl::StrCat("tick_step ", options.tick_step, " gives more than ", kMaxTicks,
                     " ticks up to day ", x_max));
  }

  LinearScale x{0, x_max, kPlotLeft, kPlotLeft + kPlotWidth};
  auto clip = [x_max](double day) { return std::min(day, x_max); };
  double plot_bottom = kPlotTop + kRowHeight * static_cast<double>(subjects.size());
  double legend_top = plot_bottom + 64;
  double height = legend_top + 2 * kLegendRowHeight + 20;

  SvgWriter svg(kWidth, height, options.title);
  svg.Text(kWidth / 2, 28, options.title, "middle", 15, {{"font-weight", "bold"}});
  DrawXAxis(svg, x, plot_bottom, Ticks(0, x_max, options.tick_step), options.x_label);

  for (size_t i = 0; i < subjects.size(); ++i) {
    const SwimmerSubject& subject = subjects[i];
    double middle = kPlotTop + kRowHeight * (static_cast<double>(i) + 0.5);
    svg.Open("g", {{"class", "subject"}});
    svg.Text(kPlotLeft - 8, middle + 4, subject.subject_id, "end", 11,
             {{"class", "subject-id"}});
    double bar_end = 0;
    for (const SwimmerSegment& segment : subject.segments) {
      double left = x(clip(segment.start_day));
      double right = x(clip(segment.end_day));
      bar_end = std::max(bar_end, right);
      svg.Open("rect", {{"class", "segment"}, {"x", left}, {"y", middle - kBarHeight / 2},
                        {"width", right - left}, {"height", kBarHeight},
                        {"fill", PhaseColour(segment.phase)}, {"stroke", kBlack},
                        {"stroke-width", 0.5}});
      svg.Leaf("title", {},
               absl::StrCat(std::string(PhaseLabel(segment.phase)), ": days ",
                            FormatNumber(segment.start_day), "–", FormatNumber(segment.end_day)));
      svg.Close();
    }
    if (subject.ongoing) DrawOngoing(svg, std::max(bar_end, kPlotLeft), middle);
    for (const SwimmerMarker& marker : subject.markers) {
      if (marker.day > x_max) continue;
      DrawMarker(svg, marker.kind, x(marker.day), middle, marker.label);
    }
    svg.Close();
  }
  DrawLegend(svg, legend_top);
  return svg.Finish();
}

}  // namespace trialgate::report
