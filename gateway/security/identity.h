#ifndef TRIALGATE_GATEWAY_SECURITY_IDENTITY_H_
#define TRIALGATE_GATEWAY_SECURITY_IDENTITY_H_

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "gateway/security/roles.h"

namespace trialgate::security {

// One caller the gateway knows (config "identities"): the client certificate that proves it,
// matched by the certificate's subject or one of its subject alternative names, and what it
// may do.
struct Identity {
  std::string name;     // shown in the audit log and in messages
  std::string subject;  // exact subject as gRPC reports it (RFC 2253 order): "CN=site-a,O=Trial"
  std::string san;      // or one subject alternative name: "site-a.trial.example"
  std::set<Role> roles;
  std::string site;     // required with the site role: the only site it acts for
};

// What a verified client certificate shows: its subject and subject alternative names.
struct CertificateNames {
  std::string subject;
  std::vector<std::string> sans;
};

// The identity a certificate maps to: the first whose subject equals the certificate's, or
// whose san is among the certificate's. None: the certificate is valid but nobody configured it.
const Identity* MatchIdentity(const std::vector<Identity>& identities,
                              const CertificateNames& names);

}  // namespace trialgate::security

#endif  // TRIALGATE_GATEWAY_SECURITY_IDENTITY_H_
