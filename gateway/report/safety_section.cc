// The TEAE tables: per phase, subjects with any TEAE, severe, serious and with a dose change,
// and by term with the worst grade per subject.
#include "absl/strings/str_cat.h"
#include "gateway/report/sections.h"

namespace trialgate::report::internal {
namespace {

constexpr int kGrades = 5;  // CTCAE grades 1–5

std::string PhaseTitle(std::string_view phase) {
  if (phase == "any") return "All phases";
  if (phase == "onset_missing") return "Onset missing (phase unknown)";
  return absl::StrCat("Phase ", std::string(phase));
}

// "3 (42.9%)" of n; n = 0 gives "3 (NE)".
std::string WithPercent(int count, int n) {
  return absl::StrCat(count, " (", n > 0 ? FormatPercent(static_cast<double>(count) / n) : "NE",
                      n > 0 ? "%)" : ")");
}

void WriteSummary(HtmlWriter& html, const v1::TeaeTable& t, int severe) {
  const std::string prefix = absl::StrCat("teae.", t.phase(), ".");
  html.Open("table", {{"class", "teae-summary"}});
  html.Open("tr");
  for (std::string_view h : {"n (safety set)", "Subjects with a TEAE", "%", "TEAEs (events)"}) {
    html.Leaf("th", {}, h);
  }
  html.Leaf("th", {}, absl::StrCat("Subjects grade ≥ ", severe));
  for (std::string_view h : {"Subjects serious", "Subjects with a dose change"}) {
    html.Leaf("th", {}, h);
  }
  html.Close();
  html.Open("tr");
  html.Leaf("td", {{"class", "num"}}, FormatCount(t.n()));
  WriteMetric(html, "td", prefix + "subjects_with_teae", FormatCount(t.subjects_with_teae()));
  html.Leaf("td", {{"class", "num"}},
            t.n() > 0 ? FormatPercent(static_cast<double>(t.subjects_with_teae()) / t.n()) : "NE");
  html.Leaf("td", {{"class", "num"}}, FormatCount(t.events()));
  WriteMetric(html, "td", prefix + "subjects_severe", FormatCount(t.subjects_severe()));
  html.Leaf("td", {{"class", "num"}}, WithPercent(t.subjects_serious(), t.n()));
  html.Leaf("td", {{"class", "num"}}, WithPercent(t.subjects_dose_change(), t.n()));
  html.Close();
  html.Close();
}

void WriteTerms(HtmlWriter& html, const v1::TeaeTable& t, int severe) {
  if (t.by_term_size() == 0) {
    html.Leaf("p", {{"class", "note"}}, "No TEAE.");
    return;
  }
  html.Open("table", {{"class", "teae-terms"}});
  html.Leaf("caption", {},
            absl::StrCat(PhaseTitle(t.phase()), ": subjects by term and worst grade (n = ", t.n(),
                         ")"));
  html.Open("tr");
  for (std::string_view h : {"Term", "MedDRA", "Subjects", "Events"}) html.Leaf("th", {}, h);
  for (int g = 1; g <= kGrades; ++g) html.Leaf("th", {{"class", "num"}}, absl::StrCat("G", g));
  html.Leaf("th", {{"class", "num"}}, absl::StrCat("G ≥ ", severe));
  html.Close();
  for (const v1::TermCount& term : t.by_term()) {
    html.Open("tr");
    html.Leaf("td", {}, term.term());
    html.Leaf("td", {}, term.meddra_code());
    html.Leaf("td", {{"class", "num"}}, WithPercent(term.subjects(), t.n()));
    html.Leaf("td", {{"class", "num"}}, FormatCount(term.events()));
    int at_least_severe = 0;
    for (int g = 1; g <= kGrades; ++g) {
      auto it = term.subjects_by_worst_grade().find(g);
      int count = it == term.subjects_by_worst_grade().end() ? 0 : it->second;
      if (g >= severe) at_least_severe += count;
      html.Leaf("td", {{"class", "num"}}, FormatCount(count));
    }
    html.Leaf("td", {{"class", "num"}}, FormatCount(at_least_severe));
    html.Close();
  }
  html.Close();
}

}  // namespace

absl::Status WriteSafety(HtmlWriter& html, const v1::EndpointsReport& report, const Links&) {
  const v1::Teae& teae = report.adverse_events();
  const int severe = teae.severe_grade_at_least() > 0 ? teae.severe_grade_at_least() : 3;
  html.Open("section", {{"id", "safety"}});
  html.Leaf("h2", {}, "Safety: treatment-emergent adverse events");
  html.Leaf("p", {{"class", "note"}},
            absl::StrCat("Population: ", teae.population(), ", n = ", teae.n(),
                         ". Treatment-emergent: onset from the first dose up to ",
                         teae.end_window_days(), " days after the last dose",
                         teae.end_window_unconfirmed() ? " (window unconfirmed)" : "",
                         ". Severe: worst CTCAE grade ≥ ", severe,
                         ". AE records left out as not treatment-emergent: ",
                         Reasons(teae.not_treatment_emergent()), ". Source: ", teae.source(),
                         "."));
  if (teae.tables_size() == 0) html.Leaf("p", {{"class", "note"}}, "No TEAE table in the report.");
  for (const v1::TeaeTable& t : teae.tables()) {
    html.Open("article", {{"id", absl::StrCat("teae-", t.phase())}});
    html.Leaf("h3", {}, absl::StrCat(PhaseTitle(t.phase()), " (n = ", t.n(), ")"));
    WriteSummary(html, t, severe);
    WriteTerms(html, t, severe);
    html.Close();
  }
  html.Close();
  return absl::OkStatus();
}

}  // namespace trialgate::report::internal
