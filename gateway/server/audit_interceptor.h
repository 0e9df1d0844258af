#ifndef TRIALGATE_GATEWAY_SERVER_AUDIT_INTERCEPTOR_H_
#define TRIALGATE_GATEWAY_SERVER_AUDIT_INTERCEPTOR_H_

#include <memory>
#include <vector>

#include "gateway/audit/audit_log.h"
#include "gateway/common/clock.h"
#include "gateway/security/call_authenticator.h"
#include "grpcpp/support/server_interceptor.h"

namespace trialgate::server {

// Audits every call the server runs, of every service (also health, reflection and methods it
// does not know): when the call's status is about to be sent, its record (caller, method,
// CallSummary target, status, duration) is appended, and the status goes out only once the
// record is durable. If the log has failed, the status becomes UNAVAILABLE instead (messages
// a stream sent before were already sent). The record's time and duration are read from `clock`.
// `log` and `clock` must outlive the server.
class AuditInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  AuditInterceptorFactory(audit::AuditLog* log, const Clock& clock) : log_(log), clock_(clock) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  audit::AuditLog* log_;
  const Clock& clock_;
};

// For ServerBuilder::experimental().SetInterceptorCreators.
std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
AuditInterceptorCreators(audit::AuditLog* log, const Clock& clock);

// The audit record of a call the authenticator refused at `time` before any service (and so
// before this interceptor) saw it.
audit::AuditRecord RefusedCallRecord(const security::RefusedCall& call, absl::Time time);

}  // namespace trialgate::server

#endif  // TRIALGATE_GATEWAY_SERVER_AUDIT_INTERCEPTOR_H_
