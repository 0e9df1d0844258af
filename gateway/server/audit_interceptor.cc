#include "gateway/server/audit_interceptor.h"

#include <mutex>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "gateway/audit/caller_record.h"
#include "gateway/security/grpc_caller.h"
#include "gateway/server/call_summary.h"
#include "gateway/server/grpc_status.h"
#include "grpcpp/server_context.h"

namespace trialgate::server {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::InterceptorBatchMethods;

// The record of one call, built up as its batches pass. Hooks of one call may run on several
// threads (a stream's reads and writes), hence the mutex.
class AuditInterceptor final : public grpc::experimental::Interceptor {
 public:
  AuditInterceptor(grpc::experimental::ServerRpcInfo* info, audit::AuditLog* log,
                   const Clock& clock)
      : info_(info),
        log_(log),
        clock_(clock),
        method_(info->method() != nullptr ? info->method() : ""),
        summary_(method_),
        start_(clock_.Now()) {}

  ~AuditInterceptor() override {
    // gRPC always sends a status; should a call still end without one, it is audited anyway.
    if (!recorded_) {
      log_->AppendAsync(Record(grpc::Status(grpc::StatusCode::UNKNOWN,
                                            "the call ended without a status")),
                        [](const absl::Status&) {});
    }
  }

  void Intercept(InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_CANCEL)) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      // The first batch of every call: the context is complete, the call is live.
      if (!caller_.has_value()) caller_ = security::CallerOf(*info_->server_context());
      if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE)) {
        summary_.OnRequest(methods->GetRecvMessage());
      }
      if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_MESSAGE)) {
        summary_.OnResponse(methods->GetSendMessage());
      }
    }
    if (!methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      methods->Proceed();
      return;
    }
    audit::AuditRecord record = [&] {
      std::lock_guard<std::mutex> lock(mu_);
      recorded_ = true;
      return Record(methods->GetSendStatus());
    }();
    // The status (and a unary call's response, sent in the same batch) is held back until the
    // record is durable: a call the client sees as done is a call on record.
    log_->AppendAsync(std::move(record), [methods](const absl::Status& written) {
      if (!written.ok()) {
        methods->ModifySendStatus(ToGrpcStatus(grpc::StatusCode::UNAVAILABLE, written));
      }
      methods->Proceed();
    });
  }

 private:
  // REQUIRES: mu_ held, or the call over (destructor).
  audit::AuditRecord Record(const grpc::Status& status) {
    const security::Caller caller = caller_.value_or(security::Caller());
    audit::AuditRecord record = audit::RecordFor(caller, start_);
    record.rpc = method_;
    record.target = summary_.Target(status);
    record.code = absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code()));
    record.message = summary_.Message(status);
    record.duration = clock_.Now() - start_;
    return record;
  }

  grpc::experimental::ServerRpcInfo* info_;
  audit::AuditLog* log_;
  const Clock& clock_;
  const std::string method_;
  std::mutex mu_;
  std::optional<security::Caller> caller_;
  CallSummary summary_;
  const absl::Time start_;
  bool recorded_ = false;
};

}  // namespace

audit::AuditRecord RefusedCallRecord(const security::RefusedCall& call, absl::Time time) {
  audit::AuditRecord record;
  record.time = time;
  record.identity = call.identity;
  for (security::Role role : call.roles) record.roles.emplace_back(security::RoleName(role));
  record.site = call.site;
  record.rpc = call.method;
  record.code = absl::StatusCodeToString(static_cast<absl::StatusCode>(call.status.error_code()));
  record.message = call.status.error_message();
  return record;
}

grpc::experimental::Interceptor* AuditInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new AuditInterceptor(info, log_, clock_);
}

std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
AuditInterceptorCreators(audit::AuditLog* log, const Clock& clock) {
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  creators.push_back(std::make_unique<AuditInterceptorFactory>(log, clock));
  return creators;
}

}  // namespace trialgate::server
