#include "tests/registry/chaos_registry.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "gateway/registry_sink/event_lines.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"

namespace trialgate::testing {
namespace {

// Holds a call open and answers it only when gRPC cancels it: at the caller's deadline, or when
// the server is shut down without grace.
class AnswerWhenCancelled final : public grpc::ServerUnaryReactor {
 public:
  explicit AnswerWhenCancelled(grpc::Status status) : status_(std::move(status)) {}
  void OnCancel() override { Finish(status_); }
  void OnDone() override { delete this; }

 private:
  const grpc::Status status_;
};

grpc::ServerUnaryReactor* AnswerNow(grpc::CallbackServerContext* context, grpc::Status status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(std::move(status));
  return reactor;
}

}  // namespace

// One per server start, bound to the sink that start opened.
class ChaosRegistry::Service final : public v1::Registry::CallbackService {
 public:
  Service(ChaosRegistry* owner, registry_sink::JsonlEventSink* sink) : owner_(owner), sink_(sink) {}

  grpc::ServerUnaryReactor* Publish(grpc::CallbackServerContext* context,
                                    const v1::PublishRequest* request,
                                    v1::PublishResponse* response) override {
    const Action action = owner_->Draw(*request);
    if (action == Action::kUnavailable) {
      return AnswerNow(context, grpc::Status(grpc::StatusCode::UNAVAILABLE, "chaos: unavailable"));
    }
    if (action == Action::kResourceExhausted) {
      return AnswerNow(
          context, grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "chaos: resource exhausted"));
    }
    const grpc::Status kept = owner_->KeepBatch(*sink_, *request, response);
    if (!kept.ok()) return AnswerNow(context, kept);
    if (action == Action::kStall) {
      owner_->Count([](ChaosStats& stats) { ++stats.stalled; });
      return new AnswerWhenCancelled(
          grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "chaos: kept, answered too late"));
    }
    if (action == Action::kDropConnection) {
      owner_->Count([](ChaosStats& stats) { ++stats.dropped; });
      // The server cannot be shut down from one of its own calls (shutdown waits for them):
      // the restarter thread does it, which cancels this call.
      owner_->RequestRestart();
      return new AnswerWhenCancelled(
          grpc::Status(grpc::StatusCode::UNAVAILABLE, "chaos: kept, connection dropped"));
    }
    owner_->Count([](ChaosStats& stats) { ++stats.answered_ok; });
    return AnswerNow(context, grpc::Status::OK);
  }

 private:
  ChaosRegistry* const owner_;
  registry_sink::JsonlEventSink* const sink_;
};

absl::StatusOr<std::unique_ptr<ChaosRegistry>> ChaosRegistry::Start(
    const std::filesystem::path& sink_file, Misbehaviour misbehaviour, uint64_t seed) {
  std::unique_ptr<ChaosRegistry> registry(
      new ChaosRegistry(sink_file, std::move(misbehaviour), seed));
  {
    std::lock_guard<std::mutex> lifecycle(registry->lifecycle_mu_);
    if (absl::Status status = registry->StartServer(); !status.ok()) return status;
  }
  registry->address_ = absl::StrCat("127.0.0.1:", registry->port_);
  registry->restarter_ = std::thread([raw = registry.get()] { raw->RestartLoop(); });
  return registry;
}

ChaosRegistry::ChaosRegistry(std::filesystem::path sink_file, Misbehaviour misbehaviour,
                             uint64_t seed)
    : sink_file_(std::move(sink_file)), misbehaviour_(std::move(misbehaviour)), random_(seed) {}

ChaosRegistry::~ChaosRegistry() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (restarter_.joinable()) restarter_.join();
  Kill();
}

void ChaosRegistry::set_misbehaviour(Misbehaviour misbehaviour) {
  std::lock_guard<std::mutex> lock(mu_);
  misbehaviour_ = std::move(misbehaviour);
}

void ChaosRegistry::Kill() {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
  StopServer();
  sink_.reset();
  MarkRestartsDone();
}

absl::Status ChaosRegistry::Restart() {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
  StopServer();
  sink_.reset();
  MarkRestartsDone();
  return StartServer();
}

void ChaosRegistry::AwaitServing() {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait(lock, [&] { return restarts_done_ >= restarts_wanted_; });
}

ChaosStats ChaosRegistry::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

bool ChaosRegistry::WaitFor(const std::function<bool(const ChaosStats&)>& condition,
                            std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return changed_.wait_for(lock, timeout, [&] { return condition(stats_); });
}

absl::StatusOr<std::vector<v1::Event>> ChaosRegistry::KeptEvents() const {
  // Complete lines only, so reading while a call appends is safe.
  return registry_sink::ReadEventFile(sink_file_);
}

