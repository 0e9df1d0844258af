#ifndef TRIALGATE_GATEWAY_SECURITY_ROLES_H_
#define TRIALGATE_GATEWAY_SECURITY_ROLES_H_

#include <optional>
#include <set>
#include <string>

#include "absl/strings/string_view.h"

namespace trialgate::security {

// What a caller may do (docs/security.md): a hospital feed submits, validates and reads
// timelines for its own site; the sponsor's warehouse pulls the feed; a registry administrator
// runs the delivery operations; an auditor reads the audit log; a monitor (the sponsor's study
// team) reads every site's timelines, the endpoints and the dashboard.
enum class Role { kSite, kWarehouse, kRegistryAdmin, kAuditor, kMonitor };

// "site", "warehouse", "registry-admin", "auditor", "monitor".
absl::string_view RoleName(Role role);
std::optional<Role> ParseRole(absl::string_view name);

// "site,warehouse" in the enum's order; "" for none.
std::string RoleNames(const std::set<Role>& roles);

}  // namespace trialgate::security

#endif  // TRIALGATE_GATEWAY_SECURITY_ROLES_H_
