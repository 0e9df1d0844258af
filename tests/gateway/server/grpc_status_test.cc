#include "gateway/server/grpc_status.h"

#include "gtest/gtest.h"

namespace trialgate::server {
namespace {

TEST(GrpcStatusTest, KeepsTheCodeAndTheMessage) {
  const grpc::Status status = ToGrpcStatus(absl::DataLossError("event 7 cannot be parsed"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DATA_LOSS);
  EXPECT_EQ(status.error_message(), "event 7 cannot be parsed");
  EXPECT_EQ(ToGrpcStatus(absl::UnavailableError("busy")).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ToGrpcStatus(absl::InvalidArgumentError("bad")).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

TEST(GrpcStatusTest, ACodeGrpcDoesNotKnowIsUnknown) {
  EXPECT_EQ(ToGrpcCode(static_cast<absl::StatusCode>(42)), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(ToGrpcCode(static_cast<absl::StatusCode>(-1)), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(ToGrpcCode(absl::StatusCode::kUnauthenticated), grpc::StatusCode::UNAUTHENTICATED);
}

TEST(GrpcStatusTest, AContractsCodeKeepsTheMessage) {
  const grpc::Status status =
      ToGrpcStatus(grpc::StatusCode::UNAVAILABLE, absl::InternalError("disk full"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(), "disk full");
}

}  // namespace
}  // namespace trialgate::server
