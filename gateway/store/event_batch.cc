#include "gateway/store/event_batch.h"

namespace trialgate::store {
namespace {

// A subject's year is about a megabyte of parsed events: blocks of up to 64 KiB keep the
// allocations few without holding much unused.
google::protobuf::ArenaOptions BatchArenaOptions() {
  google::protobuf::ArenaOptions options;
  options.start_block_size = 4096;
  options.max_block_size = 64 * 1024;
  return options;
}

}  // namespace

EventBatch::EventBatch()
    : arena_(std::make_unique<google::protobuf::Arena>(BatchArenaOptions())) {}

EventBatch::EventBatch(const std::vector<v1::Event>& events) : EventBatch() {
  events_.reserve(events.size());
  for (const v1::Event& event : events) Add(event);
}

v1::Event* EventBatch::Add() {
  events_.push_back(google::protobuf::Arena::CreateMessage<v1::Event>(arena_.get()));
  return events_.back();
}

v1::Event* EventBatch::Add(const v1::Event& event) {
  v1::Event* added = Add();
  *added = event;
  return added;
}

}  // namespace trialgate::store
