// Micro-benchmark of the durable commit path of the SQLite event store: many callers' one-event
// requests queued at once, so group commit shares each fsync among up to max_group_requests of
// them and the per-event work (serialise, insert, outbox rows) is what the figure shows.
// Wall time is mostly fsync (and noisy on a shared disk); the CPU column is the whole process's
// (writer and callback threads included), the steadier figure for the per-event work.
// Run: ./build/tests/bench/store_bench --benchmark_repetitions=5
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/store/sqlite_event_store.h"

namespace trialgate::store {
namespace {

constexpr int kRequestsPerIteration = 1000;

v1::Event LabEvent(uint64_t i) {
  v1::Event event;
  event.set_event_id(absl::StrCat("bench-event-", i));
  event.set_study_id("KRD-ASCT2");
  event.set_subject_id(absl::StrCat("KRD-", 100 + i % 40));
  event.set_site_id("site-a");
  v1::LabResult* lab = event.mutable_lab_result();
  lab->set_analyte("anc");
  lab->mutable_code()->set_system("http://loinc.org");
  lab->mutable_code()->set_code("751-8");
  lab->set_value(1.4);
  lab->set_unit("10*9/L");
  return event;
}

// A fresh database in a directory of its own, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "store_bench_XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    if (!path_.empty()) std::filesystem::remove_all(path_);
  }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Commits kRequestsPerIteration one-event requests without waiting in between, then waits
// for the last answer (commits complete in request order).
void CommitBurst(EventStore& store, uint64_t* next) {
  std::promise<void> last;
  std::future<void> done = last.get_future();
  for (int r = 0; r < kRequestsPerIteration; ++r) {
    const uint64_t i = (*next)++;
    SourceWrite write;
    write.source_key = absl::StrCat("bench/source/", i);
    write.events.push_back(LabEvent(i));
    std::vector<SourceWrite> writes;
    writes.push_back(std::move(write));
    const bool is_last = r + 1 == kRequestsPerIteration;
    store.Commit(std::move(writes), [is_last, &last](CommitResult result) {
      if (!result.status.ok()) std::abort();
      if (is_last) last.set_value();
    });
  }
  done.wait();
}

void RunCommitBenchmark(benchmark::State& state, SqliteStoreOptions options) {
  TempDir dir;
  auto store = OpenSqliteEventStore(dir.File("events.db"), std::move(options));
  if (!store.ok()) {
    state.SkipWithError(std::string(store.status().message()).c_str());
    return;
  }
  uint64_t next = 0;
  for (auto _ : state) CommitBurst(**store, &next);
  state.SetItemsProcessed(state.iterations() * kRequestsPerIteration);
  state.counters["transactions"] = static_cast<double>((*store)->Stats().transactions);
}

// No destinations: what every commit cost before forwarding existed.
void BM_CommitOneEventRequests(benchmark::State& state) {
  RunCommitBenchmark(state, SqliteStoreOptions());
}
BENCHMARK(BM_CommitOneEventRequests)
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();

// One destination taking every event: one outbox row per event, in the same transaction.
void BM_CommitOneEventRequestsOneRoute(benchmark::State& state) {
  SqliteStoreOptions options;
  options.outbox_routes.push_back({"registry", [](const v1::Event&) { return true; }});
  RunCommitBenchmark(state, std::move(options));
}
BENCHMARK(BM_CommitOneEventRequestsOneRoute)
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();

}  // namespace
}  // namespace trialgate::store

BENCHMARK_MAIN();
