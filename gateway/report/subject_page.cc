// A subject's page: the swimmer row of the report's summary, then the timeline's phases,
// cycles and doses, responses, toxicities and findings.
#include "absl/strings/str_cat.h"
#include "gateway/report/dashboard.h"
#include "gateway/report/sections.h"

namespace trialgate::report {
namespace {

using internal::Links;

void Header(HtmlWriter& html, std::initializer_list<std::string_view> names) {
  html.Open("tr");
  for (std::string_view h : names) html.Leaf("th", {}, h);
  html.Close();
}

std::string FindingCodes(const google::protobuf::RepeatedPtrField<v1::Finding>& findings) {
  std::string out;
  for (const v1::Finding& f : findings) {
    absl::StrAppend(&out, out.empty() ? "" : ", ", f.code(), " (",
                    v1::Finding::Severity_Name(f.severity()), ")");
  }
  return out;
}

void WriteDoses(HtmlWriter& html, const google::protobuf::RepeatedPtrField<v1::TimelineDose>& doses) {
  if (doses.empty()) return;
  html.Open("table", {{"class", "doses"}});
  Header(html, {"Day", "Date", "Agent", "Status", "Expected", "Given (mg)", "Findings"});
  for (const v1::TimelineDose& d : doses) {
    html.Open("tr");
    html.Leaf("td", {{"class", "num"}}, FormatCount(d.day()));
    html.Leaf("td", {}, d.date());
    html.Leaf("td", {}, d.agent());
    html.Leaf("td", {}, d.status());
    html.Leaf("td", {{"class", "num"}},
              absl::StrCat(FormatNumber(d.expected()), " ", d.expected_unit()));
    html.Leaf("td", {{"class", "num"}}, FormatNumber(d.given_mg()));
    html.Leaf("td", {}, FindingCodes(d.findings()));
    html.Close();
  }
  html.Close();
}

void WritePhases(HtmlWriter& html, const v1::Timeline& timeline) {
  html.Open("section", {{"id", "phases"}});
  html.Leaf("h2", {}, "Phases, cycles and doses");
  html.Open("table", {{"class", "phases"}});
  Header(html, {"Phase", "Kind", "Status", "Start", "End", "Detail"});
  for (const v1::TimelinePhase& p : timeline.phases()) {
    std::string detail;
    if (!p.response().empty()) absl::StrAppend(&detail, "response ", p.response(), " ", p.response_date());
    if (p.kind() == "harvest" && p.cd34_per_kg() > 0) {
      absl::StrAppend(&detail, "CD34+ ", FormatNumber(p.cd34_per_kg()), " ×10⁶/kg",
                      p.harvest_success() ? " (success)" : "");
    }
    if (!p.day0_date().empty()) absl::StrAppend(&detail, "day 0 ", p.day0_date());
    html.Open("tr");
    html.Leaf("td", {}, absl::StrCat(p.name(), " (", p.id(), ")"));
    html.Leaf("td", {}, p.kind());
    html.Leaf("td", {}, p.status());
    html.Leaf("td", {}, p.start_date());
    html.Leaf("td", {}, p.end_date());
    html.Leaf("td", {}, detail);
    html.Close();
  }
  html.Close();
  for (const v1::TimelinePhase& p : timeline.phases()) {
    for (const v1::TimelineCycle& c : p.cycles()) {
      html.Leaf("h3", {},
                absl::StrCat(p.name(), ", cycle ", c.number(), ": day 1 ", c.day1_date(),
                             c.due_date().empty() ? "" : absl::StrCat(", due ", c.due_date()),
                             c.delay_days() != 0 ? absl::StrCat(", ", c.delay_days(), " days late")
                                                 : "",
                             ", last day ", c.last_date()));
      WriteDoses(html, c.doses());
    }
    if (!p.doses().empty()) {
      html.Leaf("h3", {}, absl::StrCat(p.name(), ": doses outside a cycle"));
      WriteDoses(html, p.doses());
    }
  }
  html.Close();
}

void WriteResponses(HtmlWriter& html, const v1::Timeline& timeline) {
  html.Open("section", {{"id", "responses"}});
  html.Leaf("h2", {}, "Responses");
  if (!timeline.responses_not_derived().empty()) {
    html.Leaf("p", {{"class", "note"}},
              absl::StrCat("No response derived from the labs: ", timeline.responses_not_derived()));
  }
  html.Open("table", {{"class", "responses"}});
  Header(html, {"Date", "Origin", "Category", "Confirmed", "Rule"});
  for (const v1::TimelineResponse& r : timeline.responses()) {
    html.Open("tr");
    html.Leaf("td", {}, r.date());
    html.Leaf("td", {}, r.origin());
    html.Leaf("td", {}, r.response().category());
    html.Leaf("td", {}, r.origin() == "derived" ? (r.response().confirmed() ? "yes" : "no") : "");
    html.Leaf("td", {}, r.response().rule());
    html.Close();
  }
  html.Close();
  html.Close();
}

void WriteToxicities(HtmlWriter& html, const v1::Timeline& timeline) {
  html.Open("section", {{"id", "toxicities"}});
  html.Leaf("h2", {}, "Toxicities");
  html.Open("table", {{"class", "toxicities"}});
  Header(html, {"Date", "Origin", "Term", "MedDRA", "Grade"});
  for (const v1::TimelineToxicity& t : timeline.toxicities()) {
    html.Open("tr");
    html.Leaf("td", {}, t.date());
    html.Leaf("td", {}, t.origin());
    html.Leaf("td", {}, t.term());
    html.Leaf("td", {}, t.meddra_code());
    html.Leaf("td", {{"class", "num"}}, FormatCount(t.grade()));
    html.Close();
  }
  html.Close();
  html.Close();
}

void WriteFindings(HtmlWriter& html, const v1::Timeline& timeline) {
  html.Open("section", {{"id", "findings"}});
  html.Leaf("h2", {}, "Findings");
  html.Open("table", {{"class", "findings"}});
  Header(html, {"Date", "Where", "Code", "Severity", "Text"});
  for (const v1::TimelineFinding& f : timeline.findings()) {
    html.Open("tr");
    html.Leaf("td", {}, f.date());
    html.Leaf("td", {},
              absl::StrCat(f.position().phase(),
                           f.position().cycle() > 0 ? absl::StrCat(" C", f.position().cycle()) : "",
                           f.position().day() > 0 ? absl::StrCat(" D", f.position().day()) : ""));
    html.Leaf("td", {}, f.finding().code());
    html.Leaf("td", {}, v1::Finding::Severity_Name(f.finding().severity()));
    html.Leaf("td", {}, f.finding().text());
    html.Close();
  }
  html.Close();
  html.Close();
}

}  // namespace

absl::StatusOr<std::string> RenderSubjectPage(const v1::EndpointsReport& report,
                                              const v1::Timeline& timeline,
                                              std::string_view base_path) {
  Links links{.dashboard = true, .base_path = std::string(base_path)};
  while (!links.base_path.empty() && links.base_path.back() == '/') links.base_path.pop_back();
  const v1::SubjectSummary* summary = nullptr;
  for (const v1::SubjectSummary& s : report.subject_summaries()) {
    if (s.subject_id() == timeline.subject_id()) summary = &s;
  }
  HtmlWriter html;
  internal::BeginDocument(html, absl::StrCat("Subject ", timeline.subject_id()));
  internal::WriteNavigation(html, links, std::nullopt);
  html.Open("main");
  html.Leaf("h1", {}, absl::StrCat("Subject ", timeline.subject_id()));
  html.Open("table", {{"class", "facts"}});
  for (auto [label, value] : std::initializer_list<std::pair<std::string_view, std::string>>{
           {"Site", timeline.site_id()},
           {"Current phase", timeline.current_phase()},
           {"Timeline computed at", timeline.computed_at()},
           {"Dates in", timeline.time_zone()},
           {"New anti-myeloma therapy", timeline.new_therapy_date().empty()
                                            ? std::string("none")
                                            : timeline.new_therapy_date()},
           {"Status at the report's cutoff", summary ? summary->status() : "not in the report"},
       }) {
    html.Open("tr");
    html.Leaf("th", {}, label);
    html.Leaf("td", {}, value);
    html.Close();
  }
  html.Close();
  html.Open("section", {{"id", "summary"}});
  html.Leaf("h2", {}, "Course");
  if (summary == nullptr) {
    html.Leaf("p", {{"class", "note"}},
              absl::StrCat("The report at cutoff ", report.data_cutoff(),
                           " has no summary of this subject (consented after the cutoff, or "
                           "outside the report's scope)."));
  } else {
    const v1::SubjectSummary* rows[] = {summary};
    absl::StatusOr<std::string> svg = internal::SwimmerSvg(
        rows, absl::StrCat("Course of ", summary->subject_id(), ", cutoff ", report.data_cutoff()));
    if (!svg.ok()) return svg.status();
    html.InlineSvg(*svg);
    html.Leaf("p", {{"class", "note"}},
              absl::StrCat("Consent ", summary->consent(), " (day 1, ", summary->consent_source(),
                           "); best confirmed response ",
                           summary->best_response().empty() ? "none" : summary->best_response(),
                           "; best M-protein change ",
                           FormatNumberOrNe(internal::Opt(summary->has_best_m_protein_change_percent(),
                                                          summary->best_m_protein_change_percent())),
                           "%; deviations ", summary->deviations(), "; last known alive ",
                           summary->last_known_alive(),
                           summary->death().empty() ? "" : absl::StrCat("; died ", summary->death()),
                           "."));
  }
  html.Close();
  WritePhases(html, timeline);
  WriteResponses(html, timeline);
  WriteToxicities(html, timeline);
  WriteFindings(html, timeline);
  return html.Finish();
}

}  // namespace trialgate::report
