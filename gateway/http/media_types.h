#ifndef TRIALGATE_GATEWAY_HTTP_MEDIA_TYPES_H_
#define TRIALGATE_GATEWAY_HTTP_MEDIA_TYPES_H_

#include <optional>

#include "gateway/http/fhir_json.h"
#include "httplib.h"

// FHIR R4 content negotiation (http.html "Content Types and encodings"), JSON only: the gateway
// reads and writes application/fhir+json and takes the generic application/json as the same.
namespace trialgate::http {

// The body's Content-Type: 415 unless it is JSON (application/fhir+json or application/json,
// with any fhirVersion parameter and a UTF-8 charset if one is named). XML is named as such.
std::optional<HttpError> CheckBodyType(const httplib::Request& request);

// What the client will take: `_format` when given (it overrides Accept), else Accept. 406 when
// it names formats and none is JSON (e.g. XML or Turtle only).
std::optional<HttpError> CheckAcceptable(const httplib::Request& request);

}  // namespace trialgate::http

#endif  // TRIALGATE_GATEWAY_HTTP_MEDIA_TYPES_H_
