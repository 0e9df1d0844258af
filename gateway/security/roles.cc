#include "gateway/security/roles.h"

#include "absl/strings/str_join.h"

namespace trialgate::security {

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kSite:
      return "site";
    case Role::kWarehouse:
      return "warehouse";
    case Role::kRegistryAdmin:
      return "registry-admin";
    case Role::kAuditor:
      return "auditor";
    case Role::kMonitor:
      return "monitor";
  }
  return "unknown";
}

std::optional<Role> ParseRole(absl::string_view name) {
  for (Role role : {Role::kSite, Role::kWarehouse, Role::kRegistryAdmin, Role::kAuditor,
                    Role::kMonitor}) {
    if (RoleName(role) == name) return role;
  }
  return std::nullopt;
}

std::string RoleNames(const std::set<Role>& roles) {
  return absl::StrJoin(roles, ",", [](std::string* out, Role role) {
    out->append(RoleName(role).data(), RoleName(role).size());
  });
}

}  // namespace trialgate::security
