#ifndef TRIALGATE_GATEWAY_REPORT_WATERFALL_PLOT_H_
#define TRIALGATE_GATEWAY_REPORT_WATERFALL_PLOT_H_

// The waterfall plot (docs/plots.md): one bar per subject of the best percentage change of
// serum M-protein from baseline (a fall drawn downwards), sorted from the worst (highest) to
// the best, coloured by the best IMWG response, with reference lines at -50% (the PR
// threshold) and -90% (VGPR). Subjects without a value are named in a note, not drawn. Pure:
// the same input gives byte-identical output; thread-safe.

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/report/axes.h"

namespace trialgate::report {

struct WaterfallSubject {
  std::string subject_id;                     // pseudonym, shown only as a bar's tooltip
  std::optional<double> best_change_percent;  // e.g. -95.5; none: not evaluable
  std::string best_response;                  // "sCR", "CR", "VGPR", "PR", "MR", "SD", "PD", "NE"
};

struct WaterfallOptions {
  std::string title = "Best change in serum M-protein from baseline";
  std::string y_label = "Best change from baseline (%)";
  // Rises above this are drawn to it, with the value written above the bar, so that one
  // large rise does not flatten every fall.
  double y_cap = 100;
};

struct WaterfallLayout {
  double width = 0, height = 0;
  LinearScale y;  // percent -> pixel; -100 at the bottom
  std::vector<double> ticks;
  std::vector<WaterfallSubject> drawn;  // the evaluable subjects in bar order, left to right
  std::vector<std::string> not_evaluable;  // subject ids, in input order
};

// The layout DrawWaterfall uses. Bars are sorted by descending change, ties by subject id.
// InvalidArgument if a change is below -100% (a level cannot fall below zero) or not finite,
// or y_cap is not in [20, 1000].
absl::StatusOr<WaterfallLayout> LayOutWaterfall(std::span<const WaterfallSubject> subjects,
                                                const WaterfallOptions& options);

// The figure; InvalidArgument as LayOutWaterfall. No evaluable subject gives axes and the note.
absl::StatusOr<std::string> DrawWaterfall(std::span<const WaterfallSubject> subjects,
                                          const WaterfallOptions& options);

}  // namespace trialgate::report

#endif  // TRIALGATE_GATEWAY_REPORT_WATERFALL_PLOT_H_
