#include "gateway/cli/client.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "trialgate/v1/gateway.pb.h"

namespace trialgate::cli {

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target, bool separate_connection) {
  grpc::ChannelArguments arguments;
  arguments.SetMaxSendMessageSize(-1);
  arguments.SetMaxReceiveMessageSize(-1);
  if (separate_connection) arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), arguments);
}

std::string OperationOutcomeOf(const grpc::Status& status) {
  v1::RpcStatus rpc_status;
  if (status.error_details().empty() || !rpc_status.ParseFromString(status.error_details())) {
    return "";
  }
  for (const auto& any : rpc_status.details()) {
    v1::OperationOutcomeDetail detail;
    if (any.UnpackTo(&detail)) return detail.operation_outcome();
  }
  return "";
}

std::string DescribeStatus(const grpc::Status& status) {
  return absl::StrCat(absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())),
                      ": ", status.error_message());
}

}  // namespace trialgate::cli
