#ifndef TRIALGATE_GATEWAY_STORE_EVENT_BATCH_H_
#define TRIALGATE_GATEWAY_STORE_EVENT_BATCH_H_

// Events allocated together on one protobuf arena and freed together. A subject's events are
// read, placed on its timeline and dropped as one; allocating and freeing each message and each
// of its strings on its own was a fifth of a cold study report (docs/performance.md).

#include <cstddef>
#include <memory>
#include <vector>

#include "google/protobuf/arena.h"
#include "trialgate/v1/events.pb.h"

namespace trialgate::store {

class EventBatch {
 public:
  EventBatch();
  // A batch of copies of `events`, in their order.
  explicit EventBatch(const std::vector<v1::Event>& events);
  EventBatch(EventBatch&&) noexcept = default;
  EventBatch& operator=(EventBatch&&) noexcept = default;

  // A new empty event at the end, owned by the batch: valid as long as the batch (moves of the
  // batch included).
  v1::Event* Add();
  // A copy of `event` at the end.
  v1::Event* Add(const v1::Event& event);

  // The events in the order added.
  const std::vector<v1::Event*>& events() const { return events_; }
  size_t size() const { return events_.size(); }
  bool empty() const { return events_.empty(); }
  const v1::Event& front() const { return *events_.front(); }
  const v1::Event& back() const { return *events_.back(); }

 private:
  std::unique_ptr<google::protobuf::Arena> arena_;
  std::vector<v1::Event*> events_;
};

}  // namespace trialgate::store

#endif  // TRIALGATE_GATEWAY_STORE_EVENT_BATCH_H_
