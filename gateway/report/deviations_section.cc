// Protocol deviations (findings of severity WARNING or above) by site and code.
#include <map>

#include "absl/strings/str_cat.h"
#include "gateway/report/sections.h"

namespace trialgate::report::internal {

absl::Status WriteDeviations(HtmlWriter& html, const v1::EndpointsReport& report,
                             const Links& links) {
  html.Open("section", {{"id", "deviations"}});
  html.Leaf("h2", {}, "Protocol deviations by site and code");
  html.Leaf("p", {{"class", "note"}},
            "Findings of severity WARNING or above at the cutoff; severity is the highest seen "
            "for the code at the site.");
  if (report.deviations_size() == 0) {
    html.Leaf("p", {{"class", "note"}}, "No deviation recorded.");
  } else {
    html.Open("table", {{"class", "deviations"}});
    html.Open("tr");
    for (std::string_view h : {"Site", "Code", "Highest severity", "Deviations", "Subjects"}) {
      html.Leaf("th", {}, h);
    }
    html.Close();
    for (const v1::DeviationCount& d : report.deviations()) {
      html.Open("tr");
      html.Leaf("td", {}, d.site_id());
      html.Leaf("td", {}, d.code());
      html.Leaf("td", {}, d.severity());
      WriteMetric(html, "td", absl::StrCat("deviation.", d.site_id(), ".", d.code()),
                  FormatCount(d.deviations()));
      html.Leaf("td", {{"class", "num"}}, FormatCount(d.subjects()));
      html.Close();
    }
    html.Close();
  }
  // Subjects with deviations, for going to their timelines.
  std::map<std::string, std::vector<const v1::SubjectSummary*>> by_site;
  for (const v1::SubjectSummary& s : report.subject_summaries()) {
    if (s.deviations() > 0) by_site[s.site_id()].push_back(&s);
  }
  if (!by_site.empty()) {
    html.Open("table", {{"class", "deviation-subjects"}});
    html.Leaf("caption", {}, "Subjects with a deviation");
    html.Open("tr");
    for (std::string_view h : {"Site", "Subject", "Deviations"}) html.Leaf("th", {}, h);
    html.Close();
    for (const auto& [site, subjects] : by_site) {
      for (const v1::SubjectSummary* s : subjects) {
        html.Open("tr");
        html.Leaf("td", {}, site);
        html.Open("td");
        WriteSubjectId(html, links, s->subject_id());
        html.Close();
        html.Leaf("td", {{"class", "num"}}, FormatCount(s->deviations()));
        html.Close();
      }
    }
    html.Close();
  }
  html.Close();
  return absl::OkStatus();
}

}  // namespace trialgate::report::internal
