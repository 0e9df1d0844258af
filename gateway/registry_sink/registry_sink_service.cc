#include "gateway/registry_sink/registry_sink_service.h"

#include "absl/strings/str_cat.h"
#include "gateway/server/grpc_status.h"

namespace trialgate::registry_sink {

grpc::Status RegistrySinkService::Publish(grpc::ServerContext* /*context*/,
                                          const v1::PublishRequest* request,
                                          v1::PublishResponse* response) {
  PublishSummary summary;
  summary.destination = request->destination();
  summary.events = request->events_size();

  // Events without an id are rejected one by one; the rest are kept (copied only then).
  google::protobuf::RepeatedPtrField<v1::Event> with_ids;
  for (int i = 0; i < request->events_size(); ++i) {
    const v1::Event& event = request->events(i);
    if (!event.event_id().empty()) continue;
    if (summary.rejected++ == 0) {
      for (const v1::Event& other : request->events()) {
        if (!other.event_id().empty()) *with_ids.Add() = other;
      }
    }
    v1::EventRejection* rejection = response->add_rejections();
    rejection->set_code(static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
    rejection->set_reason(absl::StrCat("event ", i, " of the batch (sequence ", event.sequence(),
                                       ") has no event_id: it cannot be deduplicated"));
  }

  absl::StatusOr<KeepResult> kept =
      sink_->Keep(summary.rejected == 0 ? request->events() : with_ids);
  if (!kept.ok()) {
    // The contract's answer for "cannot take it right now": the whole batch comes again.
    response->Clear();
    return server::ToGrpcStatus(grpc::StatusCode::UNAVAILABLE, kept.status());
  }
  summary.kept = kept->kept;
  summary.duplicates = kept->duplicates;
  if (on_publish_) on_publish_(summary);
  return grpc::Status::OK;
}

}  // namespace trialgate::registry_sink
