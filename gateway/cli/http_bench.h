#ifndef TRIALGATE_GATEWAY_CLI_HTTP_BENCH_H_
#define TRIALGATE_GATEWAY_CLI_HTTP_BENCH_H_

#include <cstdint>
#include <functional>
#include <iostream>
#include <string>

#include "gateway/cli/bench_support.h"
#include "gateway/cli/commands.h"

// `trialgate bench --mode http`: the FHIR REST facade (creates and transaction Bundles over
// keep-alive HTTP/1.1 connections) against the same requests over gRPC unary Submit, in the
// same run, so the two channels are compared on the same machine under the same load.
namespace trialgate::cli {

// Where and how the HTTP load connects: plaintext, or HTTPS with the gRPC connection's CA and
// client certificate.
struct HttpBenchTarget {
  std::string target = "127.0.0.1:8080";  // "host:port" or "[v6]:port"
  std::string ca_file, cert_file, key_file;
};

// One HTTP request of a load.
struct HttpBenchRequest {
  std::string path;  // "/fhir/Observation", "/fhir"
  std::string body;
  uint64_t resources = 1;
};

// "" when an answer (status, body) to a request of `resources` resources means every one of
// them was created, else why not.
using HttpJudge = std::function<std::string(int status, const std::string& body,
                                            uint64_t resources)>;

// A create: 201.
std::string JudgeHttpCreate(int status, const std::string& body, uint64_t resources);
// A transaction: 200, a transaction-response with one entry per resource, each "201 Created".
std::string JudgeHttpTransaction(int status, const std::string& body, uint64_t resources);

// POSTs request(i), i = 0..count-1, as application/fhir+json with `source` as
// X-Trialgate-Source-System and Prefer: return=minimal, from `concurrency` threads, each with
// its own keep-alive connection (TCP_NODELAY, as curl and browsers set it). `request` must be
// thread-safe. Connecting is timed: it happens on a thread's first request.
LoadResult RunHttpLoad(const HttpBenchTarget& target, const std::string& source, uint64_t count,
                       int concurrency, const std::function<HttpBenchRequest(uint64_t)>& request,
                       const HttpJudge& judge);

// The four phases (gRPC unary creates, HTTP creates, gRPC unary transactions, HTTP
// transactions of options.bundle_size entries), each `count` new resources, after enrolling
// the subjects over gRPC; then the HTTP ÷ gRPC ratios. 0 when every request was accepted.
int RunHttpBench(const BenchOptions& options, std::ostream& out = std::cout,
                 std::ostream& err = std::cerr);

}  // namespace trialgate::cli

#endif  // TRIALGATE_GATEWAY_CLI_HTTP_BENCH_H_
