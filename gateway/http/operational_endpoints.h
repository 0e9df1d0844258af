#ifndef TRIALGATE_GATEWAY_HTTP_OPERATIONAL_ENDPOINTS_H_
#define TRIALGATE_GATEWAY_HTTP_OPERATIONAL_ENDPOINTS_H_

#include <functional>
#include <string>
#include <vector>

#include "gateway/http/request_caller.h"
#include "httplib.h"

namespace trialgate::http {

// What the operational endpoints ask the running gateway.
struct GatewayProbes {
  // Why the gateway cannot take work now (store not writable, a delivery worker stopped,
  // shutting down); empty when ready.
  std::function<std::vector<std::string>()> not_ready;
  // The metrics in the Prometheus text format.
  std::function<std::string()> metrics;
};

// GET /healthz (the process answers: 200), GET /readyz (200, or 503 with the reasons, one per
// line) and GET /metrics (Prometheus text format 0.0.4). Plain text, for probes and scrapers;
// any configured identity may call them (they say nothing about patients).
void InstallOperationalEndpoints(httplib::Server& server, const RequestCallers& callers,
                                 GatewayProbes probes);

}  // namespace trialgate::http

#endif  // TRIALGATE_GATEWAY_HTTP_OPERATIONAL_ENDPOINTS_H_
