#ifndef TRIALGATE_GATEWAY_CLI_CLIENT_H_
#define TRIALGATE_GATEWAY_CLI_CLIENT_H_

#include <memory>
#include <string>

#include "grpcpp/channel.h"
#include "grpcpp/support/status.h"

namespace trialgate::cli {

// A channel to the gateway at `target` ("host:port"). `separate_connection` gives the channel
// its own TCP connection (load tests); otherwise channels to one target share one.
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target,
                                           bool separate_connection = false);

// The FHIR OperationOutcome JSON carried in a failed call's details, or "" if there is none.
std::string OperationOutcomeOf(const grpc::Status& status);

// "CODE_NAME: message" for messages to a person.
std::string DescribeStatus(const grpc::Status& status);

}  // namespace trialgate::cli

#endif  // TRIALGATE_GATEWAY_CLI_CLIENT_H_
