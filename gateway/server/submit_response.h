#ifndef TRIALGATE_GATEWAY_SERVER_SUBMIT_RESPONSE_H_
#define TRIALGATE_GATEWAY_SERVER_SUBMIT_RESPONSE_H_

#include <string>

#include "gateway/pipeline/pipeline.h"
#include "grpcpp/support/status.h"
#include "trialgate/v1/gateway.pb.h"

namespace trialgate::server {

// The gRPC status of a pipeline result whose body was unusable: the code follows the absl
// code, and the details carry an RpcStatus with the OperationOutcome.
// REQUIRES: !result.status.ok().
grpc::Status BodyFailureStatus(const pipeline::SubmissionResult& result);

// The wire form of a pipeline result: per-entry outcomes, or body_rejection when the body was
// unusable (the streaming form of BodyFailureStatus).
v1::SubmitResponse ToSubmitResponse(const pipeline::SubmissionResult& result,
                                    const std::string& request_id);

// The wire form of a validation: valid, and the OperationOutcome (an information issue saying
// so when there is nothing to report, as FHIR's $validate does).
v1::ValidateResponse ToValidateResponse(const pipeline::ValidationResult& result);

}  // namespace trialgate::server

#endif  // TRIALGATE_GATEWAY_SERVER_SUBMIT_RESPONSE_H_
