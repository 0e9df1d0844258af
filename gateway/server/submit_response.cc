#include "gateway/server/submit_response.h"

#include "gateway/pipeline/body_validator.h"
#include "gateway/pipeline/operation_outcome.h"
#include "gateway/server/grpc_status.h"

namespace trialgate::server {
namespace {

v1::EntryOutcome::Outcome ToProto(pipeline::EntryResult::Outcome outcome) {
  switch (outcome) {
    case pipeline::EntryResult::Outcome::kAccepted:
      return v1::EntryOutcome::ACCEPTED;
    case pipeline::EntryResult::Outcome::kDuplicate:
      return v1::EntryOutcome::DUPLICATE;
    case pipeline::EntryResult::Outcome::kRejected:
      return v1::EntryOutcome::REJECTED;
  }
  return v1::EntryOutcome::OUTCOME_UNSPECIFIED;
}

}  // namespace

grpc::Status BodyFailureStatus(const pipeline::SubmissionResult& result) {
  v1::OperationOutcomeDetail detail;
  detail.set_operation_outcome(pipeline::OperationOutcomeJson(result.issues));
  const grpc::Status status = ToGrpcStatus(result.status);
  v1::RpcStatus rpc_status;
  rpc_status.set_code(status.error_code());
  rpc_status.set_message(status.error_message());
  rpc_status.add_details()->PackFrom(detail);
  return grpc::Status(status.error_code(), status.error_message(),
                      rpc_status.SerializeAsString());
}

v1::SubmitResponse ToSubmitResponse(const pipeline::SubmissionResult& result,
                                    const std::string& request_id) {
  v1::SubmitResponse response;
  response.set_request_id(request_id);
  if (!result.status.ok()) {
    response.mutable_body_rejection()->set_grpc_code(ToGrpcCode(result.status.code()));
    response.mutable_body_rejection()->set_operation_outcome(
        pipeline::OperationOutcomeJson(result.issues));
    return response;
  }
  for (const pipeline::EntryResult& entry : result.entries) {
    v1::EntryOutcome* out = response.add_entries();
    out->set_entry(entry.entry);
    out->set_outcome(ToProto(entry.outcome));
    for (const std::string& id : entry.event_ids) out->add_event_ids(id);
    out->set_operation_outcome(pipeline::OperationOutcomeJson(entry.issues));
    out->set_resource_type(entry.resource_type);
    out->set_logical_id(entry.logical_id);
  }
  return response;
}

v1::ValidateResponse ToValidateResponse(const pipeline::ValidationResult& result) {
  v1::ValidateResponse response;
  response.set_valid(result.valid());
  response.set_operation_outcome(pipeline::ValidationOutcomeJson(result));
  return response;
}

}  // namespace trialgate::server
