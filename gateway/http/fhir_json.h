#ifndef TRIALGATE_GATEWAY_HTTP_FHIR_JSON_H_
#define TRIALGATE_GATEWAY_HTTP_FHIR_JSON_H_

#include <string>
#include <vector>

#include "gateway/common/issue.h"
#include "httplib.h"

namespace trialgate::http {

// What every FHIR answer of the gateway is sent as (R4 http.html: "application/fhir+json",
// with the charset explicit).
inline constexpr char kFhirJson[] = "application/fhir+json; charset=utf-8";

// An error of a request, answered as an OperationOutcome with this HTTP status.
struct HttpError {
  int status = 400;
  std::vector<Issue> issues;
};

// "201 Created": the status line text R4 puts in Bundle.entry.response.status.
std::string StatusText(int status);

HttpError MakeHttpError(int status, std::string issue_code, std::string diagnostics,
                        std::string expression = "");

// Answers `error`: its status, and its issues as an OperationOutcome.
void SendError(const HttpError& error, httplib::Response& response);

// Answers `status` with a FHIR JSON body.
void SendFhir(int status, std::string body, httplib::Response& response);

}  // namespace trialgate::http

#endif  // TRIALGATE_GATEWAY_HTTP_FHIR_JSON_H_
