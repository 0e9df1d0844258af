#ifndef TRIALGATE_GATEWAY_STORE_REQUEST_QUEUE_H_
#define TRIALGATE_GATEWAY_STORE_REQUEST_QUEUE_H_

// The queue between a store's callers and its one writer thread: callers push requests, the
// writer takes what is queued, within the group's bounds, as one group (group commit), and
// answers the group's callers in order. Shared by SqliteEventStore and PostgresEventStore.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <utility>
#include <vector>

#include "gateway/store/event_store.h"
#include "gateway/store/ordered_runner.h"

namespace trialgate::store {

// Answers a group's Commit() callers on `runner` (the store's callback thread), in request order,
// while the writer goes on to the next group; outside the store's locks, since a callback may
// call back into the store. callbacks[i] gets results[i]; a null callback is skipped.
inline void AnswerInOrder(OrderedRunner& runner, std::vector<CommitCallback> callbacks,
                          std::vector<CommitResult> results) {
  runner.Post([callbacks = std::move(callbacks), results = std::move(results)]() mutable {
    for (size_t i = 0; i < callbacks.size(); ++i) {
      if (callbacks[i]) callbacks[i](std::move(results[i]));
    }
  });
}

// `Request` has a `size_t weight` (events, or outbox rows named): what max_weight bounds.
// Thread-safe.
template <typename Request>
class RequestQueue {
 public:
  // `linger`: see TakeGroup (zero: none).
  RequestQueue(size_t max_requests, size_t max_weight,
               std::chrono::microseconds linger = std::chrono::microseconds(0))
      : max_requests_(max_requests), max_weight_(max_weight), linger_(linger) {}

  // Queues `request` (moved from) unless the writer has stopped taking requests: then returns
  // false and leaves it for the caller to answer.
  bool TryPush(Request& request) {
    bool wake;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (drained_) return false;
      queue_.push_back(std::move(request));
      // The writer waits for a first request, or, lingering, for as many as it wants.
      wake = queue_.size() == 1 || (linger_target_ > 0 && queue_.size() >= linger_target_);
    }
    if (wake) cv_.notify_one();
    return true;
  }

  // Blocks until there is work. Takes the oldest requests, up to max_requests and max_weight
  // (a single heavier request still goes, alone). Empty once Stop() was called and everything
  // queued has been taken; from then on TryPush refuses.
  std::vector<Request> TakeGroup() {
    std::vector<Request> group;
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) {
      drained_ = true;
      return group;
    }
    // With a linger, after a group of kLingerFrom requests or more, fewer queued now most likely
    // means the callers just answered are sending again: wait up to `linger` for as many as
    // that group held, so that a steady load is written in groups of its size, not in halves.
    if (linger_.count() > 0 && last_group_ >= kLingerFrom && queue_.size() < last_group_) {
      linger_target_ = last_group_;  // within max_requests_, as that group was
      cv_.wait_for(lock, linger_, [this] { return stopping_ || queue_.size() >= linger_target_; });
      linger_target_ = 0;
    }
    size_t weight = 0;
    while (!queue_.empty() && group.size() < max_requests_) {
      const size_t next = queue_.front().weight;
      if (!group.empty() && weight + next > max_weight_) break;
      weight += next;
      group.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    last_group_ = group.size();
    return group;
  }

  // The writer finishes what is queued, then TakeGroup returns empty.
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
  }

  // Whether Stop() was called: the writer may give up retrying what it cannot write.
  bool stopping() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stopping_;
  }

  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return queue_.size();
  }

 private:
  static constexpr size_t kLingerFrom = 8;
  const size_t max_requests_;
  const size_t max_weight_;
  const std::chrono::microseconds linger_;
  size_t last_group_ = 0;       // the writer's: the size of the group it took last
  size_t linger_target_ = 0;    // guarded by mu_: while the writer lingers, how many it waits for
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Request> queue_;  // guarded by mu_
  bool stopping_ = false;      // guarded by mu_
  bool drained_ = false;       // guarded by mu_: no request will be taken any more
};

}  // namespace trialgate::store

#endif  // TRIALGATE_GATEWAY_STORE_REQUEST_QUEUE_H_
