// The dashboard's pages, the subject page and the self-contained report, parsed with expat:
// well-formed, standalone, navigation, the data-metric figures and NE where not estimable.
#include "gateway/report/dashboard.h"

#include <cstdlib>
#include <fstream>
#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/report/report_cohort.h"
#include "tests/report/svg_dom.h"

namespace trialgate::report {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using testing::Node;

constexpr DashboardPage kPages[] = {DashboardPage::kOverview,  DashboardPage::kEndpoints,
                                    DashboardPage::kSwimmer,   DashboardPage::kWaterfall,
                                    DashboardPage::kSafety,    DashboardPage::kDeviations};

// The raw text: nothing a mail client or browser would run or fetch.
void ExpectNothingExternal(const std::string& html) {
  for (const char* banned : {"<script", "src=\"http", "href=\"http", "@import", "url("}) {
    EXPECT_THAT(html, Not(HasSubstr(banned))) << banned;
  }
}

// Parses a page as XML and checks what every page has: doctype, charset, title, no problem.
Node Parse(const std::string& html) {
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n", 0), 0u);
  ExpectNothingExternal(html);
  absl::StatusOr<Node> root = testing::ParseXml(html);
  EXPECT_TRUE(root.ok()) << root.status();
  if (!root.ok()) return Node();
  EXPECT_EQ(root->name, "html");
  EXPECT_THAT(testing::HtmlProblems(*root), IsEmpty());
  std::vector<const Node*> meta = testing::FindAll(*root, "meta");
  EXPECT_FALSE(meta.empty());
  if (!meta.empty()) {
    EXPECT_EQ(meta[0]->Attr("charset"), "utf-8");
  }
  std::vector<const Node*> title = testing::FindAll(*root, "title");
  EXPECT_FALSE(title.empty());
  if (!title.empty()) {
    EXPECT_FALSE(title[0]->text.empty());
  }
  return *std::move(root);
}

Node Page(const v1::EndpointsReport& report, DashboardPage page) {
  absl::StatusOr<std::string> html = RenderDashboardPage(report, page, "/study");
  EXPECT_TRUE(html.ok()) << html.status();
  return html.ok() ? Parse(*html) : Node();
}

// data-metric -> the text of each element carrying it.
std::map<std::string, std::vector<std::string>> Metrics(const Node& root) {
  std::map<std::string, std::vector<std::string>> out;
  for (const Node* n : testing::FindAll(root, "")) {
    if (!n->Attr("data-metric").empty()) out[n->Attr("data-metric")].push_back(n->text);
  }
  return out;
}

const Node* FindMetric(const Node& root, const std::string& metric) {
  for (const Node* n : testing::FindAll(root, "")) {
    if (n->Attr("data-metric") == metric) return n;
  }
  return nullptr;
}

std::vector<std::string> Hrefs(const Node& root, std::string_view name = "a") {
  std::vector<std::string> out;
  for (const Node* a : testing::FindAll(root, name)) out.push_back(a->Attr("href"));
  return out;
}

TEST(DashboardTest, PageNamesParseBack) {
  for (DashboardPage page : kPages) {
    EXPECT_EQ(ParseDashboardPage(DashboardPageName(page)), page);
  }
  EXPECT_EQ(DashboardPageName(DashboardPage::kWaterfall), "waterfall");
  EXPECT_EQ(ParseDashboardPage("subjects"), std::nullopt);
  EXPECT_EQ(ParseDashboardPage(""), std::nullopt);
}

TEST(DashboardTest, EveryPageIsWellFormedStandaloneAndNavigatesToEveryPage) {
  for (DashboardPage page : kPages) {
    SCOPED_TRACE(DashboardPageName(page));
    Node root = Page(testing::ReportCohort(), page);
    std::vector<const Node*> nav = testing::FindAll(root, "nav");
    ASSERT_EQ(nav.size(), 1u);
    EXPECT_THAT(Hrefs(*nav[0]),
                ElementsAre("/study", "/study/endpoints", "/study/swimmer", "/study/waterfall",
                            "/study/safety", "/study/deviations"));
    std::vector<const Node*> current;
    for (const Node* a : testing::FindAll(*nav[0], "a")) {
      if (a->Attr("aria-current") == "page") current.push_back(a);
    }
    ASSERT_EQ(current.size(), 1u);
    EXPECT_EQ(ParseDashboardPage(current[0]->Attr("href") == "/study"
                                     ? "overview"
                                     : current[0]->Attr("href").substr(7)),
              page);
    // Every link stays in the dashboard.
    for (const std::string& href : Hrefs(root)) EXPECT_EQ(href.rfind("/study", 0), 0u) << href;
  }
}

TEST(DashboardTest, BasePathWithATrailingSlashGivesTheSameLinks) {
  absl::StatusOr<std::string> a = RenderDashboardPage(testing::ReportCohort(),
                                                      DashboardPage::kSafety, "/study/");
  absl::StatusOr<std::string> b = RenderDashboardPage(testing::ReportCohort(),
                                                      DashboardPage::kSafety, "/study");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

TEST(DashboardTest, OverviewStatesTheStudyStatusesHeadlineAndSites) {
  Node root = Page(testing::ReportCohort(), DashboardPage::kOverview);
  auto metrics = Metrics(root);
  EXPECT_THAT(metrics["overview.subjects"], ElementsAre("4"));
  EXPECT_THAT(metrics["overview.status.on_treatment"], ElementsAre("2"));
  EXPECT_THAT(metrics["overview.status.off_study"], ElementsAre("1"));
  EXPECT_THAT(metrics["overview.status.died"], ElementsAre("1"));
  EXPECT_THAT(metrics["overview.status.pre_treatment"], ElementsAre("0"));
  EXPECT_THAT(metrics["site.site-a.enrolled"], ElementsAre("2"));
  EXPECT_THAT(metrics["site.site-a.deviations"], ElementsAre("3"));
  EXPECT_THAT(metrics["site.site-b.deviations"], ElementsAre("1"));
  // The headline is 2-year PFS, flagged as beyond the last observation (day 400 < 730.5).
  EXPECT_THAT(metrics["tte.pfs.landmark.24"], ElementsAre("37.5"));
  std::vector<const Node*> headline = testing::FindAll(root, "div", "headline");
  ASSERT_EQ(headline.size(), 1u);
  EXPECT_THAT(headline[0]->text, HasSubstr("NE–NE%"));  // the landmark has no limits
  EXPECT_THAT(headline[0]->text, HasSubstr("0 at risk"));
  EXPECT_EQ(testing::FindAll(*headline[0], "span", "flag").size(), 1u);
  std::string facts;
  for (const Node* td : testing::FindAll(root, "td")) facts += td->text + "|";
  EXPECT_THAT(facts, HasSubstr("krd-asct2|2026-06-30|2026-07-01T08:00:00Z|all sites|"));
}

TEST(DashboardTest, EndpointsCarryTheFiguresAndNeWhereNotEstimable) {
  Node root = Page(testing::ReportCohort(), DashboardPage::kEndpoints);
  auto metrics = Metrics(root);
  EXPECT_THAT(metrics["tte.pfs.n"], ElementsAre("4"));
  EXPECT_THAT(metrics["tte.pfs.events"], ElementsAre("2"));
  EXPECT_THAT(metrics["tte.pfs.censored"], ElementsAre("2"));
  EXPECT_THAT(metrics["tte.pfs.median"], ElementsAre("300"));
  EXPECT_THAT(metrics["tte.pfs.landmark.12"], ElementsAre("37.5"));
  EXPECT_THAT(metrics["tte.pfs.landmark.24"], ElementsAre("37.5"));
  EXPECT_THAT(metrics["tte.os.median"], ElementsAre("NE"));
  EXPECT_THAT(metrics["tte.os.events"], ElementsAre("0"));
  EXPECT_THAT(metrics["rate.orr.treated.successes"], ElementsAre("2"));
  EXPECT_THAT(metrics["rate.orr.treated.n"], ElementsAre("4"));
  EXPECT_THAT(metrics["rate.orr.treated.percent"], ElementsAre("50.0"));
  EXPECT_THAT(metrics["rate.cr_after_asct.transplanted.n"], ElementsAre("0"));
  EXPECT_THAT(metrics["rate.cr_after_asct.transplanted.percent"], ElementsAre("NE"));
  // An NE says why.
  EXPECT_THAT(FindMetric(root, "tte.os.median")->Attr("title"), HasSubstr("50%"));
  EXPECT_THAT(FindMetric(root, "rate.cr_after_asct.transplanted.percent")->Attr("title"),
              HasSubstr("n = 0"));
  std::string text;
  for (const Node* td : testing::FindAll(root, "td")) text += td->text + "|";
  EXPECT_THAT(text, HasSubstr("no_event: 1; withdrawal: 1"));       // censored by reason
  EXPECT_THAT(text, HasSubstr("death dated before the origin: 1"));  // not evaluable, why
  EXPECT_THAT(text, HasSubstr("95% CI (Brookmeyer–Crowley) 100–NE days"));
  EXPECT_THAT(text, HasSubstr("6.8–93.2"));  // ORR's exact interval in percent
  EXPECT_THAT(text, HasSubstr("transplanted — sensitivity population"));
  // One KM plot per endpoint with subjects, with censor marks and the at-risk table.
  std::vector<const Node*> svgs = testing::FindAll(root, "svg");
  ASSERT_EQ(svgs.size(), 2u);
  EXPECT_THAT(svgs[0]->Title(), HasSubstr("Kaplan–Meier estimate: pfs"));  // the id: names do not fit
  // The subjects' times link to the subject pages.
  EXPECT_THAT(Hrefs(root), Contains("/study/subjects/KRD-002-0003"));
}

TEST(DashboardTest, SwimmerHasOneRowPerSubjectLongestFirstAndLinksEachSubject) {
  Node root = Page(testing::ReportCohort(), DashboardPage::kSwimmer);
  std::vector<const Node*> svgs = testing::FindAll(root, "svg");
  ASSERT_EQ(svgs.size(), 1u);
  std::vector<std::string> rows;
  for (const Node* row : testing::FindAll(*svgs[0], "g", "subject")) {
    rows.push_back(testing::FindAll(*row, "text", "subject-id")[0]->text);
  }
  EXPECT_THAT(rows, ElementsAre("KRD-002-0004", "KRD-002-0003", "KRD-001-0002", "KRD-001-0001"));
  EXPECT_EQ(testing::FindAll(*svgs[0], "g", "dose").size(), 4u + 1u);  // + the legend's
  EXPECT_EQ(testing::FindAll(*svgs[0], "g", "death").size(), 1u + 1u);
  std::vector<std::string> links;
  for (const Node* a : testing::FindAll(root, "a", "subject")) links.push_back(a->Attr("href"));
  EXPECT_THAT(links, ElementsAre("/study/subjects/KRD-002-0004", "/study/subjects/KRD-002-0003",
                                 "/study/subjects/KRD-001-0002", "/study/subjects/KRD-001-0001"));
}

TEST(DashboardTest, WaterfallListsTheNotEvaluableSubject) {
  Node root = Page(testing::ReportCohort(), DashboardPage::kWaterfall);
  std::vector<const Node*> svgs = testing::FindAll(root, "svg");
  ASSERT_EQ(svgs.size(), 1u);
  std::vector<const Node*> note = testing::FindAll(root, "p", "not-evaluable");
  ASSERT_EQ(note.size(), 1u);
  std::vector<const Node*> links = testing::FindAll(*note[0], "a", "subject");
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0]->text, "KRD-002-0003");
}

