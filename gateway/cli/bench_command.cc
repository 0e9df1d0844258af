// `trialgate bench`: a load generator for a running gateway. It enrols a few study subjects,
// then submits `count` study resources (lab results and carfilzomib doses) over unary calls or
// streams, and prints throughput and latency. Every resource is new (ids carry a random run
// id), so each one costs a durable commit. The unary load is in unary_load.cc, `--mode http`
// in http_bench.cc, `--mode mllp` and `--mode tcp-echo` in mllp_bench.cc.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/cli/bench_resources.h"
#include "gateway/cli/bench_support.h"
#include "gateway/cli/client.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/http_bench.h"
#include "gateway/cli/mllp_bench.h"
#include "gateway/cli/unary_load.h"
#include "grpcpp/client_context.h"
#include "trialgate/v1/gateway.grpc.pb.h"

namespace trialgate::cli {
namespace {

using Clock = BenchClock;

// Judges one stream answer (one resource).
std::string Judge(const v1::SubmitResponse& response) {
  if (response.entries_size() == 1 &&
      response.entries(0).outcome() == v1::EntryOutcome::ACCEPTED) {
    return "";
  }
  return response.entries_size() == 1 ? response.entries(0).operation_outcome()
                                      : std::string("not one entry in the answer");
}

// `concurrency` streams, each with a writer and a reader thread; responses come back in
// request order, so a response's latency is measured from its request's send time. Each stream
// keeps at most kStreamWindow submissions unanswered, as a feed waiting for acknowledgements
// would; without a window the latency would only measure the client's own queue.
constexpr size_t kStreamWindow = 256;

LoadResult RunStreams(const BenchOptions& options, const std::string& run) {
  LoadTally tally;
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int s = 0; s < options.concurrency; ++s) {
    threads.emplace_back([&, s] {
      auto stub = v1::Gateway::NewStub(MakeChannel(options.connection, true));
      grpc::ClientContext context;
      auto stream = stub->SubmitStream(&context);
      std::vector<uint64_t> mine;
      for (uint64_t i = s; i < options.count; i += options.concurrency) mine.push_back(i);
      std::vector<Clock::time_point> sent(mine.size());
      std::atomic<size_t> written{0};
      std::mutex window_mu;
      std::condition_variable window_open;
      size_t answered = 0;
      std::thread reader([&] {
        v1::SubmitResponse response;
        for (size_t k = 0; k < mine.size() && stream->Read(&response); ++k) {
          while (written.load() <= k) std::this_thread::yield();
          tally.Add(std::chrono::duration<double, std::milli>(Clock::now() - sent[k]).count(), 1,
                    Judge(response));
          std::lock_guard<std::mutex> lock(window_mu);
          answered = k + 1;
          window_open.notify_one();
        }
        std::lock_guard<std::mutex> lock(window_mu);
        answered = mine.size();  // the stream ended: release the writer
        window_open.notify_one();
      });
      for (size_t k = 0; k < mine.size(); ++k) {
        {
          std::unique_lock<std::mutex> lock(window_mu);
          window_open.wait(lock, [&] { return k < answered + kStreamWindow; });
        }
        v1::SubmitRequest request;
        request.set_source_system(options.source);
        request.set_body(BenchResource(run, run, mine[k], options.subjects));
        sent[k] = Clock::now();
        written = k + 1;
        if (!stream->Write(request)) break;
      }
      stream->WritesDone();
      reader.join();
      const grpc::Status status = stream->Finish();
      if (!status.ok()) std::cerr << "bench: stream ended: " << DescribeStatus(status) << "\n";
    });
  }
  for (auto& thread : threads) thread.join();
  return tally.Finish(std::chrono::duration<double>(Clock::now() - start).count());
}

}  // namespace

int RunBench(const BenchOptions& options) {
  if (options.mode == "mllp" || options.mode == "tcp-echo") return RunMllpBench(options);
  if (options.mode == "http") return RunHttpBench(options);
  const std::string run = BenchRunId();
  auto stub = v1::Gateway::NewStub(MakeChannel(options.connection));
  if (!EnrolSubjects(*stub, options.source, options.subjects,
                     [&run](int s) { return BenchPatientEnrolment(run, s); })) {
    return 1;
  }
  const LoadResult result =
      options.mode == "unary"
          ? RunUnaryLoad(options.connection, options.source, options.count, options.concurrency,
                         [&](uint64_t i) {
                           return BenchRequest{BenchResource(run, run, i, options.subjects), 1};
                         })
          : RunStreams(options, run);
  std::cout << DescribeLoad(absl::StrCat("mode=", options.mode), options.concurrency, result)
            << "\n";
  if (!result.first_problem.empty()) std::cerr << "bench: " << result.first_problem << "\n";
  return result.other == 0 && result.accepted == options.count ? 0 : 1;
}

}  // namespace trialgate::cli
