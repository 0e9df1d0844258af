#include "gateway/http/request_caller.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gateway/security/access_policy.h"
#include "gateway/security/tls_server_context.h"
#include "spdlog/spdlog.h"

namespace trialgate::http {

std::variant<security::Caller, HttpError> RequestCallers::Authorize(
    const httplib::Request& request, absl::string_view operation) const {
  const std::string peer = absl::StrCat("http:", request.remote_addr, ":", request.remote_port);
  if (!tls_) return security::DevelopmentCaller(peer);
  // The handshake has verified the certificate against the client CA; it is known here by its
  // names. cpp-httplib hands the connection's SSL only as const; reading it changes nothing.
  const security::CertificateNames names =
      security::PeerCertificateNames(const_cast<SSL*>(request.ssl));
  const security::Identity* identity = security::MatchIdentity(identities_, names);
  if (identity == nullptr) {
    spdlog::warn("http: {}: refused the client certificate '{}': not a configured identity", peer,
                 names.subject);
    return MakeHttpError(401, "login",
                         absl::StrCat("the client certificate '", names.subject,
                                      "' is not one of the gateway's configured identities"));
  }
  security::Caller caller;
  caller.identity = identity->name;
  caller.roles = identity->roles;
  caller.site = identity->site;
  caller.peer = peer;
  if (absl::Status allowed = security::Authorize(caller.identity, caller.roles, operation);
      !allowed.ok()) {
    return MakeHttpError(403, "forbidden", std::string(allowed.message()));
  }
  if (!rate_.TryAcquire(caller.limit_key())) {
    return MakeHttpError(429, "throttled",
                         absl::StrCat("identity '", caller.identity,
                                      "' is over its request rate (limits.requestsPerSecond): "
                                      "retry shortly"));
  }
  return caller;
}

}  // namespace trialgate::http
