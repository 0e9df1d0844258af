#ifndef TRIALGATE_GATEWAY_REGISTRY_SINK_REGISTRY_SINK_SERVICE_H_
#define TRIALGATE_GATEWAY_REGISTRY_SINK_REGISTRY_SINK_SERVICE_H_

#include <cstddef>
#include <functional>
#include <string>

#include "gateway/registry_sink/jsonl_event_sink.h"
#include "trialgate/v1/registry.grpc.pb.h"

namespace trialgate::registry_sink {

// What one Publish did, for the operator's log.
struct PublishSummary {
  std::string destination;
  size_t events = 0;
  size_t kept = 0;
  size_t duplicates = 0;
  size_t rejected = 0;
};

// Registry.Publish as the contract in registry.proto asks: new events kept durably before OK,
// duplicates answered as accepted. An event without an event_id cannot be deduplicated and is
// rejected (INVALID_ARGUMENT) on its own; when the file cannot be written the call fails
// UNAVAILABLE, so the gateway sends the batch again later. Synchronous API: a call holds a
// thread for its fsync. Thread-safe.
class RegistrySinkService final : public v1::Registry::Service {
 public:
  // `sink` must outlive the service. `on_publish` (optional) hears of every call that got OK.
  explicit RegistrySinkService(JsonlEventSink* sink,
                               std::function<void(const PublishSummary&)> on_publish = {})
      : sink_(sink), on_publish_(std::move(on_publish)) {}

  grpc::Status Publish(grpc::ServerContext* context, const v1::PublishRequest* request,
                       v1::PublishResponse* response) override;

 private:
  JsonlEventSink* sink_;
  std::function<void(const PublishSummary&)> on_publish_;
};

}  // namespace trialgate::registry_sink

#endif  // TRIALGATE_GATEWAY_REGISTRY_SINK_REGISTRY_SINK_SERVICE_H_
