#ifndef TRIALGATE_GATEWAY_SERVER_DELIVERY_SERVICE_H_
#define TRIALGATE_GATEWAY_SERVER_DELIVERY_SERVICE_H_

#include <vector>

#include "gateway/config/destination_config.h"
#include "gateway/delivery/forwarder.h"
#include "gateway/store/outbox.h"
#include "trialgate/v1/delivery.grpc.pb.h"

namespace trialgate::server {

// Delivery: destinations' progress and the dead letters, for operators. Thread-safe.
class DeliveryService final : public v1::Delivery::Service {
 public:
  // `outbox` and `forwarder` must outlive the service; `forwarder` is null when no destination
  // is configured.
  DeliveryService(std::vector<config::DestinationConfig> destinations, store::Outbox* outbox,
                  delivery::Forwarder* forwarder)
      : destinations_(std::move(destinations)), outbox_(outbox), forwarder_(forwarder) {}

  grpc::Status ListDestinations(grpc::ServerContext* context,
                                const v1::ListDestinationsRequest* request,
                                v1::ListDestinationsResponse* response) override;
  grpc::Status ListDeadLetters(grpc::ServerContext* context,
                               const v1::ListDeadLettersRequest* request,
                               v1::ListDeadLettersResponse* response) override;
  grpc::Status ReplayDeadLetters(grpc::ServerContext* context,
                                 const v1::DeadLetterSelection* request,
                                 v1::DeadLetterActionResponse* response) override;
  grpc::Status DiscardDeadLetters(grpc::ServerContext* context,
                                  const v1::DeadLetterSelection* request,
                                  v1::DeadLetterActionResponse* response) override;

 private:
  // The store's selection for a request, or INVALID_ARGUMENT saying what is missing.
  grpc::Status ToSelection(const v1::DeadLetterSelection& request,
                           store::DeadLetterSelection* selection) const;
  const config::DestinationConfig* Configured(const std::string& name) const;

  const std::vector<config::DestinationConfig> destinations_;
  store::Outbox* outbox_;
  delivery::Forwarder* forwarder_;
};

}  // namespace trialgate::server

#endif  // TRIALGATE_GATEWAY_SERVER_DELIVERY_SERVICE_H_
