#ifndef TRIALGATE_GATEWAY_CLI_BENCH_SUPPORT_H_
#define TRIALGATE_GATEWAY_CLI_BENCH_SUPPORT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

#include "trialgate/v1/gateway.grpc.pb.h"

// What the `trialgate bench` modes share: run ids, enrolment over gRPC, percentiles.
namespace trialgate::cli {

using BenchClock = std::chrono::steady_clock;

// 8 random hex digits: every run's resources and messages are new, so none is a duplicate.
std::string BenchRunId();

// The ResearchSubject that enrols study subject BENCH-<run>-<subject>, naming its patient by
// `individual` (a FHIR Reference as JSON: {"reference": ...} or {"identifier": ...}).
std::string BenchEnrolment(const std::string& run, int subject, const std::string& individual);

// The value at fraction `p` (0.5: median) of `sorted`, ascending; 0 when empty.
double Percentile(const std::vector<double>& sorted, double p);

// What one phase of load found: how many requests (each carrying one or more resources) were
// answered and accepted, their latencies, and the wall time of the phase.
struct LoadResult {
  std::vector<double> latencies_ms;  // one per answered request, ascending (after Finish)
  uint64_t accepted = 0;             // requests with every resource accepted
  uint64_t other = 0;                // requests not accepted, or not answered at all
  uint64_t resources = 0;            // resources in the accepted requests
  double seconds = 0;                // from the first request to the last answer
  double client_cpu_seconds = 0;     // this process's CPU time (all threads) meanwhile
  std::string first_problem;         // why the first request that was not accepted was not

  double RequestsPerSecond() const;
  double ResourcesPerSecond() const;
};

// Collects a phase's answers from its client threads. Thread-safe.
class LoadTally {
 public:
  LoadTally();  // starts counting this process's CPU time
  // One answered request of `resources` resources; `problem` is "" when it was accepted.
  void Add(double latency_ms, uint64_t resources, absl::string_view problem);
  // `requests` requests that got no answer (a connection that could not be made, a stream cut).
  void AddUnanswered(uint64_t requests, absl::string_view problem);
  // The result, latencies sorted; the tally is empty afterwards.
  LoadResult Finish(double seconds);

 private:
  std::mutex mu_;
  LoadResult result_;
  double cpu_at_start_;
};

// One line for a phase: "<name> count=... : R requests/s, S resources/s over T s; latency p50
// ..., p99 ...; client CPU C µs/request; accepted A, not accepted N".
std::string DescribeLoad(absl::string_view name, int concurrency, const LoadResult& result);

// Submits `subjects` enrolments (ResearchSubjects), body(s) for s = 0..subjects-1, one unary
// call each with `source_system`. False (the reason on stderr) when any is not accepted.
bool EnrolSubjects(v1::Gateway::Stub& stub, const std::string& source_system, int subjects,
                   const std::function<std::string(int)>& body);

}  // namespace trialgate::cli

#endif  // TRIALGATE_GATEWAY_CLI_BENCH_SUPPORT_H_
