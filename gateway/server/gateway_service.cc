#include "gateway/server/gateway_service.h"

#include <deque>
#include <optional>
#include <string>

#include "gateway/security/grpc_caller.h"
#include "gateway/server/grpc_status.h"
#include "gateway/server/submit_response.h"

namespace trialgate::server {
namespace {

pipeline::Submission SubmissionOf(const v1::SubmitRequest& request) {
  return {pipeline::Channel::kGrpc, request.source_system(), request.body()};
}

}  // namespace

// One SubmitStream call. Reads requests one at a time and hands each to the pipeline without
// waiting for its commit, so up to kMaxInFlight submissions of the stream share group commits;
// writes the responses in request order, one write at a time (gRPC allows one outstanding read
// and one outstanding write). Lives until OnDone, which comes only after every pending
// submission has answered, so pipeline callbacks never outlive it.
class GatewayService::StreamReactor final
    : public grpc::ServerBidiReactor<v1::SubmitRequest, v1::SubmitResponse> {
 public:
  StreamReactor(GatewayService* service, pipeline::Pipeline* pipeline, security::Caller caller,
                std::unique_ptr<security::StreamSlots::Lease> lease)
      : service_(service),
        pipeline_(pipeline),
        caller_(std::move(caller)),
        lease_(std::move(lease)) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client half-closed, or the call is gone
      std::unique_lock<std::mutex> lock(mu_);
      reads_done_ = true;
      Act(lock);
      return;
    }
    uint64_t slot;
    {
      std::lock_guard<std::mutex> lock(mu_);
      slot = next_slot_++;
      pending_.push_back(Pending{slot, std::nullopt});
    }
    // The pipeline copies what it needs from the body before Ingest returns, so request_ can be
    // reused for the next read.
    pipeline_->Ingest(caller_, SubmissionOf(request_),
                      [this, slot, id = request_.request_id()](pipeline::SubmissionResult result) {
                        Complete(slot, ToSubmitResponse(result, id));
                      });
    std::unique_lock<std::mutex> lock(mu_);
    read_paused_ = true;
    Act(lock);
  }

  void OnWriteDone(bool ok) override {
    std::unique_lock<std::mutex> lock(mu_);
    writing_ = false;
    if (!ok) write_failed_ = true;
    Act(lock);
  }

  void OnDone() override { service_->Release(this); }

 private:
  static constexpr size_t kMaxInFlight = 512;

  struct Pending {
    uint64_t slot;
    std::optional<v1::SubmitResponse> response;
  };

  void Complete(uint64_t slot, v1::SubmitResponse response) {
    std::unique_lock<std::mutex> lock(mu_);
    // Slots are consecutive and leave from the front, so the index is the distance to it.
    pending_[slot - pending_.front().slot].response = std::move(response);
    Act(lock);
  }

  // Decides under the lock what to start next, then starts it after unlocking, so that a gRPC
  // reaction running inline cannot deadlock on mu_.
  void Act(std::unique_lock<std::mutex>& lock) {
    bool start_read = false, start_write = false, finish = false;
    if (read_paused_ && !reads_done_ && pending_.size() < kMaxInFlight) {
      read_paused_ = false;
      start_read = true;
    }
    while (!writing_ && !pending_.empty() && pending_.front().response.has_value()) {
      current_ = std::move(*pending_.front().response);
      pending_.pop_front();
      if (write_failed_) continue;  // the client is gone: drain without writing
      writing_ = true;
      start_write = true;
    }
    if (!start_write && reads_done_ && pending_.empty() && !writing_ && !finished_) {
      finished_ = true;
      finish = true;
    }
    // Re-check reading now that responses may have left the window.
    if (!start_read && read_paused_ && !reads_done_ && pending_.size() < kMaxInFlight) {
      read_paused_ = false;
      start_read = true;
    }
    const bool failed = write_failed_;
    lock.unlock();
    if (start_read) StartRead(&request_);
    if (start_write) StartWrite(&current_);
    if (finish) {
      Finish(failed ? grpc::Status(grpc::StatusCode::CANCELLED, "the client went away")
                    : grpc::Status::OK);
    }
  }

  GatewayService* service_;
  pipeline::Pipeline* pipeline_;
  const security::Caller caller_;
  const std::unique_ptr<security::StreamSlots::Lease> lease_;
  v1::SubmitRequest request_;   // the buffer of the one outstanding read
  v1::SubmitResponse current_;  // the buffer of the one outstanding write

  std::mutex mu_;
  std::deque<Pending> pending_;  // in request order
  uint64_t next_slot_ = 0;
  bool read_paused_ = false;  // a read is due once the window allows it
  bool reads_done_ = false;
  bool writing_ = false;
  bool write_failed_ = false;
  bool finished_ = false;
};

// A SubmitStream refused at its start (over the caller's stream limit): ends at once.
class GatewayService::RefusedStream final
    : public grpc::ServerBidiReactor<v1::SubmitRequest, v1::SubmitResponse> {
 public:
  explicit RefusedStream(grpc::Status status) { Finish(std::move(status)); }
  void OnDone() override { delete this; }
};

GatewayService::GatewayService(pipeline::Pipeline* pipeline, security::StreamSlots* stream_slots)
    : pipeline_(pipeline), stream_slots_(stream_slots) {}

GatewayService::~GatewayService() = default;

grpc::ServerUnaryReactor* GatewayService::Submit(grpc::CallbackServerContext* context,
                                                 const v1::SubmitRequest* request,
                                                 v1::SubmitResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  pipeline_->Ingest(security::CallerOf(*context), SubmissionOf(*request),
                    [reactor, request, response](pipeline::SubmissionResult result) {
                      if (!result.status.ok()) {
                        reactor->Finish(BodyFailureStatus(result));
                        return;
                      }
                      *response = ToSubmitResponse(result, request->request_id());
                      reactor->Finish(grpc::Status::OK);
                    });
  return reactor;
}

grpc::ServerUnaryReactor* GatewayService::Validate(grpc::CallbackServerContext* context,
                                                   const v1::ValidateRequest* request,
                                                   v1::ValidateResponse* response) {
  *response = ToValidateResponse(pipeline_->Validate(request->body(), request->profile()));
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerBidiReactor<v1::SubmitRequest, v1::SubmitResponse>* GatewayService::SubmitStream(
    grpc::CallbackServerContext* context) {
  const security::Caller caller = security::CallerOf(*context);
  absl::StatusOr<std::unique_ptr<security::StreamSlots::Lease>> lease =
      stream_slots_->Acquire(caller.limit_key());
  if (!lease.ok()) {
    return new RefusedStream(ToGrpcStatus(lease.status()));
  }
  auto reactor = std::make_unique<StreamReactor>(this, pipeline_, caller, *std::move(lease));
  StreamReactor* raw = reactor.get();
  std::lock_guard<std::mutex> lock(mu_);
  streams_.emplace(raw, std::move(reactor));
  return raw;
}

void GatewayService::Release(StreamReactor* reactor) {
  std::unique_ptr<StreamReactor> done;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = streams_.find(reactor);
  if (it != streams_.end()) {
    done = std::move(it->second);  // destroyed after the lock is released
    streams_.erase(it);
  }
}

}  // namespace trialgate::server
