// Delivery throughput: the real store (WAL, synchronous=FULL), the real delivery worker and a
// real gRPC receiver on loopback in this process. Two figures (docs/performance.md):
//   BM_DeliverToHealthyReceiver  events committed while the receiver is up, until all acknowledged
//   BM_CatchUpAfterOutage        a backlog built while the receiver was down (one hour at the
//                                given arrival rate), drained once it is back
// The last argument picks the receiver: 0 acknowledges without storing (the gateway's own
// ceiling), 1 is the reference `registry-sink` (dedupe, a JSON line per event, fsync per batch).
// Run: ./build/tests/bench/delivery_bench
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/delivery/forwarder.h"
#include "gateway/registry_sink/registry_sink_server.h"
#include "gateway/store/sqlite_event_store.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "trialgate/v1/registry.grpc.pb.h"

namespace trialgate {
namespace {

// Acknowledges every batch and counts the events.
class CountingRegistry final : public v1::Registry::Service {
 public:
  grpc::Status Publish(grpc::ServerContext*, const v1::PublishRequest* request,
                       v1::PublishResponse*) override {
    received_ += request->events_size();
    return grpc::Status::OK;
  }
  std::atomic<uint64_t> received_{0};
};

class Receiver {
 public:
  Receiver() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
  }
  ~Receiver() { server_->Shutdown(std::chrono::system_clock::now()); }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  CountingRegistry service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

// The receiver a benchmark delivers to: `kind` 0 counts, 1 is the reference sink writing into
// `dir`.
struct AnyReceiver {
  std::unique_ptr<Receiver> counting;
  std::unique_ptr<registry_sink::RegistrySinkServer> sink;
  std::string address;

  AnyReceiver(int64_t kind, const std::filesystem::path& dir) {
    if (kind == 0) {
      counting = std::make_unique<Receiver>();
      address = counting->address();
      return;
    }
    registry_sink::ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.out_file = dir / "registry.jsonl";
    sink = *registry_sink::RegistrySinkServer::Start(options);
    address = sink->address();
  }
};

// A lab result of one of 100 subjects, about the size of a mapped FHIR Observation.
v1::Event MakeEvent(uint64_t n) {
  v1::Event event;
  event.set_event_id(absl::StrCat("ev-bench-", n));
  event.set_study_id("KRD-ASCT2");
  event.set_subject_id(absl::StrCat("KRD-001-", 1000 + n % 100));
  event.set_site_id("site-01");
  event.mutable_source()->set_system("site01-lis");
  event.mutable_source()->set_resource_type("Observation");
  event.mutable_source()->set_logical_id(absl::StrCat("obs-", n));
  event.mutable_source()->set_content_sha256(std::string(64, 'a'));
  v1::LabResult* lab = event.mutable_lab_result();
  lab->set_analyte("neutrophils_abs");
  lab->set_value(1.8);
  lab->set_unit("10*9/L");
  lab->set_value_decimal("1.8");
  lab->set_status("final");
  return event;
}

// Commits `count` events, `per_commit` at a time, waiting for each commit.
void CommitEvents(store::EventStore& store, uint64_t first, uint64_t count, uint64_t per_commit) {
  for (uint64_t n = first; n < first + count; n += per_commit) {
    std::vector<store::SourceWrite> writes;
    for (uint64_t i = n; i < std::min(first + count, n + per_commit); ++i) {
      store::SourceWrite& write = writes.emplace_back();
      write.source_key = absl::StrCat("bench-source-", i);
      write.events.push_back(MakeEvent(i));
    }
    std::promise<void> done;
    store.Commit(std::move(writes), [&done](store::CommitResult) { done.set_value(); });
    done.get_future().wait();
  }
}

struct Setup {
  std::filesystem::path dir;
  config::DestinationConfig destination;
  std::unique_ptr<store::SqliteEventStore> store;

  explicit Setup(size_t batch_size) {
    dir = std::filesystem::temp_directory_path() /
          absl::StrCat("trialgate-delivery-bench-", ::getpid());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    destination.name = "bench-registry";
    destination.insecure = true;
    destination.batch_size = batch_size;
    store::SqliteStoreOptions options;
    options.outbox_routes = delivery::OutboxRoutes({destination});
    store = *store::OpenSqliteEventStore((dir / "trialgate.db").string(), options);
  }
  ~Setup() {
    store.reset();
    std::filesystem::remove_all(dir);
  }
  uint64_t Pending() {
    auto progress = store->Progress({destination.name});
    return progress.ok() && !progress->empty() ? progress->front().pending_events : ~0ull;
  }
  void WaitDrained() {
    while (Pending() != 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
};

// range(0): events; range(1): batch size; range(2): receiver (0 counting, 1 reference sink).
void BM_DeliverToHealthyReceiver(benchmark::State& state) {
  const uint64_t count = state.range(0);
  for (auto _ : state) {
    Setup setup(state.range(1));
    AnyReceiver receiver(state.range(2), setup.dir);
    setup.destination.address = receiver.address;
    auto forwarder = *delivery::Forwarder::Start({setup.destination}, setup.store.get(),
                                                 setup.store.get());
    const auto start = std::chrono::steady_clock::now();
    CommitEvents(*setup.store, 0, count, 100);  // a busy feed: group commits of 100 events
    setup.WaitDrained();
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    state.SetIterationTime(elapsed.count());
    forwarder->Stop();
  }
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(count), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_DeliverToHealthyReceiver)
    ->Args({50000, 100, 0})
    ->Args({50000, 500, 0})
    ->Args({50000, 100, 1})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// range(0): arrival rate in events/s during the one-hour outage; range(1): batch size;
// range(2): receiver.
void BM_CatchUpAfterOutage(benchmark::State& state) {
  const uint64_t backlog = static_cast<uint64_t>(state.range(0)) * 3600;
  for (auto _ : state) {
    Setup setup(state.range(1));
    CommitEvents(*setup.store, 0, backlog, 1000);  // built while nobody delivered
    AnyReceiver receiver(state.range(2), setup.dir);
    setup.destination.address = receiver.address;
    const auto start = std::chrono::steady_clock::now();
    auto forwarder = *delivery::Forwarder::Start({setup.destination}, setup.store.get(),
                                                 setup.store.get());
    setup.WaitDrained();
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    state.SetIterationTime(elapsed.count());
    forwarder->Stop();
  }
  state.counters["backlog_events"] = static_cast<double>(backlog);
  state.counters["events_per_s"] = benchmark::Counter(
      static_cast<double>(backlog), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_CatchUpAfterOutage)
    ->Args({100, 500, 0})
    ->Args({100, 500, 1})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace
}  // namespace trialgate

BENCHMARK_MAIN();
