#ifndef TRIALGATE_GATEWAY_DELIVERY_PUBLISHER_H_
#define TRIALGATE_GATEWAY_DELIVERY_PUBLISHER_H_

#include <chrono>
#include <memory>

#include "absl/status/statusor.h"
#include "gateway/config/destination_config.h"
#include "grpcpp/support/status.h"
#include "trialgate/v1/registry.pb.h"

namespace trialgate::delivery {

// Sends one batch to one destination's Registry.Publish.
class Publisher {
 public:
  virtual ~Publisher() = default;
  virtual grpc::Status Publish(const v1::PublishRequest& request, v1::PublishResponse* response,
                               std::chrono::milliseconds deadline) = 0;
  // Ends a Publish in flight (it returns CANCELLED) so that a stop need not wait its deadline.
  virtual void Cancel() = 0;
};

// A gRPC publisher for the destination: TLS from its config (mutual TLS with a client
// certificate), or plaintext when it says "insecure". Fails when a TLS file cannot be read.
absl::StatusOr<std::unique_ptr<Publisher>> MakeGrpcPublisher(
    const config::DestinationConfig& destination);

}  // namespace trialgate::delivery

#endif  // TRIALGATE_GATEWAY_DELIVERY_PUBLISHER_H_