ChaosRegistry::Action ChaosRegistry::Draw(const v1::PublishRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.calls;
  stats_.events_received += request.events_size();
  const double draw = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
  double bound = misbehaviour_.unavailable;
  Action action = Action::kBehave;
  if (draw < bound) {
    action = Action::kUnavailable;
    ++stats_.unavailable;
  } else if (draw < (bound += misbehaviour_.resource_exhausted)) {
    action = Action::kResourceExhausted;
    ++stats_.resource_exhausted;
  } else if (draw < (bound += misbehaviour_.stall)) {
    action = Action::kStall;
  } else if (draw < (bound += misbehaviour_.drop_connection)) {
    action = Action::kDropConnection;
  }
  changed_.notify_all();
  return action;
}

grpc::Status ChaosRegistry::KeepBatch(registry_sink::JsonlEventSink& sink,
                                      const v1::PublishRequest& request,
                                      v1::PublishResponse* response) {
  std::string poison;
  {
    std::lock_guard<std::mutex> lock(mu_);
    poison = misbehaviour_.poison_event_id;
  }
  google::protobuf::RepeatedPtrField<v1::Event> rest;
  uint64_t poisoned = 0;
  for (const v1::Event& event : request.events()) {
    if (!poison.empty() && event.event_id() == poison) {
      v1::EventRejection* rejection = response->add_rejections();
      rejection->set_event_id(event.event_id());
      rejection->set_code(static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
      rejection->set_reason("chaos: the poison event is never accepted");
      ++poisoned;
      continue;
    }
    *rest.Add() = event;
  }
  absl::StatusOr<registry_sink::KeepResult> kept = sink.Keep(rest);
  if (!kept.ok()) {
    response->Clear();
    Count([](ChaosStats& stats) { ++stats.sink_errors; });
    return grpc::Status(kept.status().code() == absl::StatusCode::kInvalidArgument
                            ? grpc::StatusCode::INVALID_ARGUMENT
                            : grpc::StatusCode::UNAVAILABLE,
                        std::string(kept.status().message()));
  }
  Count([&](ChaosStats& stats) {
    stats.poison_rejections += poisoned;
    stats.events_kept += kept->kept;
    stats.duplicates += kept->duplicates;
  });
  return grpc::Status::OK;
}

void ChaosRegistry::Count(const std::function<void(ChaosStats&)>& update) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    update(stats_);
  }
  changed_.notify_all();
}

void ChaosRegistry::RequestRestart() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++restarts_wanted_;
  }
  changed_.notify_all();
}

absl::Status ChaosRegistry::StartServer() {
  if (sink_ == nullptr) {
    absl::StatusOr<std::unique_ptr<registry_sink::JsonlEventSink>> sink =
        registry_sink::JsonlEventSink::Open(sink_file_);
    if (!sink.ok()) return sink.status();
    sink_ = *std::move(sink);
  }
  service_ = std::make_unique<Service>(this, sink_.get());
  const std::string listen = absl::StrCat("127.0.0.1:", port_);  // port 0 the first time
  int selected = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &selected);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || selected == 0 || (port_ != 0 && selected != port_)) {
    server_.reset();
    return absl::UnavailableError(absl::StrCat("chaos registry cannot listen on ", listen));
  }
  port_ = selected;
  return absl::OkStatus();
}

void ChaosRegistry::StopServer() {
  if (server_ == nullptr) return;
  // A deadline of now: cancel whatever is in flight instead of waiting for it.
  server_->Shutdown(std::chrono::system_clock::now());
  server_->Wait();
  server_.reset();
  service_.reset();
}

void ChaosRegistry::MarkRestartsDone() {
  // Every restart asked for so far came from a call on the server just stopped: done.
  {
    std::lock_guard<std::mutex> lock(mu_);
    restarts_done_ = restarts_wanted_;
  }
  changed_.notify_all();
}

void ChaosRegistry::RestartLoop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      changed_.wait(lock, [&] { return stopping_ || restarts_done_ < restarts_wanted_; });
      if (stopping_) return;
    }
    std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
    {
      // Kill() or Restart() may have served the request meanwhile.
      std::lock_guard<std::mutex> lock(mu_);
      if (restarts_done_ >= restarts_wanted_) continue;
    }
    if (server_ == nullptr) {  // killed: stays down until Restart()
      MarkRestartsDone();
      continue;
    }
    StopServer();  // the file stays open: the connection drops, not the receiver
    if (absl::Status status = StartServer(); !status.ok()) {
      ADD_FAILURE() << "chaos registry: restart after a dropped connection failed: " << status;
    }
    MarkRestartsDone();
  }
}

}  // namespace trialgate::testing
