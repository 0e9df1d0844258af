#ifndef TRIALGATE_GATEWAY_CLI_CLIENT_H_
#define TRIALGATE_GATEWAY_CLI_CLIENT_H_

#include <memory>
#include <string>

#include "grpcpp/channel.h"
#include "grpcpp/support/status.h"

namespace trialgate::cli {

inline constexpr char kDefaultTarget[] = "127.0.0.1:50051";

// Where and how a client command reaches the gateway (--target, --ca, --cert, --key,
// --server-name; or TRIALGATE_TARGET, TRIALGATE_CA, TRIALGATE_CERT, TRIALGATE_KEY).
struct Connection {
  std::string target = kDefaultTarget;  // "host:port"
  std::string ca_file;      // PEM CA of the gateway's certificate: set, the call uses TLS
  std::string cert_file;    // PEM client certificate and key: the caller's identity (mTLS)
  std::string key_file;
  std::string server_name;  // the name checked in the gateway's certificate, if not the host
};

// A channel to the gateway: TLS when the connection names a CA or a client certificate, else
// plaintext (a gateway started with --insecure). `separate_connection` gives the channel its
// own TCP connection (load tests); otherwise channels to one target share one.
std::shared_ptr<grpc::Channel> MakeChannel(const Connection& connection,
                                           bool separate_connection = false);

// The FHIR OperationOutcome JSON carried in a failed call's details, or "" if there is none.
std::string OperationOutcomeOf(const grpc::Status& status);

// "CODE_NAME: message" for messages to a person.
std::string DescribeStatus(const grpc::Status& status);

}  // namespace trialgate::cli

#endif  // TRIALGATE_GATEWAY_CLI_CLIENT_H_
