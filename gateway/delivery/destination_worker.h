#ifndef TRIALGATE_GATEWAY_DELIVERY_DESTINATION_WORKER_H_
#define TRIALGATE_GATEWAY_DELIVERY_DESTINATION_WORKER_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "gateway/common/clock.h"
#include "gateway/config/destination_config.h"
#include "gateway/delivery/publisher.h"
#include "gateway/delivery/retry_policy.h"
#include "gateway/store/event_store.h"
#include "gateway/store/outbox.h"

namespace trialgate::delivery {

// What a worker is doing, for operators.
struct WorkerState {
  // "idle", "delivering", "backing-off", or "standby" (another replica holds the destination)
  std::string state = "idle";
  std::string last_error;       // empty after a success
  absl::Time last_error_time = absl::InfinitePast();
  absl::Time next_attempt = absl::InfinitePast();  // while backing off
  bool stopped_by_store_failure = false;
};

// Delivers one destination's outbox, one batch at a time, in sequence order, so the events of
// one subject reach the receiver in the order of the log. Only an acknowledgement removes an
// event from the outbox (and raises the cursor), in one store transaction; a crash between the
// receiver's acknowledgement and that transaction means the batch is sent again, with the same
// event ids, for the receiver to deduplicate (at-least-once).
//
// Failures (see registry.proto): a per-event rejection dead-letters that event at once; a
// permanent status for a batch is narrowed down by sending its events one at a time; a transient
// one backs off and retries the same batch, dead-lettering only events older than the maximum
// age. Nothing is ever dropped.
//
// It delivers only while it holds the destination's lease (store::EventStore::TryAcquireLease):
// of several gateway replicas on one store, one delivers a destination and the others stand by
// to take over.
class DestinationWorker {
 public:
  // `outbox` and `events` (the same store) and `clock` must outlive the worker. `clock` judges
  // the maximum age and times the backoff and dead letters.
  DestinationWorker(config::DestinationConfig destination, store::Outbox* outbox,
                    store::EventStore* events, std::unique_ptr<Publisher> publisher,
                    const Clock& clock = SystemClock());
  ~DestinationWorker();

  // Starts the delivery thread. Fails when the store cannot be read.
  absl::Status Start();
  // Stops: ends a Publish in flight, joins the thread. Idempotent.
  void Stop();
  // Looks at the outbox again now (after a replay).
  void Wake();

  const config::DestinationConfig& destination() const { return destination_; }
  WorkerState state() const;

 private:
  void Run();
  // Whether this worker holds the destination's lease, acquiring it if free.
  bool HoldLease();
  // Delivers `entries` (one batch). Returns false when delivery must pause (transient failure,
  // with the backoff set) or stop (store failure or stopping).
  bool Deliver(const std::vector<store::OutboxEntry>& entries);
  // Sends `entries` one at a time to find the ones a permanent batch status was about.
  bool DeliverOneByOne(const std::vector<store::OutboxEntry>& entries);
  // Records a transient failure: dead-letters entries past the maximum age, sets the backoff.
  bool RetryLater(const std::vector<store::OutboxEntry>& entries, const grpc::Status& status);
  bool Settle(store::DeliverySettlement settlement);
  store::DeadLetterRecord DeadLetter(const store::OutboxEntry& entry, int code,
                                     const std::string& reason) const;
  // Waits until `deadline` (by the clock) or stop; returns false when stopping.
  bool SleepUntil(absl::Time deadline);
  bool stopping() const;
  void SetState(const std::string& state);

  const config::DestinationConfig destination_;
  store::Outbox* const outbox_;
  store::EventStore* const events_;
  std::unique_ptr<Publisher> publisher_;
  const Clock& clock_;
  std::unique_ptr<store::OutboxReader> reader_;
  std::unique_ptr<store::Lease> lease_;  // the worker thread's
  Backoff backoff_;  // the worker thread's

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  bool woken_ = false;     // guarded by mu_
  WorkerState state_;      // guarded by mu_
  std::thread thread_;
};

}  // namespace trialgate::delivery

#endif  // TRIALGATE_GATEWAY_DELIVERY_DESTINATION_WORKER_H_
