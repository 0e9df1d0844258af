#ifndef TRIALGATE_GATEWAY_REPORT_AXES_H_
#define TRIALGATE_GATEWAY_REPORT_AXES_H_

// Linear scales and the axes drawn from them, shared by the plots. Pure apart from the writer.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/report/svg.h"

namespace trialgate::report {

// Maps the data interval [domain_min, domain_max] linearly onto the pixel interval
// [range_min, range_max] (which may run backwards, as a y axis does). Values outside the
// domain map outside the range: callers clip.
struct LinearScale {
  double domain_min = 0;
  double domain_max = 1;
  double range_min = 0;
  double range_max = 1;
  double operator()(double value) const {
    return range_min + (value - domain_min) / (domain_max - domain_min) * (range_max - range_min);
  }
};

// min, min + step, ... up to max (inclusive, within a millionth of a step), computed as
// min + i * step so rounding does not accumulate. REQUIRES: step > 0, min <= max.
std::vector<double> Ticks(double min, double max, double step);

// The smallest multiple of `step` that is >= value (at least `step`).
double RoundUpToStep(double value, double step);

// How a tick's value is written under the axis ("12", "50%").
using TickFormat = std::function<std::string(double)>;
std::string PlainTick(double value);  // FormatNumber

// A horizontal axis at pixel y: the line over the scale's range, a tick and label at each of
// `ticks`, and `label` centred below. Elements carry class="x-axis".
void DrawXAxis(SvgWriter& svg, const LinearScale& x, double y, const std::vector<double>& ticks,
               std::string_view label, const TickFormat& format = PlainTick);

// A vertical axis at pixel x, labels to the left, `label` rotated and centred; optionally
// light grid lines across to `grid_to_x`. Elements carry class="y-axis".
void DrawYAxis(SvgWriter& svg, const LinearScale& y, double x, const std::vector<double>& ticks,
               std::string_view label, const TickFormat& format = PlainTick,
               double grid_to_x = 0);

}  // namespace trialgate::report

#endif  // TRIALGATE_GATEWAY_REPORT_AXES_H_
