#include "gateway/http/bounded_task_queue.h"

#include <utility>

namespace trialgate::http {
namespace {

thread_local bool refusing = false;

// Room for connections that arrive while the queue is full, each answered 503 at once.
constexpr size_t kMaxRefusedWaiting = 64;

}  // namespace

BoundedTaskQueue::BoundedTaskQueue(size_t workers, size_t max_queued) {
  served_.limit = workers + max_queued;
  refused_.limit = 1 + kMaxRefusedWaiting;
  for (size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { Work(served_, false); });
  threads_.emplace_back([this] { Work(refused_, true); });
}

BoundedTaskQueue::~BoundedTaskQueue() { shutdown(); }

bool BoundedTaskQueue::RefusingThisConnection() { return refusing; }

void BoundedTaskQueue::enqueue(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (Lane* lane : {&served_, &refused_}) {
      if (lane->tasks.size() + lane->busy < lane->limit) {
        lane->tasks.push_back(std::move(task));
        ready_.notify_all();
        return;
      }
    }
  }
  // Both lanes full: refuse on the accepting thread, which stops accepting meanwhile.
  refusing = true;
  task();
  refusing = false;
}

void BoundedTaskQueue::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  ready_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

void BoundedTaskQueue::Work(Lane& lane, bool refusing_lane) {
  refusing = refusing_lane;
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ready_.wait(lock, [&] { return stopping_ || !lane.tasks.empty(); });
      if (lane.tasks.empty()) return;  // stopping, and every queued connection served
      task = std::move(lane.tasks.front());
      lane.tasks.pop_front();
      ++lane.busy;
    }
    task();
    std::lock_guard<std::mutex> lock(mu_);
    --lane.busy;
  }
}

}  // namespace trialgate::http
