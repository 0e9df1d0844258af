#ifndef TRIALGATE_GATEWAY_HTTP_REQUEST_CALLER_H_
#define TRIALGATE_GATEWAY_HTTP_REQUEST_CALLER_H_

#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "gateway/http/fhir_json.h"
#include "gateway/security/caller.h"
#include "gateway/security/identity.h"
#include "gateway/security/rate_limiter.h"
#include "httplib.h"

namespace trialgate::http {

// Who sends HTTP requests and what they may do: the same identities and the same access policy
// (security::Authorize) as the gRPC and MLLP listeners.
class RequestCallers {
 public:
  // `identities`: the configured ones; `tls`: false on a plaintext (--insecure) listener, where
  // every request comes from a development caller.
  // `requests_per_second`, `request_burst`: each identity's request rate (config "limits", as
  // on gRPC; only on a TLS listener, where there are identities).
  RequestCallers(std::vector<security::Identity> identities, bool tls, double requests_per_second,
                 double request_burst)
      : identities_(std::move(identities)), tls_(tls), rate_(requests_per_second, request_burst) {}

  // The caller of `request` if it may perform `operation` (a method name of the access policy,
  // e.g. "/trialgate.v1.Gateway/Submit"); else 401 (the certificate is no configured
  // identity), 403 (its roles do not allow the operation) or 429 (over its request rate).
  std::variant<security::Caller, HttpError> Authorize(const httplib::Request& request,
                                                      absl::string_view operation) const;

 private:
  const std::vector<security::Identity> identities_;
  const bool tls_;
  mutable security::RateLimiter rate_;
};

}  // namespace trialgate::http

#endif  // TRIALGATE_GATEWAY_HTTP_REQUEST_CALLER_H_
