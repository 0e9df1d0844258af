#ifndef TRIALGATE_GATEWAY_SECURITY_CALLER_H_
#define TRIALGATE_GATEWAY_SECURITY_CALLER_H_

#include <set>
#include <string>

#include "gateway/security/roles.h"

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

// The caller on a plaintext (--insecure) listener, whatever the channel: no identity, every
// role, the site taken from the request. `peer` names the connection (its share of the limits).
Caller DevelopmentCaller(std::string peer);

}  // namespace trialgate::security

#endif  // TRIALGATE_GATEWAY_SECURITY_CALLER_H_
