#ifndef TRIALGATE_GATEWAY_REPORT_SECTIONS_H_
#define TRIALGATE_GATEWAY_REPORT_SECTIONS_H_

// Internal to trialgate_report_html: the pieces the pages are built of. Each Write* function
// writes one <section> of a page; pages and the report only differ in how they link.

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gateway/report/dashboard.h"
#include "gateway/report/html_writer.h"
#include "trialgate/v1/study.pb.h"

namespace trialgate::report::internal {

// Where links go: the dashboard's pages under base_path, or (the mailed report) in-page
// anchors and no subject pages.
struct Links {
  bool dashboard = true;
  std::string base_path;  // without a trailing '/'

  std::string Page(DashboardPage page) const;  // "/study/safety" or "#safety"
  // The subject's page; nullopt in the report (subject ids are plain text there).
  std::optional<std::string> Subject(std::string_view subject_id) const;
};

// Document start: doctype, <html>, <head> (charset, viewport, title, the stylesheet), <body>.
// The caller writes the body and Finish() closes everything.
void BeginDocument(HtmlWriter& html, std::string_view title);
// The navigation bar; `current` is marked with aria-current.
void WriteNavigation(HtmlWriter& html, const Links& links, std::optional<DashboardPage> current);
// A subject id: a link to its page when there is one, else plain text.
void WriteSubjectId(HtmlWriter& html, const Links& links, std::string_view subject_id);
// <tag data-metric="metric" [title]>value</tag>: a figure a test can find.
void WriteMetric(HtmlWriter& html, std::string_view tag, std::string_view metric,
                 std::string_view value, std::string_view title = "");
// "NE" (as a metric when `metric` is not empty) with a title saying why.
inline constexpr std::string_view kNotEstimable =
    "NE: not estimable from the data at the cutoff (R's NA), not zero";
// A proto3 optional field as std::optional: Opt(r.has_lower(), r.lower()).
inline std::optional<double> Opt(bool has, double value) {
  return has ? std::optional<double>(value) : std::nullopt;
}
// "lower–upper" of an interval, each limit "NE" when absent.
std::string Interval(std::optional<double> lower, std::optional<double> upper, bool percent);
// "key: value; key: value" of a map, by key; `none` when empty.
template <typename Map>
std::string Reasons(const Map& map, std::string_view none = "none");

absl::Status WriteOverview(HtmlWriter& html, const v1::EndpointsReport& report,
                           const Links& links);
absl::Status WriteEndpoints(HtmlWriter& html, const v1::EndpointsReport& report,
                            const Links& links);
absl::Status WriteSwimmer(HtmlWriter& html, const v1::EndpointsReport& report,
                          const Links& links);
absl::Status WriteWaterfall(HtmlWriter& html, const v1::EndpointsReport& report,
                            const Links& links);
absl::Status WriteSafety(HtmlWriter& html, const v1::EndpointsReport& report, const Links& links);
absl::Status WriteDeviations(HtmlWriter& html, const v1::EndpointsReport& report,
                             const Links& links);

// The swimmer SVG of the given summaries, in the order given. InvalidArgument from the plot.
absl::StatusOr<std::string> SwimmerSvg(std::span<const v1::SubjectSummary* const> summaries,
                                       std::string_view title);

template <typename Map>
std::string Reasons(const Map& map, std::string_view none) {
  // Protobuf maps iterate in no fixed order: sort for byte-identical pages.
  std::map<std::string, std::string> sorted;
  for (const auto& [key, value] : map) sorted[absl::StrCat(key)] = absl::StrCat(value);
  std::string out;
  for (const auto& [key, value] : sorted) {
    if (!out.empty()) out += "; ";
    out += key + ": " + value;
  }
  return out.empty() ? std::string(none) : out;
}

}  // namespace trialgate::report::internal

#endif  // TRIALGATE_GATEWAY_REPORT_SECTIONS_H_
