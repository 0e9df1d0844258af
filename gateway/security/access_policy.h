#ifndef TRIALGATE_GATEWAY_SECURITY_ACCESS_POLICY_H_
#define TRIALGATE_GATEWAY_SECURITY_ACCESS_POLICY_H_

#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gateway/security/roles.h"

namespace trialgate::security {

// Which roles may call an RPC: the one table of who may do what (docs/security.md).
struct AccessRule {
  std::set<Role> roles;    // any one of them suffices
  bool any_identity = false;  // every configured identity (health checks, reflection)
};

// The rule for a full method name ("/trialgate.v1.Gateway/Submit"); none for a method the
// gateway does not serve.
const AccessRule* RuleFor(absl::string_view method);

// OK when a caller holding `roles` (named `identity`) may call `method`; otherwise
// PERMISSION_DENIED naming the identity, the method and the roles that may call it.
absl::Status Authorize(absl::string_view identity, const std::set<Role>& roles,
                       absl::string_view method);

}  // namespace trialgate::security

#endif  // TRIALGATE_GATEWAY_SECURITY_ACCESS_POLICY_H_
