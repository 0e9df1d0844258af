// The swimmer plot of the subject summaries, and the table of the same subjects (ids link to
// their pages: an SVG here carries no links).
#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/report/sections.h"
#include "gateway/report/swimmer_plot.h"

namespace trialgate::report::internal {
namespace {

std::optional<Phase> PhaseOfKind(std::string_view kind) {
  if (kind == "reinduction") return Phase::kReinduction;
  if (kind == "mobilisation") return Phase::kMobilisation;
  if (kind == "asct") return Phase::kAsct;
  if (kind == "maintenance") return Phase::kMaintenance;
  if (kind == "follow_up") return Phase::kFollowUp;
  return std::nullopt;
}

std::optional<MarkerKind> MarkerOfKind(std::string_view kind) {
  if (kind == "dose") return MarkerKind::kDose;
  if (kind == "response") return MarkerKind::kResponse;
  if (kind == "deviation") return MarkerKind::kDeviation;
  if (kind == "death") return MarkerKind::kDeath;
  if (kind == "censored") return MarkerKind::kCensored;
  return std::nullopt;
}

SwimmerSubject Row(const v1::SubjectSummary& s) {
  SwimmerSubject row;
  row.subject_id = s.subject_id();
  row.ongoing = s.ongoing();
  for (const v1::SubjectPhaseSpan& span : s.phases()) {
    // A phase of a kind the plot has no colour for is left out of the bar (still in the table).
    if (std::optional<Phase> phase = PhaseOfKind(span.kind())) {
      row.segments.push_back({*phase, static_cast<double>(span.start_day()),
                              static_cast<double>(span.end_day())});
    }
  }
  for (const v1::SubjectMarker& m : s.markers()) {
    if (std::optional<MarkerKind> kind = MarkerOfKind(m.kind())) {
      row.markers.push_back({static_cast<double>(m.day()), *kind,
                             m.label().empty() ? m.date() : absl::StrCat(m.label(), ", ", m.date())});
      // The response marker's label is its category, which picks its colour and is written.
      if (*kind == MarkerKind::kResponse) row.markers.back().label = m.label();
    }
  }
  return row;
}

// Longest time on study first, the order a swimmer plot is read in; ties by id.
std::vector<const v1::SubjectSummary*> ByTimeOnStudy(const v1::EndpointsReport& report) {
  std::vector<const v1::SubjectSummary*> out;
  for (const v1::SubjectSummary& s : report.subject_summaries()) out.push_back(&s);
  std::stable_sort(out.begin(), out.end(), [](const auto* a, const auto* b) {
    if (a->last_day() != b->last_day()) return a->last_day() > b->last_day();
    return a->subject_id() < b->subject_id();
  });
  return out;
}

void WriteTable(HtmlWriter& html, std::span<const v1::SubjectSummary* const> rows,
                const Links& links) {
  html.Open("table", {{"class", "subjects"}});
  html.Leaf("caption", {}, absl::StrCat("Subjects (n = ", rows.size(), ")"));
  html.Open("tr");
  for (std::string_view h : {"Subject", "Site", "Consent (origin)", "Status", "Phases",
                             "Best response", "Deviations", "Last day", "Death", "Ongoing"}) {
    html.Leaf("th", {}, h);
  }
  html.Close();
  for (const v1::SubjectSummary* s : rows) {
    html.Open("tr");
    html.Open("td");
    WriteSubjectId(html, links, s->subject_id());
    html.Close();
    html.Leaf("td", {}, s->site_id());
    html.Leaf("td", {}, absl::StrCat(s->consent(), " (", s->consent_source(), ")"));
    html.Leaf("td", {}, s->status());
    std::string phases;
    for (const v1::SubjectPhaseSpan& p : s->phases()) {
      absl::StrAppend(&phases, phases.empty() ? "" : "; ", p.phase_id(), " ", p.start_day(), "–",
                      p.end_day());
    }
    html.Leaf("td", {}, phases);
    html.Leaf("td", {}, s->best_response().empty() ? "none confirmed" : s->best_response());
    html.Leaf("td", {{"class", "num"}}, FormatCount(s->deviations()));
    html.Leaf("td", {{"class", "num"}}, FormatCount(s->last_day()));
    html.Leaf("td", {}, s->death());
    html.Leaf("td", {}, s->ongoing() ? "yes" : "no");
    html.Close();
  }
  html.Close();
}

}  // namespace

absl::StatusOr<std::string> SwimmerSvg(std::span<const v1::SubjectSummary* const> summaries,
                                       std::string_view title) {
  std::vector<SwimmerSubject> rows;
  int latest = 0;
  for (const v1::SubjectSummary* s : summaries) {
    rows.push_back(Row(*s));
    latest = std::max(latest, s->last_day());
  }
  SwimmerOptions options;
  options.title = std::string(title);
  options.x_label = "Days since consent (day 1)";
  // About eight ticks whatever the follow-up.
  options.tick_step = latest > 1440 ? 180 : latest > 720 ? 90 : latest > 240 ? 30 : 14;
  return DrawSwimmer(rows, options);
}

absl::Status WriteSwimmer(HtmlWriter& html, const v1::EndpointsReport& report,
                          const Links& links) {
  html.Open("section", {{"id", "swimmer"}});
  html.Leaf("h2", {}, "Swimmer plot");
  std::vector<const v1::SubjectSummary*> rows = ByTimeOnStudy(report);
  if (rows.empty()) {
    html.Leaf("p", {{"class", "note"}}, "No subject in the report.");
    html.Close();
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> svg = SwimmerSvg(
      rows, absl::StrCat("Treatment course by subject (n = ", rows.size(), "), cutoff ",
                         report.data_cutoff()));
  if (!svg.ok()) return svg.status();
  html.Open("figure");
  html.InlineSvg(*svg);
  html.Leaf("figcaption", {{"class", "note"}},
            "One row per subject, longest time on study first: phase bars, dose ticks, "
            "responses (category written above), deviations (triangles), death (×), "
            "censoring (bar), an arrow while on study.");
  html.Close();
  WriteTable(html, rows, links);
  html.Close();
  return absl::OkStatus();
}

}  // namespace trialgate::report::internal
