#ifndef TRIALGATE_GATEWAY_SECURITY_CALL_LIMITS_H_
#define TRIALGATE_GATEWAY_SECURITY_CALL_LIMITS_H_

#include <cstddef>

namespace trialgate::security {

// Limits per caller against abuse (config "limits"); exceeding one is RESOURCE_EXHAUSTED.
// The body limits (size, JSON depth, Bundle entries) are pipeline::DecodeLimits.
struct CallLimits {
  // Calls per second per identity, with bursts up to request_burst (a token bucket). A stream
  // counts as one call. Only on a TLS listener: a plaintext one has no identities.
  double requests_per_second = 1000;
  double request_burst = 2000;
  // Streams (EventFeed.Pull, Gateway.SubmitStream) open at once per identity, or per
  // connection on a plaintext listener: each holds a server thread or buffers for as long as the
  // client keeps it open. (Audit.Read streams one bounded page and ends.)
  size_t max_streams_per_caller = 16;
};

}  // namespace trialgate::security

#endif  // TRIALGATE_GATEWAY_SECURITY_CALL_LIMITS_H_
