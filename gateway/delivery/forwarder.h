#ifndef TRIALGATE_GATEWAY_DELIVERY_FORWARDER_H_
#define TRIALGATE_GATEWAY_DELIVERY_FORWARDER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/config/destination_config.h"
#include "gateway/delivery/destination_worker.h"
#include "gateway/delivery/publisher.h"
#include "gateway/store/event_store.h"
#include "gateway/store/outbox.h"

namespace trialgate::delivery {

// The store's outbox routes for the configured destinations: an event goes to a destination
// when its kind and its site pass the destination's filters (an empty filter passes all).
std::vector<store::OutboxRoute> OutboxRoutes(
    const std::vector<config::DestinationConfig>& destinations);

using PublisherFactory = std::function<absl::StatusOr<std::unique_ptr<Publisher>>(
    const config::DestinationConfig&)>;

// One delivery worker per configured destination.
class Forwarder {
 public:
  // Starts a worker per destination over `outbox`/`events` (the same store, which must outlive
  // the forwarder, as must `clock`). `publishers` defaults to gRPC. Fails when a destination's
  // TLS files cannot be read or the store cannot be read.
  static absl::StatusOr<std::unique_ptr<Forwarder>> Start(
      const std::vector<config::DestinationConfig>& destinations, store::Outbox* outbox,
      store::EventStore* events, PublisherFactory publishers = {},
      const Clock& clock = SystemClock());

  ~Forwarder();
  // Stops every worker (a Publish in flight is cancelled; its batch goes again next time).
  void Stop();

  // The worker of `name`, or nullptr if no such destination is configured.
  const DestinationWorker* Find(const std::string& name) const;
  // Makes the destination's worker look at its outbox now (after a replay).
  void Wake(const std::string& name);
  const std::vector<std::unique_ptr<DestinationWorker>>& workers() const { return workers_; }

 private:
  std::vector<std::unique_ptr<DestinationWorker>> workers_;
};

}  // namespace trialgate::delivery

#endif  // TRIALGATE_GATEWAY_DELIVERY_FORWARDER_H_
