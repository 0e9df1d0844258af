#ifndef TRIALGATE_GATEWAY_SERVER_GRPC_STATUS_H_
#define TRIALGATE_GATEWAY_SERVER_GRPC_STATUS_H_

// The one place where the gateway's statuses (absl) become the answers of its gRPC services:
// the code is kept, so a caller can tell "try again" (UNAVAILABLE) from "this will never work"
// (INVALID_ARGUMENT, DATA_LOSS, ...).

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace trialgate::server {

// The gRPC code of an absl code: the same canonical code (both follow google.rpc.Code).
grpc::StatusCode ToGrpcCode(absl::StatusCode code);

// `status` with its code and message.
grpc::Status ToGrpcStatus(const absl::Status& status);

// `status`'s message under `code`: where the service's contract fixes the answer whatever the
// cause (e.g. UNAVAILABLE, "send it again", for any failure to keep a batch).
grpc::Status ToGrpcStatus(grpc::StatusCode code, const absl::Status& status);

}  // namespace trialgate::server

#endif  // TRIALGATE_GATEWAY_SERVER_GRPC_STATUS_H_
