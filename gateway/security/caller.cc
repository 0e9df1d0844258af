#include "gateway/security/caller.h"

#include "grpcpp/security/auth_context.h"

namespace trialgate::security {
namespace {

std::string ToString(const grpc::string_ref& value) {
  return std::string(value.data(), value.size());
}

}  // namespace

Caller CallerOf(const grpc::ServerContextBase& context) {
  Caller caller;
  caller.peer = context.peer();
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  std::vector<grpc::string_ref> identity =
      auth ? auth->FindPropertyValues(kIdentityProperty) : std::vector<grpc::string_ref>{};
  if (identity.empty()) {
    caller.identity = "insecure-development";
    caller.roles = {Role::kSite, Role::kWarehouse, Role::kRegistryAdmin, Role::kAuditor};
    caller.development = true;
    return caller;
  }
  caller.identity = ToString(identity.front());
  for (const grpc::string_ref& name : auth->FindPropertyValues(kRoleProperty)) {
    if (std::optional<Role> role = ParseRole(ToString(name))) caller.roles.insert(*role);
  }
  std::vector<grpc::string_ref> site = auth->FindPropertyValues(kSiteProperty);
  if (!site.empty()) caller.site = ToString(site.front());
  return caller;
}

}  // namespace trialgate::security
