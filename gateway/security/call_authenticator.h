#ifndef TRIALGATE_GATEWAY_SECURITY_CALL_AUTHENTICATOR_H_
#define TRIALGATE_GATEWAY_SECURITY_CALL_AUTHENTICATOR_H_

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "gateway/security/identity.h"
#include "gateway/security/rate_limiter.h"
#include "grpcpp/security/auth_metadata_processor.h"

namespace trialgate::security {

// A call the gateway refused before any service saw it, for the audit log.
struct RefusedCall {
  std::string identity;  // the configured name, or the certificate's subject if unknown
  std::set<Role> roles;
  std::string site;
  std::string method;
  grpc::Status status;
};

// The one place every call on a TLS listener passes before it reaches a service (gRPC runs it
// per call, with the verified client certificate in the auth context): maps the certificate
// to a configured identity (UNAUTHENTICATED if none), checks the access policy for the method
// (PERMISSION_DENIED) and the identity's request rate (RESOURCE_EXHAUSTED), and on success puts
// the identity, its roles and site into the auth context for the services (security::CallerOf).
class CallAuthenticator final : public grpc::AuthMetadataProcessor {
 public:
  CallAuthenticator(std::vector<Identity> identities, double requests_per_second,
                    double request_burst, std::function<void(const RefusedCall&)> on_refused);

  // Cheap and non-blocking: runs inline on gRPC's transport thread.
  bool IsBlocking() const override { return false; }

  grpc::Status Process(const InputMetadata& metadata, grpc::AuthContext* context,
                       OutputMetadata* consumed, OutputMetadata* response) override;

 private:
  grpc::Status Refuse(RefusedCall call);

  const std::vector<Identity> identities_;
  RateLimiter rate_;
  const std::function<void(const RefusedCall&)> on_refused_;
};

}  // namespace trialgate::security

#endif  // TRIALGATE_GATEWAY_SECURITY_CALL_AUTHENTICATOR_H_
