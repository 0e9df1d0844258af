#ifndef TRIALGATE_TESTS_REGISTRY_REGISTRY_TEST_SUPPORT_H_
#define TRIALGATE_TESTS_REGISTRY_REGISTRY_TEST_SUPPORT_H_

// What tests of Registry receivers share: events to send, and a real gRPC client.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "grpcpp/channel.h"
#include "grpcpp/support/status.h"
#include "trialgate/v1/registry.grpc.pb.h"

namespace trialgate::testing {

// An event as the gateway forwards it: id, subject, sequence and a lab-result payload.
v1::Event TestEvent(const std::string& event_id, const std::string& subject_id, uint64_t sequence);

// A Publish request to `destination` carrying `events` in order.
v1::PublishRequest Batch(const std::vector<v1::Event>& events,
                         const std::string& destination = "test-registry");

std::vector<std::string> EventIds(const std::vector<v1::Event>& events);

// A Registry client. Its channel retries connecting quickly, so that calls after a receiver's
// restart do not sit out gRPC's default reconnect backoff of a second and more.
class RegistryClient {
 public:
  explicit RegistryClient(const std::string& address);

  // One Publish with `timeout`. `wait_for_ready`: wait (within the timeout) for a receiver that
  // is restarting instead of failing at once.
  grpc::Status Publish(const v1::PublishRequest& request, v1::PublishResponse* response,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10),
                       bool wait_for_ready = false);
  // Publish that must answer OK with no rejections (waits for the receiver to be ready).
  void PublishOk(const v1::PublishRequest& request);

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Registry::Stub> stub_;
};

}  // namespace trialgate::testing

#endif  // TRIALGATE_TESTS_REGISTRY_REGISTRY_TEST_SUPPORT_H_
