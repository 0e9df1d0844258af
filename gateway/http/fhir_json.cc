#include "gateway/http/fhir_json.h"

#include <utility>

#include "gateway/pipeline/operation_outcome.h"

namespace trialgate::http {

std::string StatusText(int status) {
  const char* reason = "";
  switch (status) {
    case 200: reason = "OK"; break;
    case 201: reason = "Created"; break;
    case 400: reason = "Bad Request"; break;
    case 401: reason = "Unauthorized"; break;
    case 403: reason = "Forbidden"; break;
    case 404: reason = "Not Found"; break;
    case 405: reason = "Method Not Allowed"; break;
    case 406: reason = "Not Acceptable"; break;
    case 409: reason = "Conflict"; break;
    case 412: reason = "Precondition Failed"; break;
    case 413: reason = "Payload Too Large"; break;
    case 415: reason = "Unsupported Media Type"; break;
    case 422: reason = "Unprocessable Entity"; break;
    case 429: reason = "Too Many Requests"; break;
    case 500: reason = "Internal Server Error"; break;
    case 503: reason = "Service Unavailable"; break;
    default: return std::to_string(status);
  }
  return std::to_string(status) + " " + reason;
}

HttpError MakeHttpError(int status, std::string issue_code, std::string diagnostics,
                        std::string expression) {
  return HttpError{status,
                   {Issue{Issue::Severity::kError, std::move(issue_code), std::move(expression),
                          std::move(diagnostics)}}};
}

void SendError(const HttpError& error, httplib::Response& response) {
  std::vector<Issue> issues = error.issues;
  if (issues.empty()) {
    issues.push_back(Issue{Issue::Severity::kError, "processing", "", StatusText(error.status)});
  }
  SendFhir(error.status, pipeline::OperationOutcomeJson(issues), response);
}

void SendFhir(int status, std::string body, httplib::Response& response) {
  response.status = status;
  response.set_content(std::move(body), kFhirJson);
}

}  // namespace trialgate::http
