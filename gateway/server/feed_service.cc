#include "gateway/server/feed_service.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <string>

#include "gateway/security/grpc_caller.h"
#include "gateway/server/grpc_status.h"

namespace trialgate::server {

grpc::Status FeedService::Pull(grpc::ServerContext* context, const v1::PullRequest* request,
                               grpc::ServerWriter<v1::Event>* writer) {
  absl::StatusOr<std::unique_ptr<security::StreamSlots::Lease>> lease =
      stream_slots_->Acquire(security::CallerOf(*context).limit_key());
  if (!lease.ok()) return ToGrpcStatus(lease.status());  // RESOURCE_EXHAUSTED
  absl::StatusOr<std::unique_ptr<store::EventReader>> reader = store_->OpenReader();
  if (!reader.ok()) return ToGrpcStatus(reader.status());
  uint64_t cursor = request->after();
  uint64_t remaining =
      request->limit() == 0 ? std::numeric_limits<uint64_t>::max() : request->limit();

  while (remaining > 0 && !context->IsCancelled()) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(kBatch, remaining));
    absl::StatusOr<std::vector<v1::Event>> batch = (*reader)->ReadAfter(cursor, want);
    // The store's code: UNAVAILABLE is worth a retry, INTERNAL or DATA_LOSS is not.
    if (!batch.ok()) return ToGrpcStatus(batch.status());
    for (const v1::Event& event : *batch) {
      if (!writer->Write(event)) return grpc::Status::OK;  // the client went away
      cursor = event.sequence();
      --remaining;
    }
    if (batch->size() == want) continue;  // there may be more right away
    if (!request->follow()) return grpc::Status::OK;
    // Caught up: wait for the next commit, waking now and then to notice a cancel.
    while (!context->IsCancelled() && !stopping_ &&
           !store_->WaitForSequenceAbove(cursor, std::chrono::milliseconds(200))) {
    }
    if (stopping_) return grpc::Status::OK;
  }
  return context->IsCancelled() ? grpc::Status(grpc::StatusCode::CANCELLED, "cancelled")
                                : grpc::Status::OK;
}

}  // namespace trialgate::server