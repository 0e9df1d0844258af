#include "gateway/server/grpc_status.h"

#include <string>
#include <utility>

namespace trialgate::server {
namespace {

// absl and gRPC number the canonical codes alike; ToGrpcCode relies on it, checked here for
// every code.
constexpr std::pair<absl::StatusCode, grpc::StatusCode> kSameCodes[] = {
    {absl::StatusCode::kOk, grpc::StatusCode::OK},
    {absl::StatusCode::kCancelled, grpc::StatusCode::CANCELLED},
    {absl::StatusCode::kUnknown, grpc::StatusCode::UNKNOWN},
    {absl::StatusCode::kInvalidArgument, grpc::StatusCode::INVALID_ARGUMENT},
    {absl::StatusCode::kDeadlineExceeded, grpc::StatusCode::DEADLINE_EXCEEDED},
    {absl::StatusCode::kNotFound, grpc::StatusCode::NOT_FOUND},
    {absl::StatusCode::kAlreadyExists, grpc::StatusCode::ALREADY_EXISTS},
    {absl::StatusCode::kPermissionDenied, grpc::StatusCode::PERMISSION_DENIED},
    {absl::StatusCode::kResourceExhausted, grpc::StatusCode::RESOURCE_EXHAUSTED},
    {absl::StatusCode::kFailedPrecondition, grpc::StatusCode::FAILED_PRECONDITION},
    {absl::StatusCode::kAborted, grpc::StatusCode::ABORTED},
    {absl::StatusCode::kOutOfRange, grpc::StatusCode::OUT_OF_RANGE},
    {absl::StatusCode::kUnimplemented, grpc::StatusCode::UNIMPLEMENTED},
    {absl::StatusCode::kInternal, grpc::StatusCode::INTERNAL},
    {absl::StatusCode::kUnavailable, grpc::StatusCode::UNAVAILABLE},
    {absl::StatusCode::kDataLoss, grpc::StatusCode::DATA_LOSS},
    {absl::StatusCode::kUnauthenticated, grpc::StatusCode::UNAUTHENTICATED},
};

constexpr bool NumberedAlike() {
  for (const auto& [absl_code, grpc_code] : kSameCodes) {
    if (static_cast<int>(absl_code) != static_cast<int>(grpc_code)) return false;
  }
  return true;
}
static_assert(NumberedAlike(), "absl and gRPC number a canonical code differently");

}  // namespace

grpc::StatusCode ToGrpcCode(absl::StatusCode code) {
  const int number = static_cast<int>(code);
  // absl::StatusCode may carry numbers outside 0-16 (it is an open enum); gRPC has no such code.
  if (number < 0 || number > static_cast<int>(grpc::StatusCode::UNAUTHENTICATED)) {
    return grpc::StatusCode::UNKNOWN;
  }
  return static_cast<grpc::StatusCode>(number);
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  return ToGrpcStatus(ToGrpcCode(status.code()), status);
}

grpc::Status ToGrpcStatus(grpc::StatusCode code, const absl::Status& status) {
  if (code == grpc::StatusCode::OK) return grpc::Status::OK;
  return grpc::Status(code, std::string(status.message()));
}

}  // namespace trialgate::server
