#ifndef TRIALGATE_GATEWAY_SECURITY_STREAM_SLOTS_H_
#define TRIALGATE_GATEWAY_SECURITY_STREAM_SLOTS_H_

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"

namespace trialgate::security {

// Counts the streams each caller holds open, so that one client cannot take every server
// thread (a following Pull holds one for as long as it runs). Thread-safe.
class StreamSlots {
 public:
  explicit StreamSlots(size_t max_per_caller) : max_per_caller_(max_per_caller) {}

  // Held for as long as the stream runs; gives the slot back when destroyed.
  class Lease {
   public:
    Lease(StreamSlots* slots, std::string key) : slots_(slots), key_(std::move(key)) {}
    ~Lease() { slots_->Release(key_); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

   private:
    StreamSlots* slots_;
    std::string key_;
  };

  // A lease for one more stream of `key`, or RESOURCE_EXHAUSTED when it already holds the
  // maximum (the message says how many and how to raise it).
  absl::StatusOr<std::unique_ptr<Lease>> Acquire(const std::string& key);

  size_t open(const std::string& key);

 private:
  void Release(const std::string& key);

  const size_t max_per_caller_;
  std::mutex mu_;
  std::map<std::string, size_t> open_;  // only keys with open streams
};

}  // namespace trialgate::security

#endif  // TRIALGATE_GATEWAY_SECURITY_STREAM_SLOTS_H_
