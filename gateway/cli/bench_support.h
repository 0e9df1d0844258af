#ifndef TRIALGATE_GATEWAY_CLI_BENCH_SUPPORT_H_
#define TRIALGATE_GATEWAY_CLI_BENCH_SUPPORT_H_

#include <chrono>
#include <functional>
#include <string>
#include <vector>

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

// Submits `subjects` enrolments (ResearchSubjects), body(s) for s = 0..subjects-1, one unary
// call each with `source_system`. False (the reason on stderr) when any is not accepted.
bool EnrolSubjects(v1::Gateway::Stub& stub, const std::string& source_system, int subjects,
                   const std::function<std::string(int)>& body);

}  // namespace trialgate::cli

#endif  // TRIALGATE_GATEWAY_CLI_BENCH_SUPPORT_H_
