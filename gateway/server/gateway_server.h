#ifndef TRIALGATE_GATEWAY_SERVER_GATEWAY_SERVER_H_
#define TRIALGATE_GATEWAY_SERVER_GATEWAY_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/common/clock.h"
#include "gateway/config/config.h"

namespace trialgate::server {

// The whole gateway in one process: store, identity registry, pipeline, schedule engine and the
// gRPC services (Gateway, EventFeed, Study, Delivery, health, reflection), and the delivery
// workers forwarding events to the configured destinations, listening on config.listen; the
// HL7 v2 channel, listening for MLLP on config.mllp.listen; and the FHIR REST facade with the
// operational endpoints, listening for HTTP on config.http.listen.
class GatewayServer {
 public:
  // Opens the store in config.data_dir (created if absent), loads the study (and its schedule)
  // and starts listening. Port 0 in config.listen picks a free port (see port()). Errors say
  // what to fix. `clock` is the wall clock every part of the server reads (tests pass a
  // ManualClock); it must outlive the server.
  static absl::StatusOr<std::unique_ptr<GatewayServer>> Start(
      const config::Config& config, const Clock& clock = SystemClock());

  virtual ~GatewayServer() = default;

  virtual int port() const = 0;
  // "host:port" actually listened on.
  virtual std::string address() const = 0;
  // "host:port" the MLLP listener listens on; "" when it is off (config mllp.listen "off").
  virtual std::string mllp_address() const = 0;
  // "host:port" the HTTP listener (FHIR REST, health, metrics) listens on; "" when it is off.
  virtual std::string http_address() const = 0;
  // Why the gateway cannot take work now (GET /readyz); empty when ready.
  virtual std::vector<std::string> NotReadyReasons() const = 0;
  // True when the pseudonymisation key is the generated development key.
  virtual bool using_development_key() const = 0;
  // What of the study's profiles is not checked (see ProfileSet::profile_warnings).
  virtual std::vector<std::string> definition_warnings() const = 0;
  // Delivery problems worth a log line at start (an outbox nobody delivers any more).
  virtual std::vector<std::string> delivery_warnings() const = 0;
  // The gateway's metrics in the Prometheus text format 0.0.4, for GET /metrics (content type
  // metrics::kTextContentType); see docs/metrics.md. Reads the store's outbox progress.
  // Thread-safe, also during and after Shutdown (the outbox gauges are then left out).
  virtual std::string MetricsText() const = 0;

  // Blocks until the schedule engine has recorded the deviations of what was committed before
  // the call (derivations run on a thread of their own after each commit). For tests.
  virtual void WaitForScheduleIdle() = 0;

  // Stops accepting calls, lets running ones finish (or cancels them after a grace period),
  // then closes the store. Idempotent.
  virtual void Shutdown() = 0;
  // Blocks until Shutdown() has completed.
  virtual void Wait() = 0;
};

}  // namespace trialgate::server

#endif  // TRIALGATE_GATEWAY_SERVER_GATEWAY_SERVER_H_
