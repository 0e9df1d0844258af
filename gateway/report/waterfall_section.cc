// The waterfall of the best serum M-protein change from baseline, and the subjects without one.
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/report/sections.h"
#include "gateway/report/waterfall_plot.h"

namespace trialgate::report::internal {

absl::Status WriteWaterfall(HtmlWriter& html, const v1::EndpointsReport& report,
                            const Links& links) {
  html.Open("section", {{"id", "waterfall"}});
  html.Leaf("h2", {}, "Waterfall: best change in serum M-protein");
  std::vector<WaterfallSubject> bars;
  std::vector<std::string> not_evaluable;
  for (const v1::SubjectSummary& s : report.subject_summaries()) {
    bars.push_back({s.subject_id(),
                    Opt(s.has_best_m_protein_change_percent(), s.best_m_protein_change_percent()),
                    s.best_response().empty() ? "NE" : s.best_response()});
    if (!s.has_best_m_protein_change_percent()) not_evaluable.push_back(s.subject_id());
  }
  const int evaluable = static_cast<int>(bars.size() - not_evaluable.size());
  html.Leaf("p", {{"class", "note"}},
            absl::StrCat("Subjects with a best change from baseline: ", evaluable, " of ",
                         bars.size(), "; not evaluable (no baseline or no later value): ",
                         not_evaluable.size(), "."));
  if (!bars.empty()) {
    WaterfallOptions options;
    options.title = absl::StrCat("Best change in serum M-protein from baseline (n = ", evaluable,
                                 ")");
    absl::StatusOr<std::string> svg = DrawWaterfall(bars, options);
    if (!svg.ok()) return svg.status();
    html.Open("figure");
    html.InlineSvg(*svg);
    html.Leaf("figcaption", {{"class", "note"}},
              "One bar per evaluable subject, worst to best, coloured by best confirmed IMWG "
              "response (NE: none confirmed); dashed lines at −50% (PR) and −90% (VGPR).");
    html.Close();
  }
  html.Open("table", {{"class", "waterfall-values"}});
  html.Leaf("caption", {}, "Best change and best response by subject");
  html.Open("tr");
  for (std::string_view h : {"Subject", "Best change (%)", "Best response"}) html.Leaf("th", {}, h);
  html.Close();
  for (const v1::SubjectSummary& s : report.subject_summaries()) {
    html.Open("tr");
    html.Open("td");
    WriteSubjectId(html, links, s.subject_id());
    html.Close();
    if (s.has_best_m_protein_change_percent()) {
      html.Leaf("td", {{"class", "num"}}, FormatNumber(s.best_m_protein_change_percent()));
    } else {
      html.Leaf("td", {{"class", "num"}, {"title", "not evaluable: no baseline or no later value"}},
                "NE");
    }
    html.Leaf("td", {}, s.best_response().empty() ? "none confirmed" : s.best_response());
    html.Close();
  }
  html.Close();
  if (!not_evaluable.empty()) {
    html.Open("p", {{"class", "not-evaluable"}});
    html.Text("Not evaluable (no best change from baseline): ");
    for (size_t i = 0; i < not_evaluable.size(); ++i) {
      if (i > 0) html.Text(", ");
      WriteSubjectId(html, links, not_evaluable[i]);
    }
    html.Close();
  }
  html.Close();
  return absl::OkStatus();
}

}  // namespace trialgate::report::internal
