#ifndef TRIALGATE_TESTS_SUPPORT_MANUAL_CLOCK_H_
#define TRIALGATE_TESTS_SUPPORT_MANUAL_CLOCK_H_

#include <mutex>

#include "absl/time/time.h"
#include "gateway/common/clock.h"

namespace trialgate::testing {

// A clock a test sets and moves by hand; every part given it (store, workers, timelines, the
// whole server) reads the same time. It stands still between moves. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(absl::Time now) : now_(now) {}

  absl::Time Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void Set(absl::Time now) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ = now;
  }
  void Advance(absl::Duration by) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += by;
  }

 private:
  mutable std::mutex mu_;
  absl::Time now_;  // guarded by mu_
};

}  // namespace trialgate::testing

#endif  // TRIALGATE_TESTS_SUPPORT_MANUAL_CLOCK_H_
