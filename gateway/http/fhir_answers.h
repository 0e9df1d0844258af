#ifndef TRIALGATE_GATEWAY_HTTP_FHIR_ANSWERS_H_
#define TRIALGATE_GATEWAY_HTTP_FHIR_ANSWERS_H_

#include <string>

#include "absl/status/status.h"
#include "gateway/http/fhir_json.h"
#include "gateway/http/request_plan.h"
#include "gateway/pipeline/submission.h"
#include "httplib.h"
#include "mappers/number_texts.h"
#include "rapidjson/document.h"

// How the pipeline's outcomes become R4 REST answers: status codes, Location / ETag /
// Last-Modified, the body that Prefer asks for, and transaction-response / batch-response
// Bundles.
namespace trialgate::http {

// RFC 7240 "Prefer: return=...". Without one the gateway answers minimally: no body on
// success, so that the patient data a client sent is not echoed back unasked.
enum class Return { kMinimal, kRepresentation, kOperationOutcome };
Return PreferredReturn(const httplib::Request& request);

// The status of a submission the pipeline refused as a whole: 400 unusable body, 413 over a
// limit, 403 another site's system, 412 If-Match conflict, 503 store unavailable, ...
int StatusOfRefusal(const absl::Status& status);

// What one request sent and what answers it, for building the answer.
struct AnswerContext {
  const RequestPlan* plan;                // its entries point at the resources sent
  const mappers::NumberTexts* numbers;    // of the decoded request body
  std::string base_url;          // "https://host:port/fhir"
  Return prefer = Return::kMinimal;
};

// The answer to a create or update.
void AnswerSingle(const AnswerContext& context, const pipeline::SubmissionResult& result,
                  httplib::Response& response);

// The answer to a transaction or batch: a transaction-response / batch-response Bundle, or,
// for a transaction that failed, one OperationOutcome with the status of its worst entry.
void AnswerBundle(const AnswerContext& context, const pipeline::SubmissionResult& result,
                  httplib::Response& response);

}  // namespace trialgate::http

#endif  // TRIALGATE_GATEWAY_HTTP_FHIR_ANSWERS_H_
