#include "gateway/report/waterfall_plot.h"

#include <algorithm>
#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/report/palette.h"
#include "gateway/report/svg.h"

namespace trialgate::report {
namespace {

constexpr double kWidth = 860;
constexpr double kPlotLeft = 90;
constexpr double kPlotWidth = 560;
constexpr double kPlotTop = 50;
constexpr double kPlotHeight = 340;
constexpr double kNoteLineHeight = 16;
constexpr size_t kIdsPerNoteLine = 10;

// The IMWG thresholds on the serum M-protein (Kumar et al., Lancet Oncol 2016): PR needs a
// fall of at least 50%, VGPR of at least 90%.
struct ReferenceLine {
  double percent;
  std::string_view label;
};
constexpr ReferenceLine kReferenceLines[] = {{-50, "-50% (PR)"}, {-90, "-90% (VGPR)"}};

std::string PercentTick(double value) { return absl::StrCat(FormatNumber(value), "%"); }

std::vector<std::vector<std::string>> NoteLines(const std::vector<std::string>& ids) {
  std::vector<std::vector<std::string>> lines;
  for (size_t i = 0; i < ids.size(); i += kIdsPerNoteLine) {
    lines.emplace_back(ids.begin() + i, ids.begin() + std::min(ids.size(), i + kIdsPerNoteLine));
  }
  return lines;
}

}  // namespace

absl::StatusOr<WaterfallLayout> LayOutWaterfall(std::span<const WaterfallSubject> subjects,
                                                const WaterfallOptions& options) {
  if (!(options.y_cap >= 20 && options.y_cap <= 1000)) {
    return absl::InvalidArgumentError(
        absl::StrCat("y_cap must be in [20, 1000], not ", options.y_cap));
  }
  WaterfallLayout layout;
  double highest = 0;
  for (const WaterfallSubject& s : subjects) {
    if (!s.best_change_percent) {
      layout.not_evaluable.push_back(s.subject_id);
      continue;
    }
    double change = *s.best_change_percent;
    if (!std::isfinite(change) || change < -100) {
      return absl::InvalidArgumentError(absl::StrCat(
          "subject ", s.subject_id, ": best change ", change,
          "% is not finite or below -100% (a level cannot fall below zero)"));
    }
    highest = std::max(highest, change);
    layout.drawn.push_back(s);
  }
  std::stable_sort(layout.drawn.begin(), layout.drawn.end(),
                   [](const WaterfallSubject& a, const WaterfallSubject& b) {
                     if (*a.best_change_percent != *b.best_change_percent) {
                       return *a.best_change_percent > *b.best_change_percent;
                     }
                     return a.subject_id < b.subject_id;
                   });
  double top = std::max(20.0, std::min(options.y_cap, highest));
  double step = top + 100 <= 240 ? 20 : 50;
  top = RoundUpToStep(top, step);
  layout.y = {-100, top, kPlotTop + kPlotHeight, kPlotTop};
  layout.ticks = Ticks(-100, top, step);
  layout.width = kWidth;
  layout.height = kPlotTop + kPlotHeight + 60 +
                  kNoteLineHeight * static_cast<double>(NoteLines(layout.not_evaluable).size());
  return layout;
}

absl::StatusOr<std::string> DrawWaterfall(std::span<const WaterfallSubject> subjects,
                                          const WaterfallOptions& options) {
  absl::StatusOr<WaterfallLayout> laid_out = LayOutWaterfall(subjects, options);
  if (!laid_out.ok()) return laid_out.status();
  const WaterfallLayout& layout = *laid_out;
  const LinearScale& y = layout.y;
  double plot_right = kPlotLeft + kPlotWidth;

  SvgWriter svg(layout.width, layout.height, options.title);
  svg.Text(layout.width / 2, 28, options.title, "middle", 15, {{"font-weight", "bold"}});
  DrawYAxis(svg, y, kPlotLeft, layout.ticks, options.y_label, PercentTick, plot_right);

  // Bars: equal slots across the plot, 80% filled.
  size_t n = layout.drawn.size();
  double slot = n == 0 ? 0 : kPlotWidth / static_cast<double>(n);
  svg.Open("g", {{"class", "bars"}});
  for (size_t i = 0; i < n; ++i) {
    const WaterfallSubject& s = layout.drawn[i];
    double change = *s.best_change_percent;
    double shown = std::min(change, y.domain_max);
    double y0 = y(0), y1 = y(shown);
    double left = kPlotLeft + slot * (static_cast<double>(i) + 0.1);
    svg.Open("rect", {{"class", "bar"}, {"x", left}, {"y", std::min(y0, y1)},
                      {"width", slot * 0.8}, {"height", std::abs(y1 - y0)},
                      {"fill", ResponseColour(s.best_response)}, {"stroke", kBlack},
                      {"stroke-width", 0.5}});
    svg.Leaf("title", {},
             absl::StrCat(s.subject_id, ": ", FormatNumber(change), "% (",
                          s.best_response.empty() ? "no response" : s.best_response, ")"));
    svg.Close();
    if (change > shown) {
      svg.Text(left + slot * 0.4, y1 - 4, absl::StrCat("+", FormatNumber(change), "%"),
               "middle", 9, {{"class", "capped"}});
    }
  }
  svg.Close();

  // The zero line, then the response thresholds, labelled at the right end.
  svg.Empty("line", {{"class", "zero-line"}, {"x1", kPlotLeft}, {"y1", y(0)}, {"x2", plot_right},
                     {"y2", y(0)}, {"stroke", kBlack}, {"stroke-width", 1}});
  for (const ReferenceLine& line : kReferenceLines) {
    double py = y(line.percent);
    svg.Empty("line", {{"class", "reference-line"}, {"x1", kPlotLeft}, {"y1", py},
                       {"x2", plot_right}, {"y2", py}, {"stroke", kBlack}, {"stroke-width", 1},
                       {"stroke-dasharray", "5 4"}});
    svg.Text(plot_right + 4, py + 4, line.label, "start", 10);
  }
  double axis_label_y = kPlotTop + kPlotHeight + 20;
  svg.Text(kPlotLeft + kPlotWidth / 2, axis_label_y,
           absl::StrCat("Subjects, ordered by best change (n = ", n, ")"), "middle", 12);

  // Legend: the categories drawn, deepest first, then any the palette does not know.
  std::vector<std::string> categories;
  for (std::string_view c : kResponseCategories) {
    if (std::any_of(layout.drawn.begin(), layout.drawn.end(),
                    [c](const WaterfallSubject& s) { return s.best_response == c; })) {
      categories.emplace_back(c);
    }
  }
  for (const WaterfallSubject& s : layout.drawn) {
    if (std::find(categories.begin(), categories.end(), s.best_response) == categories.end()) {
      categories.push_back(s.best_response);
    }
  }
  svg.Open("g", {{"class", "legend"}});
  double ly = kPlotTop + 10;
  svg.Text(plot_right + 80, ly, "Best response", "start", 12, {{"font-weight", "bold"}});
  for (const std::string& c : categories) {
    ly += 18;
    svg.Empty("rect", {{"x", plot_right + 80}, {"y", ly - 9}, {"width", 12}, {"height", 12},
                       {"fill", ResponseColour(c)}, {"stroke", kBlack}, {"stroke-width", 0.5}});
    svg.Text(plot_right + 98, ly + 1, c.empty() ? "not given" : c, "start", 11);
  }
  svg.Close();

  double note_y = axis_label_y + 24;
  for (const std::vector<std::string>& line : NoteLines(layout.not_evaluable)) {
    bool first = note_y == axis_label_y + 24;
    svg.Text(10, note_y,
             absl::StrCat(first ? "Not evaluable (no best change from baseline): " : "",
                          absl::StrJoin(line, ", ")),
             "start", 11, {{"class", "not-evaluable"}});
    note_y += kNoteLineHeight;
  }
  return svg.Finish();
}

}  // namespace trialgate::report
