#ifndef TRIALGATE_GATEWAY_STORE_ORDERED_RUNNER_H_
#define TRIALGATE_GATEWAY_STORE_ORDERED_RUNNER_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace trialgate::store {

// Runs tasks one at a time, in the order they were posted, on a thread of its own. The store
// answers commits through one, so that answering callers (serialising responses, gRPC sends)
// overlaps with the next group's writes instead of delaying them. Thread-safe.
class OrderedRunner {
 public:
  OrderedRunner();
  // Runs every task already posted, then joins the thread.
  ~OrderedRunner();

  OrderedRunner(const OrderedRunner&) = delete;
  OrderedRunner& operator=(const OrderedRunner&) = delete;

  void Post(std::function<void()> task);

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::thread thread_;
};

}  // namespace trialgate::store

#endif  // TRIALGATE_GATEWAY_STORE_ORDERED_RUNNER_H_
