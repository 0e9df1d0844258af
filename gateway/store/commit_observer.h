#ifndef TRIALGATE_GATEWAY_STORE_COMMIT_OBSERVER_H_
#define TRIALGATE_GATEWAY_STORE_COMMIT_OBSERVER_H_

#include <chrono>
#include <cstddef>

namespace trialgate::store {

// Told of each group transaction the store commits (metrics). Called on the store's writer
// thread, after COMMIT returned and before any of the group's callers is answered: it must be
// fast, must not block and must not call the store.
class CommitObserver {
 public:
  virtual ~CommitObserver() = default;
  // `requests`: the requests the transaction took (commits and outbox writes); `commit_time`:
  // how long COMMIT itself took, i.e. writing the WAL and its fsync.
  virtual void GroupCommitted(size_t requests, std::chrono::nanoseconds commit_time) = 0;
};

}  // namespace trialgate::store

#endif  // TRIALGATE_GATEWAY_STORE_COMMIT_OBSERVER_H_
