#ifndef TRIALGATE_GATEWAY_SERVER_FEED_SERVICE_H_
#define TRIALGATE_GATEWAY_SERVER_FEED_SERVICE_H_

#include <atomic>

#include "gateway/security/stream_slots.h"
#include "gateway/store/event_store.h"
#include "trialgate/v1/feed.grpc.pb.h"

namespace trialgate::server {

// EventFeed.Pull on the synchronous API: a puller holds a thread, which keeps the follow loop
// plain code; pullers are few (warehouses), submitters are many. Thread-safe.
class FeedService final : public v1::EventFeed::Service {
 public:
  // `store` and `stream_slots` must outlive the service.
  FeedService(store::EventStore* store, security::StreamSlots* stream_slots)
      : store_(store), stream_slots_(stream_slots) {}

  grpc::Status Pull(grpc::ServerContext* context, const v1::PullRequest* request,
                    grpc::ServerWriter<v1::Event>* writer) override;

  // Makes following pulls end (OK) at their next wake-up, for a clean shutdown.
  void StopFollowing() { stopping_ = true; }

 private:
  static constexpr size_t kBatch = 256;

  store::EventStore* store_;
  security::StreamSlots* stream_slots_;
  std::atomic<bool> stopping_{false};
};

}  // namespace trialgate::server

#endif  // TRIALGATE_GATEWAY_SERVER_FEED_SERVICE_H_
