#include "gateway/cli/unary_load.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/strings/str_cat.h"
#include "grpcpp/client_context.h"
#include "trialgate/v1/gateway.grpc.pb.h"

namespace trialgate::cli {
namespace {

// "" when every one of the `resources` entries was accepted, else why not.
std::string Judge(const grpc::Status& status, const v1::SubmitResponse& response,
                  uint64_t resources) {
  if (!status.ok()) return DescribeStatus(status);
  if (static_cast<uint64_t>(response.entries_size()) != resources) {
    return absl::StrCat(response.entries_size(), " entries answered for ", resources, " sent");
  }
  for (const v1::EntryOutcome& entry : response.entries()) {
    if (entry.outcome() != v1::EntryOutcome::ACCEPTED) {
      return absl::StrCat("entry ", entry.entry(), " not accepted: ", entry.operation_outcome());
    }
  }
  return "";
}

}  // namespace

LoadResult RunUnaryLoad(const Connection& connection, const std::string& source, uint64_t count,
                        int concurrency, const std::function<BenchRequest(uint64_t)>& request) {
  const int channels = std::min(concurrency, 4);
  std::vector<std::unique_ptr<v1::Gateway::Stub>> stubs;
  for (int c = 0; c < channels; ++c) {
    stubs.push_back(v1::Gateway::NewStub(MakeChannel(connection, true)));
  }
  LoadTally tally;
  std::atomic<uint64_t> next{0};
  std::mutex mu;
  std::condition_variable all_done;
  int lanes_running = concurrency;

  struct Call {
    grpc::ClientContext context;
    v1::SubmitRequest request;
    v1::SubmitResponse response;
    uint64_t resources = 1;
    BenchClock::time_point start;
  };
  // A call's state must outlive its completion callback (the callback lives inside the call),
  // so every call is kept until the run ends.
  std::vector<std::unique_ptr<Call>> calls(count);
  std::function<void(int)> issue = [&](int lane) {
    const uint64_t i = next++;
    if (i >= count) {
      std::lock_guard<std::mutex> lock(mu);
      if (--lanes_running == 0) all_done.notify_one();
      return;
    }
    calls[i] = std::make_unique<Call>();
    Call* call = calls[i].get();
    BenchRequest made = request(i);
    call->request.set_source_system(source);
    call->request.set_body(std::move(made.body));
    call->resources = made.resources;
    call->start = BenchClock::now();
    stubs[lane % channels]->async()->Submit(
        &call->context, &call->request, &call->response, [&, call, lane](grpc::Status status) {
          tally.Add(std::chrono::duration<double, std::milli>(BenchClock::now() - call->start)
                        .count(),
                    call->resources, Judge(status, call->response, call->resources));
          issue(lane);
        });
  };
  const BenchClock::time_point start = BenchClock::now();
  for (int lane = 0; lane < concurrency; ++lane) issue(lane);
  {
    std::unique_lock<std::mutex> lock(mu);
    all_done.wait(lock, [&] { return lanes_running == 0; });
  }
  return tally.Finish(std::chrono::duration<double>(BenchClock::now() - start).count());
}

}  // namespace trialgate::cli
