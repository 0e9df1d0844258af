#include "gateway/http/study_dashboard.h"

#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "gateway/report/dashboard.h"
#include "gateway/study_report/study_report.h"
#include "google/protobuf/util/json_util.h"

namespace trialgate::http {
namespace {

constexpr char kBase[] = "/study";
constexpr char kHtml[] = "text/html; charset=utf-8";
constexpr char kText[] = "text/plain; charset=utf-8";

// Nothing but the page itself: no script, no font, no image or style from anywhere else.
void SetPageHeaders(httplib::Response& response) {
  response.set_header("Content-Security-Policy",
                      "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                      "base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
  response.set_header("X-Content-Type-Options", "nosniff");
  response.set_header("Referrer-Policy", "no-referrer");
  response.set_header("Cache-Control", "no-store");  // the study as of now, not as cached
}

void Answer(httplib::Response& response, int status, const std::string& text) {
  SetPageHeaders(response);
  response.status = status;
  response.set_content(absl::StrCat(text, "\n"), kText);
}

int HttpStatusOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      return 400;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kFailedPrecondition:
      return 409;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

// Who may see what: the caller's site for a `site` identity; none (every site) for a monitor
// or a development caller. Answers 401/403/429 itself and returns false.
struct Viewer {
  std::optional<std::string> site;
};
std::optional<Viewer> Authorize(const RequestCallers& callers, const httplib::Request& request,
                                httplib::Response& response) {
  std::variant<security::Caller, HttpError> who =
      callers.Authorize(request, "/trialgate.http/Dashboard");
  if (auto* error = std::get_if<HttpError>(&who)) {
    Answer(response, error->status, error->issues.front().diagnostics);
    return std::nullopt;
  }
  const security::Caller& caller = std::get<security::Caller>(who);
  Viewer viewer;
  if (!caller.development && !caller.Has(security::Role::kMonitor)) viewer.site = caller.site;
  return viewer;
}

// `?cutoff=YYYY-MM-DD`, or none (today). False (answered 400) when malformed.
bool CutoffOf(const httplib::Request& request, httplib::Response& response,
              std::optional<absl::CivilDay>* cutoff) {
  absl::StatusOr<std::optional<absl::CivilDay>> parsed =
      study_report::ParseCutoff(request.get_param_value("cutoff"));
  if (!parsed.ok()) {
    Answer(response, 400, std::string(parsed.status().message()));
    return false;
  }
  *cutoff = *parsed;
  return true;
}

class Dashboard {
 public:
  Dashboard(const RequestCallers& callers, DashboardSources sources)
      : callers_(callers), sources_(std::move(sources)) {}

  // The report the caller may see, or an answer already given.
  std::shared_ptr<const v1::EndpointsReport> Report(const httplib::Request& request,
                                                    httplib::Response& response) const {
    std::optional<Viewer> viewer = Authorize(callers_, request, response);
    if (!viewer) return nullptr;
    return ReportFor(*viewer, request, response);
  }

  std::shared_ptr<const v1::EndpointsReport> ReportFor(const Viewer& viewer,
                                                       const httplib::Request& request,
                                                       httplib::Response& response) const {
    std::optional<absl::CivilDay> cutoff;
    if (!CutoffOf(request, response, &cutoff)) return nullptr;
    absl::StatusOr<std::shared_ptr<const v1::EndpointsReport>> report =
        sources_.report(cutoff, viewer.site);
    if (!report.ok()) {
      Answer(response, HttpStatusOf(report.status()), std::string(report.status().message()));
      return nullptr;
    }
    return *report;
  }

  void Page(const httplib::Request& request, httplib::Response& response,
            report::DashboardPage page) const {
    std::shared_ptr<const v1::EndpointsReport> report = Report(request, response);
    if (report == nullptr) return;
    absl::StatusOr<std::string> html = report::RenderDashboardPage(*report, page, kBase);
    if (!html.ok()) return Answer(response, 500, std::string(html.status().message()));
    SetPageHeaders(response);
    response.set_content(*html, kHtml);
  }

  void Subject(const httplib::Request& request, httplib::Response& response,
               const std::string& subject_id) const {
    std::optional<Viewer> viewer = Authorize(callers_, request, response);
    if (!viewer) return;
    // Another site's subject is answered as an unknown one: a site cannot probe which ids exist.
    std::string not_found = absl::StrCat("no subject ", subject_id);
    if (viewer->site) absl::StrAppend(&not_found, " at site ", *viewer->site);
    if (viewer->site && sources_.site_of(subject_id) != viewer->site) {
      return Answer(response, 404, not_found);
    }
    absl::StatusOr<v1::Timeline> timeline = sources_.timeline(subject_id);
    if (absl::IsNotFound(timeline.status())) return Answer(response, 404, not_found);
    if (!timeline.ok()) {
      return Answer(response, HttpStatusOf(timeline.status()),
                    std::string(timeline.status().message()));
    }
    std::shared_ptr<const v1::EndpointsReport> report = ReportFor(*viewer, request, response);
    if (report == nullptr) return;
    absl::StatusOr<std::string> html = report::RenderSubjectPage(*report, *timeline, kBase);
    if (!html.ok()) return Answer(response, 500, std::string(html.status().message()));
    SetPageHeaders(response);
    response.set_content(*html, kHtml);
  }

  void Json(const httplib::Request& request, httplib::Response& response) const {
    std::shared_ptr<const v1::EndpointsReport> report = Report(request, response);
    if (report == nullptr) return;
    google::protobuf::util::JsonPrintOptions print;
    print.preserve_proto_field_names = true;
    print.always_print_primitive_fields = true;
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(*report, &json, print);
    SetPageHeaders(response);
    response.set_content(json, "application/json");
  }

 private:
  const RequestCallers& callers_;
  const DashboardSources sources_;
};

}  // namespace

void InstallStudyDashboard(httplib::Server& server, const RequestCallers& callers,
                           DashboardSources sources) {
  auto dashboard = std::make_shared<const Dashboard>(callers, std::move(sources));
  // Every browser asks for an icon; there is none, and "none" is not an error on the page.
  server.Get("/favicon.ico", [](const httplib::Request&, httplib::Response& response) {
    response.status = 204;
  });
  server.Get("/study/?", [dashboard](const httplib::Request& request, httplib::Response& response) {
    dashboard->Page(request, response, report::DashboardPage::kOverview);
  });
  server.Get("/study/report.json",
             [dashboard](const httplib::Request& request, httplib::Response& response) {
               dashboard->Json(request, response);
             });
  server.Get(R"(/study/subjects/([^/]+))",
             [dashboard](const httplib::Request& request, httplib::Response& response) {
               dashboard->Subject(request, response, request.matches[1].str());
             });
  server.Get(R"(/study/([a-z]+))",
             [dashboard, &callers](const httplib::Request& request, httplib::Response& response) {
               const std::optional<report::DashboardPage> page =
                   report::ParseDashboardPage(request.matches[1].str());
               if (!page || *page == report::DashboardPage::kOverview) {
                 if (!Authorize(callers, request, response)) return;
                 return Answer(response, 404,
                               absl::StrCat("no dashboard page ", request.matches[1].str()));
               }
               dashboard->Page(request, response, *page);
             });
}

}  // namespace trialgate::http
