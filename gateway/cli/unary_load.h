#ifndef TRIALGATE_GATEWAY_CLI_UNARY_LOAD_H_
#define TRIALGATE_GATEWAY_CLI_UNARY_LOAD_H_

#include <cstdint>
#include <functional>
#include <string>

#include "gateway/cli/bench_support.h"
#include "gateway/cli/client.h"

// The gRPC unary load of `trialgate bench`: the callback API with a fixed number of calls in
// flight, as a site's interface engine with a few worker threads would submit.
namespace trialgate::cli {

// One request of a load: its body and how many resources (Bundle entries) it carries.
struct BenchRequest {
  std::string body;
  uint64_t resources = 1;
};

// Submits request(i), i = 0..count-1, as unary Submit calls with `source` as the sending system,
// `concurrency` calls in flight spread over up to four connections. A call counts as accepted
// when it succeeds with one ACCEPTED entry per resource. Thread-safe `request` required: it is
// called from gRPC's callback threads.
LoadResult RunUnaryLoad(const Connection& connection, const std::string& source, uint64_t count,
                        int concurrency, const std::function<BenchRequest(uint64_t)>& request);

}  // namespace trialgate::cli

#endif  // TRIALGATE_GATEWAY_CLI_UNARY_LOAD_H_
