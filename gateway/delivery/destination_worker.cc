#include "gateway/delivery/destination_worker.h"

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/delivery/forwarder.h"

namespace trialgate::delivery {
namespace {

// How often an idle worker looks up from waiting for new events (to notice stop and wake-up).
constexpr std::chrono::milliseconds kIdlePoll(200);
// How often a standby worker tries for the lease another replica holds.
constexpr absl::Duration kStandbyRetry = absl::Seconds(1);

// "UNAVAILABLE: message": gRPC's codes are absl's, numerically (both are google.rpc.Code).
std::string Describe(const grpc::Status& status) {
  return absl::StrCat(absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())),
                      ": ", status.error_message());
}

int64_t UnixMillis(absl::Time time) { return absl::ToUnixMillis(time); }

}  // namespace

DestinationWorker::DestinationWorker(config::DestinationConfig destination,
                                     store::Outbox* outbox, store::EventStore* events,
                                     std::unique_ptr<Publisher> publisher,
                                     const Clock& clock)
    : destination_(std::move(destination)),
      outbox_(outbox),
      events_(events),
      publisher_(std::move(publisher)),
      clock_(clock),
      backoff_(std::chrono::milliseconds(destination_.retry_initial_ms),
               std::chrono::milliseconds(destination_.retry_max_ms),
               static_cast<unsigned>(std::hash<std::string>()(destination_.name) ^
                                     static_cast<unsigned>(absl::ToUnixNanos(clock_.Now())))) {}

DestinationWorker::~DestinationWorker() { Stop(); }

absl::Status DestinationWorker::Start() {
  absl::StatusOr<std::unique_ptr<store::OutboxReader>> reader = outbox_->OpenOutboxReader();
  if (!reader.ok()) return reader.status();
  reader_ = *std::move(reader);
  thread_ = std::thread(&DestinationWorker::Run, this);
  return absl::OkStatus();
}

void DestinationWorker::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  publisher_->Cancel();
  if (thread_.joinable()) thread_.join();
}

void DestinationWorker::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

WorkerState DestinationWorker::state() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}

bool DestinationWorker::stopping() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stopping_;
}

void DestinationWorker::SetState(const std::string& state) {
  std::lock_guard<std::mutex> lock(mu_);
  state_.state = state;
}

void DestinationWorker::Run() {
  while (!stopping()) {
    if (!HoldLease()) {
      if (!SleepUntil(clock_.Now() + kStandbyRetry)) break;
      continue;
    }
    // Read the sequence first: a commit after this point wakes the idle wait below.
    const uint64_t seen = events_->LastSequence();
    absl::StatusOr<std::vector<store::OutboxEntry>> entries =
        reader_->ReadPending(destination_.name, destination_.batch_size);
    bool go_on = true;
    if (!entries.ok()) {
      go_on = RetryLater({}, grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                          absl::StrCat("reading the outbox: ",
                                                       entries.status().message())));
    } else if (entries->empty()) {
      SetState("idle");
      while (!stopping() && lease_->held() &&
             !events_->WaitForSequenceAbove(seen, kIdlePoll)) {
        std::lock_guard<std::mutex> lock(mu_);
        if (woken_) break;
      }
      std::lock_guard<std::mutex> lock(mu_);
      woken_ = false;
      continue;
    } else {
      SetState("delivering");
      go_on = Deliver(*entries);
    }
    if (!go_on && !SleepUntil(state().next_attempt)) break;
  }
  SetState("stopped");
}

bool DestinationWorker::HoldLease() {
  if (lease_ != nullptr && lease_->held()) return true;
  lease_.reset();
  absl::StatusOr<std::unique_ptr<store::Lease>> lease =
      events_->TryAcquireLease(absl::StrCat("destination:", destination_.name));
  std::lock_guard<std::mutex> lock(mu_);
  if (!lease.ok()) {
    state_.state = "standby";
    state_.last_error = absl::StrCat("cannot take the destination's lease: ",
                                     lease.status().message());
    state_.last_error_time = clock_.Now();
    return false;
  }
  lease_ = *std::move(lease);
  if (lease_ == nullptr) state_.state = "standby";
  return lease_ != nullptr;
}

