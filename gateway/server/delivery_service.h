#ifndef TRIALGATE_GATEWAY_SERVER_DELIVERY_SERVICE_H_
#define TRIALGATE_GATEWAY_SERVER_DELIVERY_SERVICE_H_

#include <vector>

#include "gateway/common/clock.h"
#include "gateway/config/destination_config.h"
#include "gateway/delivery/forwarder.h"
#include "gateway/store/outbox.h"
#include "trialgate/v1/delivery.grpc.pb.h"

namespace trialgate::server {

// Delivery: destinations' progress and the dead letters, for operators. Thread-safe.
class DeliveryService final : public v1::Delivery::Service {
 public:
  // `outbox`, `forwarder` and `clock` must outlive the service; `forwarder` is null when no
  // destination is configured. `clock` is what a destination's lag is measured against.
  DeliveryService(std::vector<config::DestinationConfig> destinations, store::Outbox* outbox,
                  delivery::Forwarder* forwarder, const Clock& clock)
      : destinations_(std::move(destinations)),
        outbox_(outbox),
        forwarder_(forwarder),
        clock_(clock) {}

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
  const Clock& clock_;
};

}  // namespace trialgate::server

#endif  // TRIALGATE_GATEWAY_SERVER_DELIVERY_SERVICE_H_
