#include "gateway/security/grpc_caller.h"

#include "grpcpp/security/auth_context.h"

namespace trialgate::security {
namespace {

std::string ToString(const grpc::string_ref& value) {
  return std::string(value.data(), value.size());
}

}  // namespace

Caller CallerOf(const grpc::ServerContextBase& context) {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  std::vector<grpc::string_ref> identity =
      auth ? auth->FindPropertyValues(kIdentityProperty) : std::vector<grpc::string_ref>{};
  if (identity.empty()) return DevelopmentCaller(context.peer());
  Caller caller;
  caller.peer = context.peer();
  caller.identity = ToString(identity.front());
  for (const grpc::string_ref& name : auth->FindPropertyValues(kRoleProperty)) {
    if (std::optional<Role> role = ParseRole(ToString(name))) caller.roles.insert(*role);
  }
  std::vector<grpc::string_ref> site = auth->FindPropertyValues(kSiteProperty);
  if (!site.empty()) caller.site = ToString(site.front());
  return caller;
}

}  // namespace trialgate::security
