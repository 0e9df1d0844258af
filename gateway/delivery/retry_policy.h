#ifndef TRIALGATE_GATEWAY_DELIVERY_RETRY_POLICY_H_
#define TRIALGATE_GATEWAY_DELIVERY_RETRY_POLICY_H_

#include <chrono>
#include <random>

#include "grpcpp/support/status.h"

namespace trialgate::delivery {

// Whether a Publish status refuses the events for good (see registry.proto): the receiver said
// they are wrong or not allowed, and resending the same bytes cannot change that. Everything
// else, including codes a receiver should not use, is retried: dropping is never the default.
bool IsPermanent(grpc::StatusCode code);

// Exponential backoff with jitter: the n-th consecutive failure waits a random time between half
// and all of min(initial x 2^(n-1), max), so that many gateways (or destinations) that failed
// together do not retry in lockstep.
class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, unsigned seed);

  // The wait after one more failure.
  std::chrono::milliseconds NextDelay();
  void Reset() { failures_ = 0; }
  int failures() const { return failures_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  int failures_ = 0;
  std::mt19937 random_;
};

}  // namespace trialgate::delivery

#endif  // TRIALGATE_GATEWAY_DELIVERY_RETRY_POLICY_H_