TEST(DashboardTest, SafetyTablesStateNAndEscapeTerms) {
  Node root = Page(testing::ReportCohort(), DashboardPage::kSafety);
  auto metrics = Metrics(root);
  EXPECT_THAT(metrics["teae.any.subjects_with_teae"], ElementsAre("3"));
  EXPECT_THAT(metrics["teae.any.subjects_severe"], ElementsAre("1"));
  EXPECT_THAT(metrics["teae.reinduction.subjects_with_teae"], ElementsAre("2"));
  EXPECT_THAT(metrics["teae.reinduction.subjects_severe"], ElementsAre("0"));
  std::vector<const Node*> terms = testing::FindAll(root, "table", "teae-terms");
  ASSERT_EQ(terms.size(), 1u);
  std::vector<const Node*> cells = testing::FindAll(*terms[0], "td");
  std::vector<std::string> row;
  for (const Node* td : cells) row.push_back(td->text);
  EXPECT_THAT(row, ElementsAre("Rash <maculo-papular> & \"itch\"", "10037844", "2 (50.0%)", "3",
                               "1", "0", "1", "0", "0", "1"));
  EXPECT_THAT(testing::FindAll(*terms[0], "caption")[0]->text, HasSubstr("(n = 4)"));
}

TEST(DashboardTest, DeviationsBySiteAndCode) {
  Node root = Page(testing::ReportCohort(), DashboardPage::kDeviations);
  auto metrics = Metrics(root);
  EXPECT_THAT(metrics["deviation.site-a.DOSE_MISSED"], ElementsAre("3"));
  EXPECT_THAT(metrics["deviation.site-b.CYCLE_DELAYED"], ElementsAre("1"));
  EXPECT_THAT(Hrefs(root), Contains("/study/subjects/KRD-001-0001"));
}

