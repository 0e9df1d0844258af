#ifndef TRIALGATE_TESTS_REGISTRY_CHAOS_REGISTRY_H_
#define TRIALGATE_TESTS_REGISTRY_CHAOS_REGISTRY_H_

// A misbehaving Registry receiver for fault tests of forwarding: a gRPC server in this process
// on 127.0.0.1 that keeps events like the reference sink (JsonlEventSink: each event once, also
// across its restarts) but, by a seeded random draw per call, fails in the ways a real
// registry and network do. Tests then check what the gateway delivered: every event exactly
// once, each subject's events in order, the poison event never.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gateway/registry_sink/jsonl_event_sink.h"
#include "grpcpp/server.h"
#include "trialgate/v1/registry.grpc.pb.h"

namespace trialgate::testing {

// Chances per call, drawn once per call (so together at most 1); the rest of the calls behave.
struct Misbehaviour {
  double unavailable = 0;         // answer UNAVAILABLE, keep nothing
  double resource_exhausted = 0;  // answer RESOURCE_EXHAUSTED, keep nothing
  // Keep the events, then answer only once the caller's deadline has passed: the caller sees
  // DEADLINE_EXCEEDED although the events were kept, so they will come again. (A caller
  // without a deadline waits until Kill().)
  double stall = 0;
  // Keep the events, then shut the server down without grace while the call is open (the
  // caller sees the connection go) and start it again on the same port (see AwaitServing).
  double drop_connection = 0;
  // Rejected permanently (INVALID_ARGUMENT in PublishResponse.rejections) whenever it comes;
  // never kept. The rest of its batch is kept as usual. Empty: none.
  std::string poison_event_id;
};

struct ChaosStats {
  uint64_t calls = 0;
  uint64_t answered_ok = 0;  // calls answered OK (rejections or not)
  uint64_t unavailable = 0;
  uint64_t resource_exhausted = 0;
  uint64_t stalled = 0;  // kept, then held past the deadline
  uint64_t dropped = 0;  // kept, then the connection dropped
  uint64_t poison_rejections = 0;
  uint64_t sink_errors = 0;      // the file could not be written (answered UNAVAILABLE)
  uint64_t events_received = 0;  // in every call, duplicates and refused calls included
  uint64_t events_kept = 0;      // new events appended to the file
  uint64_t duplicates = 0;       // events received that the file already held
};

class ChaosRegistry {
 public:
  // Listens on a free port of 127.0.0.1, keeping events in `sink_file` (created if absent;
  // events already in it count as held). `seed` makes the sequence of draws reproducible.
  static absl::StatusOr<std::unique_ptr<ChaosRegistry>> Start(
      const std::filesystem::path& sink_file, Misbehaviour misbehaviour = {}, uint64_t seed = 1);

  // Stops at once (calls in flight are cancelled).
  ~ChaosRegistry();
  ChaosRegistry(const ChaosRegistry&) = delete;
  ChaosRegistry& operator=(const ChaosRegistry&) = delete;

  // "127.0.0.1:PORT": the same for the receiver's whole life, restarts included.
  const std::string& address() const { return address_; }
  int port() const { return port_; }

  // Changes the mix from the next call on (e.g. to let a test drain at the end).
  void set_misbehaviour(Misbehaviour misbehaviour);

  // Stops the server without grace (calls in flight are cancelled, new ones find no one
  // listening) and closes the file, like a crashed receiver. Idempotent.
  void Kill();
  // Kills if running, then starts again on the same port with the same file, re-reading it, so
  // what was kept before still counts as held.
  absl::Status Restart();
  // Blocks until the restarts that dropped connections asked for are done.
  void AwaitServing();

  ChaosStats stats() const;
  // Blocks until `condition` holds for the statistics or `timeout` passes; returns whether it
  // holds. For waiting on calls the receiver handles on its own threads.
  bool WaitFor(const std::function<bool(const ChaosStats&)>& condition,
               std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;

  // The events kept, read back from the file in the order they were appended.
  absl::StatusOr<std::vector<v1::Event>> KeptEvents() const;

 private:
  class Service;
  enum class Action { kBehave, kUnavailable, kResourceExhausted, kStall, kDropConnection };

  ChaosRegistry(std::filesystem::path sink_file, Misbehaviour misbehaviour, uint64_t seed);

  // Called by the service on its call threads.
  Action Draw(const v1::PublishRequest& request);
  grpc::Status KeepBatch(registry_sink::JsonlEventSink& sink, const v1::PublishRequest& request,
                         v1::PublishResponse* response);
  void Count(const std::function<void(ChaosStats&)>& update);
  void RequestRestart();

  // Lifecycle; lifecycle_mu_ held.
  absl::Status StartServer();
  void StopServer();
  void MarkRestartsDone();
  void RestartLoop();

  const std::filesystem::path sink_file_;
  int port_ = 0;
  std::string address_;

  // Taken before mu_ when both are needed. Call threads never take it: stopping the server
  // waits for them.
  std::mutex lifecycle_mu_;
  std::unique_ptr<registry_sink::JsonlEventSink> sink_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;

  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  Misbehaviour misbehaviour_;     // guarded by mu_
  std::mt19937_64 random_;        // guarded by mu_
  ChaosStats stats_;              // guarded by mu_
  uint64_t restarts_wanted_ = 0;  // guarded by mu_
  uint64_t restarts_done_ = 0;    // guarded by mu_
  bool stopping_ = false;         // guarded by mu_
  std::thread restarter_;         // restarts the server after a dropped connection
};

}  // namespace trialgate::testing

#endif  // TRIALGATE_TESTS_REGISTRY_CHAOS_REGISTRY_H_
