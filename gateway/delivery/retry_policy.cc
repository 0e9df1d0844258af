#include "gateway/delivery/retry_policy.h"

#include <algorithm>

namespace trialgate::delivery {

bool IsPermanent(grpc::StatusCode code) {
  return code == grpc::StatusCode::INVALID_ARGUMENT ||
         code == grpc::StatusCode::FAILED_PRECONDITION ||
         code == grpc::StatusCode::PERMISSION_DENIED;
}

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, unsigned seed)
    : initial_(std::max(initial, std::chrono::milliseconds(1))),
      max_(std::max(max, initial_)),
      random_(seed) {}

std::chrono::milliseconds Backoff::NextDelay() {
  ++failures_;
  // Doubling stops at the cap, so the shift never overflows.
  std::chrono::milliseconds ceiling = initial_;
  for (int i = 1; i < failures_ && ceiling < max_; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, max_);
  std::uniform_int_distribution<int64_t> jitter(ceiling.count() / 2, ceiling.count());
  return std::chrono::milliseconds(jitter(random_));
}

}  // namespace trialgate::delivery
