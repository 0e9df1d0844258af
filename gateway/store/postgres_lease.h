#ifndef TRIALGATE_GATEWAY_STORE_POSTGRES_LEASE_H_
#define TRIALGATE_GATEWAY_STORE_POSTGRES_LEASE_H_

// A destination's lease among replicas on PostgreSQL: a session advisory lock on a connection of
// its own, kept alive by a heartbeat. The server ends a session silent for longer than
// `idle_timeout` (idle_session_timeout), releasing the lock: a replica that died or froze
// (SIGSTOP) loses the lease within that, and another takes it. Internal to gateway/store.

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gateway/store/outbox.h"

namespace trialgate::store {

// The lease of `destination`, or null (OK) while another session holds it.
absl::StatusOr<std::unique_ptr<DestinationLease>> TryAcquirePostgresLease(
    const std::string& conninfo, const std::string& destination,
    std::chrono::milliseconds idle_timeout);

}  // namespace trialgate::store

#endif  // TRIALGATE_GATEWAY_STORE_POSTGRES_LEASE_H_