TEST(DashboardTest, ReportHasEverySectionInPageLinksOnlyAndNoSubjectPages) {
  absl::StatusOr<std::string> html = RenderReportHtml(testing::ReportCohort());
  ASSERT_TRUE(html.ok()) << html.status();
  Node root = Parse(*html);
  std::vector<std::string> hrefs = Hrefs(root);
  EXPECT_THAT(hrefs, ElementsAre("#overview", "#endpoints", "#swimmer", "#waterfall", "#safety",
                                 "#deviations"));
  std::vector<std::string> ids;
  for (const Node* s : testing::FindAll(root, "section")) ids.push_back(s->Attr("id"));
  EXPECT_THAT(ids, ElementsAre("overview", "endpoints", "swimmer", "waterfall", "safety",
                               "deviations"));
  EXPECT_EQ(testing::FindAll(root, "svg").size(), 4u);  // two KM, swimmer, waterfall
  EXPECT_THAT(*html, Not(HasSubstr("/subjects/")));
  // Every figure of the dashboard's pages, once (the headline repeats the 24-month landmark).
  auto metrics = Metrics(root);
  for (const auto& [metric, values] : metrics) {
    if (metric != "tte.pfs.landmark.24") {
      EXPECT_EQ(values.size(), 1u) << metric;
    }
  }
  EXPECT_THAT(metrics["tte.pfs.landmark.24"], ElementsAre("37.5", "37.5"));
  EXPECT_EQ(metrics.count("deviation.site-a.DOSE_MISSED"), 1u);
  // Deterministic.
  EXPECT_EQ(*html, *RenderReportHtml(testing::ReportCohort()));
  // To look at it: TRIALGATE_PLOT_SAMPLES=/tmp/plots (as samples_test.cc).
  if (const char* dir = std::getenv("TRIALGATE_PLOT_SAMPLES")) {
    std::ofstream(std::string(dir) + "/report.html") << *html;
  }
}

