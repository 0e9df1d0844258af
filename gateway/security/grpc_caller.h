#ifndef TRIALGATE_GATEWAY_SECURITY_GRPC_CALLER_H_
#define TRIALGATE_GATEWAY_SECURITY_GRPC_CALLER_H_

#include "gateway/security/caller.h"
#include "grpcpp/server_context.h"

namespace trialgate::security {

// Names of the auth-context properties CallAuthenticator adds to an authenticated call.
inline constexpr char kIdentityProperty[] = "trialgate_identity";
inline constexpr char kRoleProperty[] = "trialgate_role";  // one value per role
inline constexpr char kSiteProperty[] = "trialgate_site";

// The caller of the gRPC call behind `context`. A call without the properties above (a
// plaintext listener) is the development caller; calls on a TLS listener that were not
// authenticated never reach a service.
Caller CallerOf(const grpc::ServerContextBase& context);

}  // namespace trialgate::security

#endif  // TRIALGATE_GATEWAY_SECURITY_GRPC_CALLER_H_
