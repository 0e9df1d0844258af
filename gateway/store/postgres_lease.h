#ifndef TRIALGATE_GATEWAY_STORE_POSTGRES_LEASE_H_
#define TRIALGATE_GATEWAY_STORE_POSTGRES_LEASE_H_

// A lease among replicas on PostgreSQL (a destination's, the sweep's): a session advisory lock on
// a connection of its own, kept alive by a heartbeat. The server ends a session silent for
// longer than `idle_timeout` (idle_session_timeout), releasing the lock: a replica that died or
// froze (SIGSTOP) loses the lease within that, and another takes it. Internal to gateway/store.

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "gateway/store/event_store.h"
#include "gateway/store/postgres_util.h"

namespace trialgate::store {

// The lease `name`, or null (OK) while another session holds it.
absl::StatusOr<std::unique_ptr<Lease>> TryAcquirePostgresLease(
    const std::string& conninfo, const std::string& name,
    std::chrono::milliseconds idle_timeout);

// Per-subject locks among replicas on one session (`conn`, owned by the caller, which serialises
// their use): a transaction-less advisory lock taken and released for each derivation.
class PostgresSubjectLocks {
 public:
  explicit PostgresSubjectLocks(std::string conninfo) : conninfo_(std::move(conninfo)) {}
  // The subject's lock, or null (OK) while another session holds it.
  absl::StatusOr<std::unique_ptr<Lease>> TryLock(const std::string& subject_id);

 private:
  friend class PostgresSubjectLock;
  void Unlock(const std::string& key);

  const std::string conninfo_;
  std::mutex mu_;
  PgConnPtr conn_;  // guarded by mu_; connected at first use, again after a loss
};

}  // namespace trialgate::store

#endif  // TRIALGATE_GATEWAY_STORE_POSTGRES_LEASE_H_
