#ifndef TRIALGATE_GATEWAY_SERVER_AUDIT_SERVICE_H_
#define TRIALGATE_GATEWAY_SERVER_AUDIT_SERVICE_H_

#include "gateway/audit/audit_log.h"
#include "trialgate/v1/audit.grpc.pb.h"

namespace trialgate::server {

// The Audit service: checks and reads the running gateway's audit log, up to what its writer
// has made durable (a record being written is not read half). Which callers may use it is the
// role table's business. Thread-safe; `log` must outlive it.
class AuditService final : public v1::Audit::Service {
 public:
  explicit AuditService(const audit::AuditLog* log) : log_(log) {}

  grpc::Status Verify(grpc::ServerContext* context, const v1::VerifyAuditRequest* request,
                      v1::VerifyAuditResponse* response) override;
  grpc::Status Read(grpc::ServerContext* context, const v1::ReadAuditRequest* request,
                    grpc::ServerWriter<v1::AuditLogLine>* writer) override;

 private:
  const audit::AuditLog* log_;
};

}  // namespace trialgate::server

#endif  // TRIALGATE_GATEWAY_SERVER_AUDIT_SERVICE_H_
