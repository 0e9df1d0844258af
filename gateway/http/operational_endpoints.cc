#include "gateway/http/operational_endpoints.h"

#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace trialgate::http {
namespace {

constexpr char kText[] = "text/plain; charset=utf-8";

// 401 or 403 as text; true when the request may go on.
bool Allowed(const RequestCallers& callers, const httplib::Request& request, const char* operation,
             httplib::Response& response) {
  std::variant<security::Caller, HttpError> who = callers.Authorize(request, operation);
  if (auto* error = std::get_if<HttpError>(&who)) {
    response.status = error->status;
    response.set_content(absl::StrCat(error->issues.front().diagnostics, "\n"), kText);
    return false;
  }
  return true;
}

}  // namespace

void InstallOperationalEndpoints(httplib::Server& server, const RequestCallers& callers,
                                 GatewayProbes probes) {
  server.Get("/healthz", [&callers](const httplib::Request& request, httplib::Response& response) {
    if (!Allowed(callers, request, "/trialgate.http/Health", response)) return;
    response.set_content("ok\n", kText);
  });
  server.Get("/readyz", [&callers, not_ready = probes.not_ready](const httplib::Request& request,
                                                               httplib::Response& response) {
    if (!Allowed(callers, request, "/trialgate.http/Health", response)) return;
    const std::vector<std::string> reasons = not_ready();
    if (reasons.empty()) return response.set_content("ready\n", kText);
    response.status = 503;
    response.set_content(absl::StrCat("not ready:\n", absl::StrJoin(reasons, "\n"), "\n"), kText);
  });
  server.Get("/metrics", [&callers, metrics = std::move(probes.metrics)](
                             const httplib::Request& request, httplib::Response& response) {
    if (!Allowed(callers, request, "/trialgate.http/Metrics", response)) return;
    response.set_content(metrics(), "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace trialgate::http
