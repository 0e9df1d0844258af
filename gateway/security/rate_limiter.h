#ifndef TRIALGATE_GATEWAY_SECURITY_RATE_LIMITER_H_
#define TRIALGATE_GATEWAY_SECURITY_RATE_LIMITER_H_

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace trialgate::security {

// A token bucket per key (an identity): `per_second` tokens flow in, at most `burst` are kept,
// each call takes one. Keys are the configured identities, so the map stays small.
// Thread-safe.
class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  RateLimiter(double per_second, double burst);

  // True when `key` may make a call at `now` (and takes its token).
  bool TryAcquire(const std::string& key, Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens;
    Clock::time_point refilled;
  };

  const double per_second_;
  const double burst_;
  std::mutex mu_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace trialgate::security

#endif  // TRIALGATE_GATEWAY_SECURITY_RATE_LIMITER_H_
