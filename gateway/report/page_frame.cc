// The frame every page shares: document head, stylesheet, navigation, links and metric cells.
#include "absl/strings/str_cat.h"
#include "gateway/report/sections.h"

namespace trialgate::report::internal {
namespace {

// Inline only (nothing fetched): system fonts, a width a laptop shows whole, A4 in print.
constexpr std::string_view kStyle = R"(
body { font-family: sans-serif; font-size: 14px; color: #000; max-width: 1100px;
       margin: 0 auto; padding: 0 16px 32px; line-height: 1.4; }
nav { border-bottom: 1px solid #999; padding: 8px 0; margin-bottom: 8px; }
nav a { margin-right: 14px; color: #0072B2; }
nav a[aria-current] { font-weight: bold; color: #000; text-decoration: none; }
h1 { font-size: 22px; } h2 { font-size: 18px; border-bottom: 1px solid #DDD; }
h3 { font-size: 16px; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { border: 1px solid #BBB; padding: 3px 8px; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: bold; padding-bottom: 4px; }
svg { max-width: 100%; height: auto; display: block; margin: 8px 0; }
.note { color: #333; font-size: 13px; }
.flag { color: #D55E00; font-weight: bold; }
.headline { font-size: 18px; border: 1px solid #999; padding: 8px 12px; display: inline-block; }
details { margin: 8px 0 16px; }
@media print {
  @page { size: A4; margin: 15mm; }
  body { max-width: none; font-size: 11px; padding: 0; }
  nav { display: none; }
  section { break-before: page; }
  section:first-of-type { break-before: auto; }
  table, svg { break-inside: avoid; }
  a { color: #000; text-decoration: none; }
}
)";

}  // namespace

std::string Links::Page(DashboardPage page) const {
  if (!dashboard) return absl::StrCat("#", std::string(DashboardPageName(page)));
  if (page == DashboardPage::kOverview) return base_path.empty() ? "/" : base_path;
  return absl::StrCat(base_path, "/", std::string(DashboardPageName(page)));
}

std::optional<std::string> Links::Subject(std::string_view subject_id) const {
  if (!dashboard) return std::nullopt;
  return absl::StrCat(base_path, "/subjects/", std::string(subject_id));
}

void BeginDocument(HtmlWriter& html, std::string_view title) {
  html.Raw("<!DOCTYPE html>\n");
  html.Open("html", {{"xmlns", "http://www.w3.org/1999/xhtml"}, {"lang", "en"}});
  html.Open("head");
  html.Void("meta", {{"charset", "utf-8"}});
  html.Void("meta", {{"name", "viewport"}, {"content", "width=device-width, initial-scale=1"}});
  html.Leaf("title", {}, title);
  html.Leaf("style", {}, kStyle);
  html.Close();
  html.Open("body");
}

void WriteNavigation(HtmlWriter& html, const Links& links, std::optional<DashboardPage> current) {
  constexpr DashboardPage kPages[] = {DashboardPage::kOverview,  DashboardPage::kEndpoints,
                                      DashboardPage::kSwimmer,   DashboardPage::kWaterfall,
                                      DashboardPage::kSafety,    DashboardPage::kDeviations};
  constexpr std::string_view kLabels[] = {"Overview", "Endpoints", "Swimmer plot",
                                          "Waterfall", "Safety",   "Deviations"};
  html.Open("nav");
  for (size_t i = 0; i < std::size(kPages); ++i) {
    if (current == kPages[i]) {
      html.Leaf("a", {{"href", links.Page(kPages[i])}, {"aria-current", "page"}}, kLabels[i]);
    } else {
      html.Leaf("a", {{"href", links.Page(kPages[i])}}, kLabels[i]);
    }
    html.Raw("\n");
  }
  html.Close();
}

void WriteSubjectId(HtmlWriter& html, const Links& links, std::string_view subject_id) {
  if (std::optional<std::string> href = links.Subject(subject_id)) {
    html.Leaf("a", {{"href", *href}, {"class", "subject"}}, subject_id);
  } else {
    html.Leaf("span", {{"class", "subject"}}, subject_id);
  }
}

void WriteMetric(HtmlWriter& html, std::string_view tag, std::string_view metric,
                 std::string_view value, std::string_view title) {
  std::string_view why = !title.empty() ? title : (value == "NE" ? kNotEstimable : "");
  std::string css = tag == "td" ? "num" : "";
  if (why.empty()) {
    html.Leaf(tag, {{"data-metric", metric}, {"class", css}}, value);
  } else {
    html.Leaf(tag, {{"data-metric", metric}, {"class", css}, {"title", why}}, value);
  }
}

std::string Interval(std::optional<double> lower, std::optional<double> upper, bool percent) {
  if (percent) return absl::StrCat(FormatPercentOrNe(lower), "–", FormatPercentOrNe(upper));
  return absl::StrCat(FormatNumberOrNe(lower), "–", FormatNumberOrNe(upper));
}

}  // namespace trialgate::report::internal
