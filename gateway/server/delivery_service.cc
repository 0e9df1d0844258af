#include "gateway/server/delivery_service.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gateway/server/grpc_status.h"
#include "google/protobuf/util/time_util.h"

namespace trialgate::server {
namespace {

void SetTime(int64_t unix_ms, google::protobuf::Timestamp* out) {
  *out = google::protobuf::util::TimeUtil::MillisecondsToTimestamp(unix_ms);
}

void SetTime(absl::Time time, google::protobuf::Timestamp* out) {
  SetTime(absl::ToUnixMillis(time), out);
}

void ToProto(const store::DeadLetterRecord& record, v1::DeadLetter* out) {
  out->set_destination(record.destination);
  out->set_sequence(record.sequence);
  out->set_event_id(record.event_id);
  out->set_subject_id(record.subject_id);
  out->set_event_kind(record.event_kind);
  out->set_code(record.code);
  out->set_reason(record.reason);
  out->set_attempts(record.attempts);
  SetTime(record.enqueued_unix_ms, out->mutable_enqueued_time());
  SetTime(record.dead_lettered_unix_ms, out->mutable_dead_lettered_time());
  if (record.discarded_unix_ms != 0) {
    SetTime(record.discarded_unix_ms, out->mutable_discarded_time());
  }
}

}  // namespace

const config::DestinationConfig* DeliveryService::Configured(const std::string& name) const {
  for (const config::DestinationConfig& destination : destinations_) {
    if (destination.name == name) return &destination;
  }
  return nullptr;
}

grpc::Status DeliveryService::ListDestinations(grpc::ServerContext*,
                                               const v1::ListDestinationsRequest*,
                                               v1::ListDestinationsResponse* response) {
  std::vector<std::string> names;
  for (const config::DestinationConfig& destination : destinations_) {
    names.push_back(destination.name);
  }
  absl::StatusOr<std::vector<store::DestinationProgress>> progress = outbox_->Progress(names);
  if (!progress.ok()) return ToGrpcStatus(progress.status());
  const absl::Time now = clock_.Now();
  for (const store::DestinationProgress& entry : *progress) {
    v1::DestinationStatus* status = response->add_destinations();
    status->set_name(entry.destination);
    status->set_cursor(entry.cursor);
    status->set_pending_events(entry.pending_events);
    if (entry.pending_events > 0 && entry.oldest_pending_unix_ms > 0) {
      status->set_lag_seconds(std::max(
          0.0, absl::ToDoubleSeconds(now - absl::FromUnixMillis(entry.oldest_pending_unix_ms))));
    }
    status->set_delivered_events(entry.delivered_events);
    status->set_dead_letters(entry.dead_letters);
    const config::DestinationConfig* configured = Configured(entry.destination);
    const delivery::DestinationWorker* worker =
        forwarder_ != nullptr ? forwarder_->Find(entry.destination) : nullptr;
    if (configured == nullptr || worker == nullptr) {
      // Rows left by a destination since removed from the configuration: nobody delivers them.
      status->set_state("not-configured");
      continue;
    }
    status->set_address(configured->address);
    const delivery::WorkerState state = worker->state();
    status->set_state(state.state);
    status->set_last_error(state.last_error);
    if (!state.last_error.empty()) SetTime(state.last_error_time, status->mutable_last_error_time());
    if (state.state == "backing-off") SetTime(state.next_attempt, status->mutable_next_attempt());
  }
  return grpc::Status::OK;
}

grpc::Status DeliveryService::ListDeadLetters(grpc::ServerContext*,
                                              const v1::ListDeadLettersRequest* request,
                                              v1::ListDeadLettersResponse* response) {
  store::DeadLetterQuery query;
  query.destination = request->destination();
  query.subject_id = request->subject_id();
  query.include_discarded = request->include_discarded();
  query.limit = request->limit();
  absl::StatusOr<std::vector<store::DeadLetterRecord>> records = outbox_->ListDeadLetters(query);
  if (!records.ok()) return ToGrpcStatus(records.status());
  for (const store::DeadLetterRecord& record : *records) {
    ToProto(record, response->add_dead_letters());
  }
  return grpc::Status::OK;
}

grpc::Status DeliveryService::ToSelection(const v1::DeadLetterSelection& request,
                                          store::DeadLetterSelection* selection) const {
  if (request.destination().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "destination is required");
  }
  if (request.all() == (request.sequences_size() > 0)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "give either the dead letters' sequences or all, not both");
  }
  if (!request.subject_id().empty() && !request.all()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "subject_id selects only together with all");
  }
  selection->destination = request.destination();
  selection->sequences.assign(request.sequences().begin(), request.sequences().end());
  selection->all = request.all();
  selection->subject_id = request.subject_id();
  return grpc::Status::OK;
}

grpc::Status DeliveryService::ReplayDeadLetters(grpc::ServerContext*,
                                                const v1::DeadLetterSelection* request,
                                                v1::DeadLetterActionResponse* response) {
  store::DeadLetterSelection selection;
  if (grpc::Status status = ToSelection(*request, &selection); !status.ok()) return status;
  if (Configured(request->destination()) == nullptr) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        absl::StrCat("destination '", request->destination(),
                                     "' is not configured: nothing would deliver a replay"));
  }
  absl::StatusOr<size_t> count = outbox_->ReplayDeadLetters(selection);
  if (!count.ok()) return ToGrpcStatus(count.status());
  if (forwarder_ != nullptr) forwarder_->Wake(request->destination());
  response->set_count(static_cast<uint32_t>(*count));
  return grpc::Status::OK;
}

grpc::Status DeliveryService::DiscardDeadLetters(grpc::ServerContext*,
                                                 const v1::DeadLetterSelection* request,
                                                 v1::DeadLetterActionResponse* response) {
  store::DeadLetterSelection selection;
  if (grpc::Status status = ToSelection(*request, &selection); !status.ok()) return status;
  absl::StatusOr<size_t> count = outbox_->DiscardDeadLetters(selection);
  if (!count.ok()) return ToGrpcStatus(count.status());
  response->set_count(static_cast<uint32_t>(*count));
  return grpc::Status::OK;
}

}  // namespace trialgate::server
