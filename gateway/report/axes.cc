#include "gateway/report/axes.h"

#include <algorithm>
#include <cmath>

#include "gateway/report/palette.h"

namespace trialgate::report {

std::vector<double> Ticks(double min, double max, double step) {
  std::vector<double> ticks;
  if (!(step > 0) || !(min <= max)) return ticks;
  for (int i = 0;; ++i) {
    double value = min + i * step;
    if (value > max + step * 1e-6) break;
    ticks.push_back(value);
  }
  return ticks;
}

double RoundUpToStep(double value, double step) {
  double steps = std::ceil(value / step - 1e-9);
  return std::max(1.0, steps) * step;
}

std::string PlainTick(double value) { return FormatNumber(value); }

void DrawXAxis(SvgWriter& svg, const LinearScale& x, double y, const std::vector<double>& ticks,
               std::string_view label, const TickFormat& format) {
  svg.Open("g", {{"class", "x-axis"}, {"stroke", kBlack}, {"stroke-width", 1}});
  svg.Empty("line", {{"x1", x.range_min}, {"y1", y}, {"x2", x.range_max}, {"y2", y}});
  for (double tick : ticks) {
    double px = x(tick);
    svg.Empty("line", {{"x1", px}, {"y1", y}, {"x2", px}, {"y2", y + 5}});
  }
  svg.Close();
  svg.Open("g", {{"class", "x-axis"}, {"fill", kBlack}});
  for (double tick : ticks) svg.Text(x(tick), y + 18, format(tick), "middle", 11);
  svg.Text((x.range_min + x.range_max) / 2, y + 36, label, "middle", 12);
  svg.Close();
}

void DrawYAxis(SvgWriter& svg, const LinearScale& y, double x, const std::vector<double>& ticks,
               std::string_view label, const TickFormat& format, double grid_to_x) {
  if (grid_to_x > x) {
    svg.Open("g", {{"class", "grid"}, {"stroke", kLightGrey}, {"stroke-width", 0.5}});
    for (double tick : ticks) {
      double py = y(tick);
      svg.Empty("line", {{"x1", x}, {"y1", py}, {"x2", grid_to_x}, {"y2", py}});
    }
    svg.Close();
  }
  svg.Open("g", {{"class", "y-axis"}, {"stroke", kBlack}, {"stroke-width", 1}});
  svg.Empty("line", {{"x1", x}, {"y1", y.range_min}, {"x2", x}, {"y2", y.range_max}});
  for (double tick : ticks) {
    double py = y(tick);
    svg.Empty("line", {{"x1", x - 5}, {"y1", py}, {"x2", x}, {"y2", py}});
  }
  svg.Close();
  svg.Open("g", {{"class", "y-axis"}, {"fill", kBlack}});
  for (double tick : ticks) svg.Text(x - 8, y(tick) + 4, format(tick), "end", 11);
  double mid = (y.range_min + y.range_max) / 2;
  std::string rotate = "rotate(-90 " + FormatNumber(x - 45) + " " + FormatNumber(mid) + ")";
  svg.Text(x - 45, mid, label, "middle", 12, {{"transform", rotate}});
  svg.Close();
}

}  // namespace trialgate::report
