#ifndef TRIALGATE_GATEWAY_HTTP_BOUNDED_TASK_QUEUE_H_
#define TRIALGATE_GATEWAY_HTTP_BOUNDED_TASK_QUEUE_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "httplib.h"

namespace trialgate::http {

// cpp-httplib's connection queue with a bound. The library hands each accepted connection to
// its task queue, whose stock version grows without limit while every worker serves a
// keep-alive connection. Here `workers` threads serve connections, and at most `max_queued`
// wait for a worker to be free; a connection beyond that is served by one overflow thread in "refuse" mode (see
// RefusingThisConnection), which answers its request 503 at once and closes it. When even the
// overflow thread's queue is full, the accepting thread serves the connection itself: accepting
// slows down instead of memory growing.
class BoundedTaskQueue final : public httplib::TaskQueue {
 public:
  BoundedTaskQueue(size_t workers, size_t max_queued);
  ~BoundedTaskQueue() override;

  void enqueue(std::function<void()> task) override;
  void shutdown() override;

  // True on a thread that is serving a connection the queue had no room for: the request
  // handlers answer 503 (Service Unavailable) without doing the work.
  static bool RefusingThisConnection();

 private:
  struct Lane {
    std::deque<std::function<void()>> tasks;
    size_t limit = 0;  // connections waiting or being served
    size_t busy = 0;   // being served
  };
  void Work(Lane& lane, bool refusing);

  std::mutex mu_;
  std::condition_variable ready_;
  Lane served_;
  Lane refused_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace trialgate::http

#endif  // TRIALGATE_GATEWAY_HTTP_BOUNDED_TASK_QUEUE_H_
