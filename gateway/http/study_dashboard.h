#ifndef TRIALGATE_GATEWAY_HTTP_STUDY_DASHBOARD_H_
#define TRIALGATE_GATEWAY_HTTP_STUDY_DASHBOARD_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "gateway/http/request_caller.h"
#include "httplib.h"
#include "trialgate/v1/study.pb.h"

namespace trialgate::http {

// What the dashboard asks the running gateway.
struct DashboardSources {
  // The study report at a cutoff (none: today) of one site's subjects (none: every site).
  std::function<absl::StatusOr<std::shared_ptr<const v1::EndpointsReport>>(
      std::optional<absl::CivilDay> cutoff, const std::optional<std::string>& site)>
      report;
  // A subject's timeline now (NOT_FOUND when the log holds none of it).
  std::function<absl::StatusOr<v1::Timeline>(const std::string& subject_id)> timeline;
  // The site a subject is enrolled at; none when unknown.
  std::function<std::optional<std::string>(const std::string& subject_id)> site_of;
};

// The study dashboard (docs/report.md): GET /study (overview), /study/<page> (endpoints,
// swimmer, waterfall, safety, deviations), /study/subjects/<id> (the subject's timeline) as
// HTML, and /study/report.json (the same report for machines). `?cutoff=YYYY-MM-DD` sets the
// data cutoff (default today). Callers need the `monitor` role (every site) or `site` (its own
// subjects only: another site's subject is answered 404, as an unknown one). Pages carry inline
// SVG and CSS only, and a Content-Security-Policy that lets nothing else load or run.
void InstallStudyDashboard(httplib::Server& server, const RequestCallers& callers,
                           DashboardSources sources);

}  // namespace trialgate::http

#endif  // TRIALGATE_GATEWAY_HTTP_STUDY_DASHBOARD_H_
