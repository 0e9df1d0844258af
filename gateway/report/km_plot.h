#ifndef TRIALGATE_GATEWAY_REPORT_KM_PLOT_H_
#define TRIALGATE_GATEWAY_REPORT_KM_PLOT_H_

// Kaplan–Meier curves of the study's time-to-event endpoints (PFS, OS) as a standalone SVG
// figure (docs/plots.md): one right-continuous step curve per group, optional pointwise 95%
// band, censor marks, a legend, and the number-at-risk table under the time axis. Pure: the
// same input gives byte-identical output; thread-safe.

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/report/axes.h"
#include "gateway/statistics/kaplan_meier.h"

namespace trialgate::report {

struct KmGroup {
  std::string label;                  // legend and at-risk row, e.g. "Arm A (n = 11)"
  statistics::KaplanMeierFit fit;
  bool band = false;                  // draw the fit's pointwise interval as a lighter band
};

struct KmPlotOptions {
  std::string title = "Kaplan–Meier estimate";
  std::string y_label = "Survival probability";
  std::string x_label = "Months since registration";  // names the unit of the fit's times
  double tick_step = 6;          // time between x ticks (and at-risk columns), in the fit's unit
  std::optional<double> x_max;   // right end of the axis; default: the last observed time
                                 // rounded up to a tick
  bool percent = false;          // y axis 0–100% instead of 0–1
  bool censor_marks = true;      // '+' at each censor time on its curve
  std::optional<double> reference_survival;  // dashed horizontal line, e.g. 0.5 (the median)
  std::optional<double> landmark_time;       // dotted vertical line, e.g. 24 (months)
  std::string landmark_label;                // written beside the landmark line
};

// Where the plot area sits in the figure: the axis mapping the curves are drawn with.
struct KmLayout {
  double width = 0, height = 0;   // the whole figure
  LinearScale x;                  // time -> pixel
  LinearScale y;                  // survival (0–1) -> pixel, 1 at the top
  std::vector<double> ticks;      // x ticks, also the at-risk columns
};

// The layout DrawKaplanMeier uses for these groups and options. InvalidArgument as below.
absl::StatusOr<KmLayout> LayOutKaplanMeier(std::span<const KmGroup> groups,
                                           const KmPlotOptions& options);

// The figure. InvalidArgument if there is no group, tick_step is not positive and finite,
// x_max is not positive, or reference/landmark values are not finite. Curves are cut at x_max;
// each ends at its group's last observed time (a curve is not drawn beyond its data).
absl::StatusOr<std::string> DrawKaplanMeier(std::span<const KmGroup> groups,
                                            const KmPlotOptions& options);

}  // namespace trialgate::report

#endif  // TRIALGATE_GATEWAY_REPORT_KM_PLOT_H_
