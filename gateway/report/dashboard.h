#ifndef TRIALGATE_GATEWAY_REPORT_DASHBOARD_H_
#define TRIALGATE_GATEWAY_REPORT_DASHBOARD_H_

// The study's HTML pages (docs/report.md): the dashboard served at GET /study, a page per
// subject, and the self-contained report of `trialgate report --format html`. Each page is a
// complete polyglot HTML5 document (well-formed XML as well): inline CSS and inline SVG only, no
// script, no font or stylesheet fetched, no link outside the dashboard. Figures carry
// `data-metric` hooks formatted as docs/report.md states. Only the report's pseudonymous subject
// ids identify anyone. Pure: the same input gives the same bytes; thread-safe.

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "trialgate/v1/study.pb.h"

namespace trialgate::report {

enum class DashboardPage { kOverview, kEndpoints, kSwimmer, kWaterfall, kSafety, kDeviations };

// "overview", "endpoints", "swimmer", "waterfall", "safety", "deviations".
std::string_view DashboardPageName(DashboardPage page);
// The page of a name DashboardPageName gives; nullopt for anything else.
std::optional<DashboardPage> ParseDashboardPage(std::string_view name);

// One dashboard page with a navigation bar linking every page as `<base_path>/<name>` (the
// overview as `<base_path>`) and each subject id linking to `<base_path>/subjects/<id>`.
// `base_path` is used as given (e.g. "/study"; a trailing '/' is dropped). InvalidArgument when
// the report holds what no plot can draw (e.g. a negative day).
absl::StatusOr<std::string> RenderDashboardPage(const v1::EndpointsReport& report,
                                                DashboardPage page, std::string_view base_path);

// The subject's page: its swimmer row, phases, cycles, doses, responses, toxicities and
// findings of `timeline`, with the dashboard's navigation. The summary row is the report's
// SubjectSummary of timeline.subject_id, when the report has one (a page without it says so).
absl::StatusOr<std::string> RenderSubjectPage(const v1::EndpointsReport& report,
                                              const v1::Timeline& timeline,
                                              std::string_view base_path);

// Every dashboard section on one page with in-page links only (#overview, #endpoints, ...) and
// no per-subject pages: the document `trialgate report --format html` writes, readable when
// mailed. InvalidArgument as RenderDashboardPage.
absl::StatusOr<std::string> RenderReportHtml(const v1::EndpointsReport& report);

}  // namespace trialgate::report

#endif  // TRIALGATE_GATEWAY_REPORT_DASHBOARD_H_