TEST(DashboardTest, AnEmptyReportStillRenders) {
  v1::EndpointsReport empty;
  for (DashboardPage page : kPages) Page(empty, page);
  absl::StatusOr<std::string> html = RenderReportHtml(empty);
  ASSERT_TRUE(html.ok()) << html.status();
  Parse(*html);
}

TEST(DashboardTest, WhatNoPlotCanDrawIsInvalidArgument) {
  v1::EndpointsReport report = testing::ReportCohort();
  report.mutable_subject_summaries(1)->mutable_phases(0)->set_start_day(-5);
  EXPECT_EQ(RenderDashboardPage(report, DashboardPage::kSwimmer, "/study").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RenderReportHtml(report).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(DashboardTest, CheckerCatchesAnExternalReference) {
  absl::StatusOr<Node> root = testing::ParseXml(
      "<html><head><style>@import 'x.css';</style></head><body><img src=\"https://x/y.png\"/>"
      "<a href=\"//x\" onclick=\"f()\">x</a></body></html>");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(testing::HtmlProblems(*root).size(), 5u);
}

v1::Timeline SubjectTimeline() {
  v1::Timeline t;
  t.set_study_id("krd-asct2");
  t.set_subject_id("KRD-001-0001");
  t.set_site_id("site-a");
  t.set_current_phase("follow_up");
  t.set_time_zone("Europe/Berlin");
  v1::TimelinePhase* phase = t.add_phases();
  phase->set_id("reinduction");
  phase->set_name("KRd re-induction");
  phase->set_kind("cycles");
  phase->set_status("completed");
  v1::TimelineCycle* cycle = phase->add_cycles();
  cycle->set_number(1);
  cycle->set_day1_date("2025-01-01");
  v1::TimelineDose* dose = cycle->add_doses();
  dose->set_agent("carfilzomib");
  dose->set_day(1);
  dose->set_date("2025-01-01");
  dose->set_status("given");
  dose->set_expected(20);
  dose->set_expected_unit("mg/m2");
  dose->set_given_mg(38.5);
  dose = cycle->add_doses();
  dose->set_agent("carfilzomib");
  dose->set_day(2);
  dose->set_date("2025-01-02");
  dose->set_status("missed");
  v1::Finding* f = dose->add_findings();
  f->set_code("DOSE_MISSED");
  f->set_severity(v1::Finding::MAJOR);
  v1::TimelineFinding* finding = t.add_findings();
  finding->set_date("2025-01-02");
  *finding->mutable_finding() = *f;
  finding->mutable_finding()->set_text("carfilzomib day 2 <missed> & not made up");
  v1::TimelineResponse* response = t.add_responses();
  response->set_origin("reported");
  response->set_date("2025-04-01");
  response->mutable_response()->set_category("VGPR");
  v1::TimelineToxicity* tox = t.add_toxicities();
  tox->set_origin("lab");
  tox->set_date("2025-01-10");
  tox->set_term("Neutrophil count decreased");
  tox->set_grade(3);
  return t;
}

TEST(DashboardTest, SubjectPageShowsTheCourseAndTheTimeline) {
  absl::StatusOr<std::string> html =
      RenderSubjectPage(testing::ReportCohort(), SubjectTimeline(), "/study");
  ASSERT_TRUE(html.ok()) << html.status();
  Node root = Parse(*html);
  std::vector<const Node*> nav = testing::FindAll(root, "nav");
  ASSERT_EQ(nav.size(), 1u);
  EXPECT_EQ(Hrefs(*nav[0]).size(), 6u);
  EXPECT_EQ(testing::FindAll(root, "h1")[0]->text, "Subject KRD-001-0001");
  std::vector<const Node*> svgs = testing::FindAll(root, "svg");
  ASSERT_EQ(svgs.size(), 1u);
  EXPECT_EQ(testing::FindAll(*svgs[0], "g", "subject").size(), 1u);
  std::vector<const Node*> doses = testing::FindAll(root, "table", "doses");
  ASSERT_EQ(doses.size(), 1u);
  EXPECT_EQ(testing::FindAll(*doses[0], "tr").size(), 3u);  // header + 2 slots
  std::string text;
  for (const Node* td : testing::FindAll(root, "td")) text += td->text + "|";
  EXPECT_THAT(text, HasSubstr("missed|0 |0|DOSE_MISSED (MAJOR)|"));
  EXPECT_THAT(text, HasSubstr("carfilzomib day 2 <missed> & not made up"));
  EXPECT_THAT(text, HasSubstr("|VGPR|"));
  EXPECT_THAT(text, HasSubstr("Neutrophil count decreased|"));
  // A subject the report does not have still gets its timeline, and says so.
  v1::Timeline other = SubjectTimeline();
  other.set_subject_id("KRD-009-0009");
  html = RenderSubjectPage(testing::ReportCohort(), other, "/study");
  ASSERT_TRUE(html.ok()) << html.status();
  root = Parse(*html);
  EXPECT_THAT(testing::FindAll(root, "svg"), IsEmpty());
  EXPECT_THAT(*html, HasSubstr("has no summary of this subject"));
}

}  // namespace
}  // namespace trialgate::report
