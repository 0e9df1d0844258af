#ifndef TRIALGATE_GATEWAY_COMMON_CLOCK_H_
#define TRIALGATE_GATEWAY_COMMON_CLOCK_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace trialgate {

// The wall clock, as one seam: production reads the system clock, tests move a ManualClock
// (tests/support/manual_clock.h) by hand. Every part that stamps or judges a time (events' recorded_at,
// outbox times, delivery ages and backoffs, audit records, timelines) reads the one it was
// given at server start. Durations measured and loops paced stay on std::chrono::steady_clock.
// Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// The system's wall clock (absl::Now). Never destroyed, so it may be used from any thread at
// any time, also during static destruction.
inline const Clock& SystemClock() {
  class System final : public Clock {
   public:
    absl::Time Now() const override { return absl::Now(); }
  };
  static const System* const clock = new System();
  return *clock;
}

}  // namespace trialgate

#endif  // TRIALGATE_GATEWAY_COMMON_CLOCK_H_
