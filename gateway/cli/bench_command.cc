// `trialgate bench`: a load generator for a running gateway. It enrols a few study subjects,
// then submits `count` study resources (lab results and carfilzomib doses) over unary calls or
// streams, and prints throughput and latency. Every resource is new (ids carry a random run
// id), so each one costs a durable commit. `--mode mllp` and `--mode tcp-echo` are in
// mllp_bench.cc.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gateway/cli/bench_support.h"
#include "gateway/cli/client.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/mllp_bench.h"
#include "grpcpp/client_context.h"
#include "trialgate/v1/gateway.grpc.pb.h"

namespace trialgate::cli {
namespace {

using Clock = BenchClock;

std::string PatientRef(const std::string& run, int subject) {
  return absl::StrCat("Patient/bench-", run, "-p", subject);
}

std::string Enrolment(const std::string& run, int subject) {
  return BenchEnrolment(run, subject,
                        absl::StrCat(R"({"reference":")", PatientRef(run, subject), R"("})"));
}

// Two of three are lab results, one a carfilzomib dose: the gateway's everyday mix.
std::string Resource(const std::string& run, uint64_t i, int subjects) {
  const std::string patient = PatientRef(run, static_cast<int>(i % subjects));
  if (i % 3 == 2) {
    return absl::StrCat(
        R"({"resourceType":"MedicationAdministration","id":"bench-)", run, "-", i,
        R"(","status":"completed","medicationCodeableConcept":{"coding":[{"system":)",
        R"("http://www.whocc.no/atc","code":"L01XG02"}]},"subject":{"reference":")", patient,
        R"("},"effectiveDateTime":"2026-01-06T09:30:00+01:00","dosage":{"route":{"coding":[)",
        R"({"system":"http://snomed.info/sct","code":"47625008"}]},"dose":{"value":50,)",
        R"("unit":"mg","system":"http://unitsofmeasure.org","code":"mg"}}})");
  }
  return absl::StrCat(
      R"({"resourceType":"Observation","id":"bench-)", run, "-", i,
      R"(","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"751-8"}]},)",
      R"("subject":{"reference":")", patient,
      R"("},"effectiveDateTime":"2026-01-06T08:00:00Z","valueQuantity":{"value":)",
      1.0 + static_cast<double>(i % 40) / 10.0,
      R"(,"unit":"10*9/L","system":"http://unitsofmeasure.org","code":"10*9/L"}})");
}

struct Tally {
  std::mutex mu;
  std::vector<double> latencies_ms;
  uint64_t accepted = 0, other = 0;

  void Add(double ms, const v1::SubmitResponse& response, bool ok) {
    std::lock_guard<std::mutex> lock(mu);
    latencies_ms.push_back(ms);
    const bool accepted_all = ok && response.entries_size() == 1 &&
                              response.entries(0).outcome() == v1::EntryOutcome::ACCEPTED;
    (accepted_all ? accepted : other)++;
  }
};

// `concurrency` unary calls in flight on the callback API, spread over a few connections.
void RunUnary(const BenchOptions& options, const std::string& run, Tally& tally) {
  const int channels = std::min(options.concurrency, 4);
  std::vector<std::unique_ptr<v1::Gateway::Stub>> stubs;
  for (int c = 0; c < channels; ++c) {
    stubs.push_back(v1::Gateway::NewStub(MakeChannel(options.connection, true)));
  }
  std::atomic<uint64_t> next{0};
  std::mutex mu;
  std::condition_variable all_done;
  int lanes_running = options.concurrency;

  struct Call {
    grpc::ClientContext context;
    v1::SubmitRequest request;
    v1::SubmitResponse response;
    Clock::time_point start;
  };
  // A call's state must outlive its completion callback (the callback lives inside the call),
  // so every call is kept until the run ends.
  std::vector<std::unique_ptr<Call>> calls(options.count);
  std::function<void(int)> issue = [&](int lane) {
    const uint64_t i = next++;
    if (i >= options.count) {
      std::lock_guard<std::mutex> lock(mu);
      if (--lanes_running == 0) all_done.notify_one();
      return;
    }
    calls[i] = std::make_unique<Call>();
    Call* call = calls[i].get();
    call->request.set_source_system(options.source);
    call->request.set_body(Resource(run, i, options.subjects));
    call->start = Clock::now();
    stubs[lane % channels]->async()->Submit(
        &call->context, &call->request, &call->response, [&, call, lane](grpc::Status status) {
          tally.Add(std::chrono::duration<double, std::milli>(Clock::now() - call->start).count(),
                    call->response, status.ok());
          issue(lane);
        });
  };
  for (int lane = 0; lane < options.concurrency; ++lane) issue(lane);
  std::unique_lock<std::mutex> lock(mu);
  all_done.wait(lock, [&] { return lanes_running == 0; });
}

// `concurrency` streams, each with a writer and a reader thread; responses come back in
// request order, so a response's latency is measured from its request's send time. Each stream
// keeps at most kStreamWindow submissions unanswered, as a feed waiting for acknowledgements
// would; without a window the latency would only measure the client's own queue.
constexpr size_t kStreamWindow = 256;

void RunStreams(const BenchOptions& options, const std::string& run, Tally& tally) {
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
          tally.Add(std::chrono::duration<double, std::milli>(Clock::now() - sent[k]).count(),
                    response, true);
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
        request.set_body(Resource(run, mine[k], options.subjects));
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
}

}  // namespace

int RunBench(const BenchOptions& options) {
  if (options.mode == "mllp" || options.mode == "tcp-echo") return RunMllpBench(options);
  const std::string run = BenchRunId();
  auto stub = v1::Gateway::NewStub(MakeChannel(options.connection));
  if (!EnrolSubjects(*stub, options.source, options.subjects,
                     [&run](int s) { return Enrolment(run, s); })) {
    return 1;
  }

  Tally tally;
  const auto start = Clock::now();
  if (options.mode == "unary") {
    RunUnary(options, run, tally);
  } else {
    RunStreams(options, run, tally);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();

  std::sort(tally.latencies_ms.begin(), tally.latencies_ms.end());
  std::cout << absl::StrFormat(
                   "mode=%s count=%d concurrency=%d: %.0f resources/s over %.2f s; latency "
                   "p50 %.2f ms, p99 %.2f ms; accepted %d, not accepted %d\n",
                   options.mode, tally.latencies_ms.size(), options.concurrency,
                   tally.latencies_ms.size() / seconds, seconds,
                   Percentile(tally.latencies_ms, 0.50), Percentile(tally.latencies_ms, 0.99),
                   tally.accepted, tally.other);
  return tally.other == 0 && tally.accepted == options.count ? 0 : 1;
}

}  // namespace trialgate::cli