bool DestinationWorker::Deliver(const std::vector<store::OutboxEntry>& entries) {
  v1::PublishRequest request;
  request.set_destination(destination_.name);
  for (const store::OutboxEntry& entry : entries) *request.add_events() = entry.event;
  v1::PublishResponse response;
  const grpc::Status status = publisher_->Publish(
      request, &response, std::chrono::milliseconds(destination_.deadline_ms));

  if (status.ok()) {
    std::map<std::string, const v1::EventRejection*> rejected;
    for (const v1::EventRejection& rejection : response.rejections()) {
      rejected.emplace(rejection.event_id(), &rejection);
    }
    store::DeliverySettlement settlement;
    settlement.destination = destination_.name;
    for (const store::OutboxEntry& entry : entries) {
      auto it = rejected.find(entry.event.event_id());
      if (it == rejected.end()) {
        settlement.delivered.push_back(entry.sequence);
      } else {
        const int code = it->second->code() != 0 ? it->second->code()
                                                 : static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT);
        settlement.dead.push_back(DeadLetter(
            entry, code, absl::StrCat("rejected by the receiver: ", it->second->reason())));
      }
    }
    if (!Settle(std::move(settlement))) return false;
    backoff_.Reset();
    std::lock_guard<std::mutex> lock(mu_);
    state_.last_error.clear();
    return true;
  }
  if (status.error_code() == grpc::StatusCode::CANCELLED && stopping()) return false;
  if (IsPermanent(status.error_code())) {
    if (entries.size() > 1) return DeliverOneByOne(entries);
    store::DeliverySettlement settlement;
    settlement.destination = destination_.name;
    settlement.dead.push_back(DeadLetter(entries.front(), static_cast<int>(status.error_code()),
                                         absl::StrCat("refused by the receiver: ",
                                                      Describe(status))));
    if (!Settle(std::move(settlement))) return false;
    backoff_.Reset();
    return true;
  }
  return RetryLater(entries, status);
}

bool DestinationWorker::DeliverOneByOne(const std::vector<store::OutboxEntry>& entries) {
  for (const store::OutboxEntry& entry : entries) {
    if (stopping() || !Deliver({entry})) return false;
  }
  return true;
}

bool DestinationWorker::RetryLater(const std::vector<store::OutboxEntry>& entries,
                                   const grpc::Status& status) {
  const absl::Time now = clock_.Now();
  store::DeliverySettlement settlement;
  settlement.destination = destination_.name;
  const int64_t max_age_ms = destination_.max_age_seconds * 1000;
  for (const store::OutboxEntry& entry : entries) {
    if (UnixMillis(now) - entry.enqueued_unix_ms >= max_age_ms) {
      settlement.dead.push_back(DeadLetter(
          entry, static_cast<int>(status.error_code()),
          absl::StrCat("not delivered within the maximum age of ", destination_.max_age_seconds,
                       " s; last error ", Describe(status))));
    }
  }
  const bool all_dead = !entries.empty() && settlement.dead.size() == entries.size();
  const std::chrono::milliseconds delay = backoff_.NextDelay();
  if (!settlement.dead.empty() && !Settle(std::move(settlement))) return false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    state_.last_error = Describe(status);
    state_.last_error_time = now;
    state_.next_attempt = all_dead ? now : now + absl::FromChrono(delay);
    state_.state = all_dead ? "delivering" : "backing-off";
  }
  // When the whole batch has expired, the next one gets its attempt straight away, so a long
  // outage's backlog past the maximum age is dead-lettered at the pace of failing calls.
  return all_dead;
}

bool DestinationWorker::Settle(store::DeliverySettlement settlement) {
  const absl::Status status = outbox_->Settle(std::move(settlement));
  if (status.ok()) return true;
  // Not settled: the batch stays in the outbox and goes again later (the receiver dedupes).
  const absl::Time now = clock_.Now();
  const std::chrono::milliseconds delay = backoff_.NextDelay();
  std::lock_guard<std::mutex> lock(mu_);
  state_.last_error = absl::StrCat("cannot record the delivery in the store: ", status.message());
  state_.last_error_time = now;
  state_.next_attempt = now + absl::FromChrono(delay);
  state_.state = "backing-off";
  return false;
}

store::DeadLetterRecord DestinationWorker::DeadLetter(const store::OutboxEntry& entry, int code,
                                                      const std::string& reason) const {
  store::DeadLetterRecord record;
  record.destination = destination_.name;
  record.sequence = entry.sequence;
  record.event_id = entry.event.event_id();
  record.subject_id = entry.event.subject_id();
  record.event_kind = store::EventKind(entry.event);
  record.code = code;
  record.reason = reason;
  record.attempts = static_cast<uint32_t>(backoff_.failures() + 1);
  record.enqueued_unix_ms = entry.enqueued_unix_ms;
  record.dead_lettered_unix_ms = UnixMillis(clock_.Now());
  return record;
}

bool DestinationWorker::SleepUntil(absl::Time deadline) {
  const absl::Duration wait = deadline - clock_.Now();
  std::unique_lock<std::mutex> lock(mu_);
  if (wait > absl::ZeroDuration()) {
    cv_.wait_for(lock, absl::ToChronoMilliseconds(wait),
                 [&] { return stopping_; });
  }
  return !stopping_;
}

}  // namespace trialgate::delivery
