#include "gateway/cli/client.h"

#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "trialgate/v1/gateway.pb.h"

namespace trialgate::cli {

namespace {

// The command line has checked that the files exist; an unreadable one gives an empty string,
// and the TLS handshake then fails with gRPC's own message.
std::string ReadFile(const std::string& path) {
  if (path.empty()) return "";
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace

std::shared_ptr<grpc::Channel> MakeChannel(const Connection& connection,
                                           bool separate_connection) {
  grpc::ChannelArguments arguments;
  arguments.SetMaxSendMessageSize(-1);
  arguments.SetMaxReceiveMessageSize(-1);
  if (separate_connection) arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  if (connection.ca_file.empty() && connection.cert_file.empty()) {
    return grpc::CreateCustomChannel(connection.target, grpc::InsecureChannelCredentials(),
                                     arguments);
  }
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = ReadFile(connection.ca_file);
  tls.pem_cert_chain = ReadFile(connection.cert_file);
  tls.pem_private_key = ReadFile(connection.key_file);
  if (!connection.server_name.empty()) {
    arguments.SetSslTargetNameOverride(connection.server_name);
  }
  return grpc::CreateCustomChannel(connection.target, grpc::SslCredentials(tls), arguments);
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
