// The dashboard's pages and the self-contained report: a frame around the sections.
#include "gateway/report/dashboard.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/report/sections.h"

namespace trialgate::report {
namespace {

constexpr DashboardPage kPages[] = {DashboardPage::kOverview,  DashboardPage::kEndpoints,
                                    DashboardPage::kSwimmer,   DashboardPage::kWaterfall,
                                    DashboardPage::kSafety,    DashboardPage::kDeviations};

absl::Status WriteSection(HtmlWriter& html, const v1::EndpointsReport& report,
                          DashboardPage page, const internal::Links& links) {
  switch (page) {
    case DashboardPage::kOverview: return internal::WriteOverview(html, report, links);
    case DashboardPage::kEndpoints: return internal::WriteEndpoints(html, report, links);
    case DashboardPage::kSwimmer: return internal::WriteSwimmer(html, report, links);
    case DashboardPage::kWaterfall: return internal::WriteWaterfall(html, report, links);
    case DashboardPage::kSafety: return internal::WriteSafety(html, report, links);
    case DashboardPage::kDeviations: return internal::WriteDeviations(html, report, links);
  }
  return absl::InvalidArgumentError("unknown dashboard page");
}

std::string StudyTitle(const v1::EndpointsReport& report) {
  return absl::StrCat(report.study_id().empty() ? "Study" : report.study_id(),
                      " endpoints, data cutoff ", report.data_cutoff());
}

}  // namespace

std::string_view DashboardPageName(DashboardPage page) {
  switch (page) {
    case DashboardPage::kOverview: return "overview";
    case DashboardPage::kEndpoints: return "endpoints";
    case DashboardPage::kSwimmer: return "swimmer";
    case DashboardPage::kWaterfall: return "waterfall";
    case DashboardPage::kSafety: return "safety";
    case DashboardPage::kDeviations: return "deviations";
  }
  return "";
}

std::optional<DashboardPage> ParseDashboardPage(std::string_view name) {
  for (DashboardPage page : kPages) {
    if (DashboardPageName(page) == name) return page;
  }
  return std::nullopt;
}

absl::StatusOr<std::string> RenderDashboardPage(const v1::EndpointsReport& report,
                                                DashboardPage page, std::string_view base_path) {
  internal::Links links{.dashboard = true, .base_path = std::string(base_path)};
  while (!links.base_path.empty() && links.base_path.back() == '/') links.base_path.pop_back();
  HtmlWriter html;
  internal::BeginDocument(html, absl::StrCat(StudyTitle(report), " — ", std::string(DashboardPageName(page))));
  internal::WriteNavigation(html, links, page);
  html.Open("main");
  if (absl::Status status = WriteSection(html, report, page, links); !status.ok()) return status;
  return html.Finish();
}

absl::StatusOr<std::string> RenderReportHtml(const v1::EndpointsReport& report) {
  internal::Links links{.dashboard = false, .base_path = ""};
  HtmlWriter html;
  internal::BeginDocument(html, StudyTitle(report));
  html.Leaf("h1", {}, StudyTitle(report));
  internal::WriteNavigation(html, links, std::nullopt);
  html.Open("main");
  for (DashboardPage page : kPages) {
    if (absl::Status status = WriteSection(html, report, page, links); !status.ok()) {
      return status;
    }
  }
  return html.Finish();
}

}  // namespace trialgate::report
