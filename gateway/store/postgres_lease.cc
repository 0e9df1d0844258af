#include "gateway/store/postgres_lease.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/common/status_macros.h"
#include "gateway/store/postgres_util.h"

namespace trialgate::store {
namespace {

// hashtextextended: PostgreSQL's 64-bit text hash, so the lock's key is the lease's name
// (prefixed, to stay clear of other applications' advisory locks on the same database).
constexpr char kTryLockSql[] = "SELECT pg_try_advisory_lock(hashtextextended($1, 0))";
constexpr char kUnlockSql[] = "SELECT pg_advisory_unlock(hashtextextended($1, 0))";

class PostgresLease final : public Lease {
 public:
  PostgresLease(PgConnPtr conn, std::string key, std::chrono::milliseconds heartbeat)
      : conn_(std::move(conn)), key_(std::move(key)) {
    heartbeat_ = std::thread([this, heartbeat] { Beat(heartbeat); });
  }

  ~PostgresLease() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    heartbeat_.join();
    // Closing the session releases the lock anyway; unlocking first tells a waiting replica
    // sooner than the server noticing the closed socket would.
    if (held_) PgExec(conn_.get(), kUnlockSql, PgParams().Text(key_), "unlock").IgnoreError();
  }

  bool held() const override { return held_; }

 private:
  // Keeps the session from the server's idle timeout; a failed beat means the session, and the
  // lock with it, are gone.
  void Beat(std::chrono::milliseconds period) {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, period, [this] { return stopping_; })) {
      if (!PgExecCommand(conn_.get(), "SELECT 1", "heartbeat").ok()) {
        held_ = false;
        return;
      }
    }
  }

  PgConnPtr conn_;  // the heartbeat thread's until it ends, then the destructor's
  const std::string key_;
  std::atomic<bool> held_{true};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread heartbeat_;
};

}  // namespace

// Held until destroyed; a lost session has released it already (held() cannot tell, but the
// recorder holds it only for one derivation).
class PostgresSubjectLock final : public Lease {
 public:
  PostgresSubjectLock(PostgresSubjectLocks* locks, std::string key)
      : locks_(locks), key_(std::move(key)) {}
  ~PostgresSubjectLock() override { locks_->Unlock(key_); }
  bool held() const override { return true; }

 private:
  PostgresSubjectLocks* const locks_;
  const std::string key_;
};

absl::StatusOr<std::unique_ptr<Lease>> PostgresSubjectLocks::TryLock(
    const std::string& subject_id) {
  const std::string key = absl::StrCat("trialgate-subject:", subject_id);
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(PgResultPtr locked,
                   PgExecReconnecting(&conn_, conninfo_, kTryLockSql, PgParams().Text(key),
                                      "cannot try a subject's lock"));
  if (PgText(locked.get(), 0, 0) != "t") return nullptr;
  return std::make_unique<PostgresSubjectLock>(this, key);
}

void PostgresSubjectLocks::Unlock(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  // A session that is gone holds nothing any more.
  if (!PgConnectionLost(conn_.get())) {
    PgExec(conn_.get(), kUnlockSql, PgParams().Text(key), "unlock").IgnoreError();
  }
}

absl::StatusOr<std::unique_ptr<Lease>> TryAcquirePostgresLease(
    const std::string& conninfo, const std::string& name,
    std::chrono::milliseconds idle_timeout) {
  ASSIGN_OR_RETURN(PgConnPtr conn, PgConnect(conninfo));
  const std::string set_timeout =
      absl::StrCat("SET idle_session_timeout = ", idle_timeout.count());  // milliseconds
  RETURN_IF_ERROR(PgExecCommand(conn.get(), set_timeout.c_str(),
                                "cannot set the lease session's idle timeout"));
  const std::string key = absl::StrCat("trialgate-lease:", name);
  ASSIGN_OR_RETURN(PgResultPtr locked, PgExec(conn.get(), kTryLockSql, PgParams().Text(key),
                                              "cannot try the destination's lease"));
  if (PgText(locked.get(), 0, 0) != "t") return nullptr;
  // Four beats per timeout: one late beat does not lose the lease.
  return std::make_unique<PostgresLease>(std::move(conn), key, idle_timeout / 4);
}

}  // namespace trialgate::store
