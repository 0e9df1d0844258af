#ifndef TRIALGATE_GATEWAY_SECURITY_CALLER_H_
#define TRIALGATE_GATEWAY_SECURITY_CALLER_H_

#include <set>
#include <string>

#include "gateway/security/roles.h"
#include "grpcpp/server_context.h"

namespace trialgate::security {

// Who is calling, as established by the transport: on a TLS listener the identity configured
// for the client certificate (see CallAuthenticator); on an --insecure listener a development
// caller holding every role and no fixed site.
struct Caller {
  std::string identity;  // configured identity name; "insecure-development" without TLS
  std::set<Role> roles;
  std::string site;      // the site a `site` caller acts for; empty otherwise
  std::string peer;      // gRPC peer address, e.g. "ipv4:127.0.0.1:53122"
  bool development = false;  // plaintext listener: every role, site from the request

  bool Has(Role role) const { return roles.count(role) != 0; }
  // Whose share of the per-caller limits a call uses: the identity, or on a plaintext listener
  // (no identities) the connection.
  const std::string& limit_key() const { return development ? peer : identity; }
  // The site this caller acts for: for a development caller, whatever the request names.
  bool MayActFor(const std::string& request_site) const {
    return development || site == request_site;
  }
};

// Names of the auth-context properties CallAuthenticator adds to an authenticated call.
inline constexpr char kIdentityProperty[] = "trialgate_identity";
inline constexpr char kRoleProperty[] = "trialgate_role";  // one value per role
inline constexpr char kSiteProperty[] = "trialgate_site";

// The caller of the call behind `context`. A call without the properties above (a plaintext
// listener) is the development caller; calls on a TLS listener that were not authenticated
// never reach a service.
Caller CallerOf(const grpc::ServerContextBase& context);

}  // namespace trialgate::security

#endif  // TRIALGATE_GATEWAY_SECURITY_CALLER_H_
