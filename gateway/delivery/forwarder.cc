#include "gateway/delivery/forwarder.h"

#include <utility>


namespace trialgate::delivery {

std::vector<store::OutboxRoute> OutboxRoutes(
    const std::vector<config::DestinationConfig>& destinations) {
  std::vector<store::OutboxRoute> routes;
  for (const config::DestinationConfig& destination : destinations) {
    routes.push_back(store::OutboxRoute{
        destination.name, [kinds = destination.event_kinds,
                           sites = destination.sites](const v1::Event& event) {
          return (kinds.empty() || kinds.count(store::EventKind(event)) > 0) &&
                 (sites.empty() || sites.count(event.site_id()) > 0);
        }});
  }
  return routes;
}

absl::StatusOr<std::unique_ptr<Forwarder>> Forwarder::Start(
    const std::vector<config::DestinationConfig>& destinations, store::Outbox* outbox,
    store::EventStore* events, PublisherFactory publishers, const Clock& clock) {
  if (!publishers) publishers = MakeGrpcPublisher;
  auto forwarder = std::unique_ptr<Forwarder>(new Forwarder());
  for (const config::DestinationConfig& destination : destinations) {
    absl::StatusOr<std::unique_ptr<Publisher>> publisher = publishers(destination);
    if (!publisher.ok()) return publisher.status();
    forwarder->workers_.push_back(std::make_unique<DestinationWorker>(
        destination, outbox, events, *std::move(publisher), clock));
  }
  for (auto& worker : forwarder->workers_) {
    if (absl::Status status = worker->Start(); !status.ok()) return status;
  }
  return forwarder;
}

Forwarder::~Forwarder() { Stop(); }

void Forwarder::Stop() {
  for (auto& worker : workers_) worker->Stop();
}

const DestinationWorker* Forwarder::Find(const std::string& name) const {
  for (const auto& worker : workers_) {
    if (worker->destination().name == name) return worker.get();
  }
  return nullptr;
}

void Forwarder::Wake(const std::string& name) {
  for (auto& worker : workers_) {
    if (worker->destination().name == name) worker->Wake();
  }
}

}  // namespace trialgate::delivery
