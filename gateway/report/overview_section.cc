// The overview: what the report covers, subjects by status, the primary endpoint's headline and
// the counts per site.
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/report/sections.h"

namespace trialgate::report::internal {
namespace {

// The statuses SubjectSummary.status takes, in the order of a subject's course.
constexpr std::string_view kStatuses[] = {"pre_treatment", "on_treatment", "follow_up",
                                          "off_study", "died"};

void WriteFacts(HtmlWriter& html, const v1::EndpointsReport& report) {
  html.Open("table", {{"class", "facts"}});
  auto row = [&](std::string_view label, std::string_view value) {
    html.Open("tr");
    html.Leaf("th", {}, label);
    html.Leaf("td", {}, value);
    html.Close();
  };
  row("Study", report.study_id());
  row("Data cutoff", report.data_cutoff());
  row("Computed at", report.computed_at());
  row("Scope", report.scope());
  html.Open("tr");
  html.Leaf("th", {}, "Subjects (courses in the report)");
  WriteMetric(html, "td", "overview.subjects", FormatCount(report.subjects()));
  html.Close();
  row("Consented after the cutoff (left out of every figure)",
      FormatCount(report.consented_after_cutoff()));
  html.Close();
}

void WriteStatuses(HtmlWriter& html, const v1::EndpointsReport& report) {
  std::map<std::string, int> by_status;
  for (const v1::SubjectSummary& s : report.subject_summaries()) ++by_status[s.status()];
  html.Open("table", {{"class", "statuses"}});
  html.Leaf("caption", {},
            absl::StrCat("Subjects by status at the cutoff (n = ",
                         report.subject_summaries_size(), " subject summaries)"));
  html.Open("tr");
  html.Leaf("th", {}, "Status");
  html.Leaf("th", {{"class", "num"}}, "Subjects");
  html.Close();
  auto row = [&](const std::string& status, int count) {
    html.Open("tr");
    html.Leaf("td", {}, status.empty() ? "(none given)" : status);
    WriteMetric(html, "td", absl::StrCat("overview.status.", status), FormatCount(count));
    html.Close();
  };
  for (std::string_view status : kStatuses) {
    auto it = by_status.find(std::string(status));
    row(std::string(status), it == by_status.end() ? 0 : it->second);
    if (it != by_status.end()) by_status.erase(it);
  }
  for (const auto& [status, count] : by_status) row(status, count);
  html.Close();
}

// The primary endpoint: PFS when the study has it, else the first time-to-event endpoint; its
// 2-year landmark, else its first.
void WriteHeadline(HtmlWriter& html, const v1::EndpointsReport& report) {
  const v1::TimeToEvent* primary = nullptr;
  for (const v1::TimeToEvent& t : report.time_to_event()) {
    if (t.id() == "pfs") primary = &t;
  }
  if (primary == nullptr && report.time_to_event_size() > 0) primary = &report.time_to_event(0);
  html.Open("div", {{"class", "headline"}});
  if (primary == nullptr || primary->landmarks_size() == 0) {
    html.Text("No time-to-event landmark in the report.");
    html.Close();
    return;
  }
  const v1::LandmarkRate* landmark = &primary->landmarks(0);
  for (const v1::LandmarkRate& l : primary->landmarks()) {
    if (l.months() == 24) landmark = &l;
  }
  html.Text(absl::StrCat(primary->name(), " at ", FormatNumber(landmark->months()), " months: "));
  WriteMetric(html, "strong",
              absl::StrCat("tte.", primary->id(), ".landmark.", FormatNumber(landmark->months())),
              FormatPercent(landmark->survival()));
  html.Text(absl::StrCat(
      "% (95% CI ",
      Interval(Opt(landmark->has_lower(), landmark->lower()),
               Opt(landmark->has_upper(), landmark->upper()), true),
      "%, ", primary->confidence(), "); ", landmark->at_risk(), " at risk at day ",
      FormatNumber(landmark->days()), "; population ", primary->population(), ", n = ",
      primary->n(), ", ", primary->events(), " events, ", primary->censored(), " censored"));
  if (landmark->beyond_last_observation()) {
    html.Raw(" ");
    html.Leaf("span",
              {{"class", "flag"},
               {"title", "S is carried forward from the last observation (R's convention); SAS "
                         "would report it as not estimable"}},
              "beyond the last observation: carried forward");
  }
  html.Close();
}

void WriteSites(HtmlWriter& html, const v1::EndpointsReport& report) {
  html.Open("table", {{"class", "sites"}});
  html.Leaf("caption", {}, "Counts per site");
  html.Open("tr");
  html.Leaf("th", {}, "Site");
  html.Leaf("th", {{"class", "num"}}, "Enrolled (consented by the cutoff)");
  html.Leaf("th", {{"class", "num"}}, "Deviations (WARNING or above)");
  html.Leaf("th", {{"class", "num"}}, "Subjects with a deviation");
  html.Close();
  for (const v1::SiteCount& site : report.sites()) {
    html.Open("tr");
    html.Leaf("td", {}, site.site_id());
    WriteMetric(html, "td", absl::StrCat("site.", site.site_id(), ".enrolled"),
                FormatCount(site.enrolled()));
    WriteMetric(html, "td", absl::StrCat("site.", site.site_id(), ".deviations"),
                FormatCount(site.deviations()));
    html.Leaf("td", {{"class", "num"}}, FormatCount(site.subjects_with_deviation()));
    html.Close();
  }
  html.Close();
}

}  // namespace

absl::Status WriteOverview(HtmlWriter& html, const v1::EndpointsReport& report, const Links&) {
  html.Open("section", {{"id", "overview"}});
  html.Leaf("h2", {}, "Overview");
  WriteFacts(html, report);
  html.Leaf("h3", {}, "Primary endpoint");
  WriteHeadline(html, report);
  WriteStatuses(html, report);
  WriteSites(html, report);
  html.Close();
  return absl::OkStatus();
}

}  // namespace trialgate::report::internal
