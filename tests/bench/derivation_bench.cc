// What deriving one subject costs as the subject's history grows (docs/performance.md,
// "Derivation cost as history grows"). A real SQLite store in a temporary directory holds
// kSubjects subjects of N events each, a realistic mix in date order: body size, KRd
// re-induction doses (carfilzomib days 1, 2, 8, 9, 15, 16; lenalidomide days 1-21;
// dexamethasone days 1, 8, 15, 22), a weekly panel of 12 labs, a few adverse events, the
// mobilisation, harvest and transplant, daily lenalidomide maintenance, then follow-up visits;
// cut at N. Each iteration appends ONE new lab of one subject (a durable commit, not timed) and
// then times, for that subject:
//   BM_Derive:           DeviationRecorder::Derive (sweep_interval 0) after a new ANC of today:
//                        read what is new + add it to the kept timeline (timeline_append.h) +
//                        write what is new (nothing, in steady state);
//   BM_DeriveMarker:     the same after a new serum M-protein of today (the responses are
//                        derived again);
//   BM_DeriveCorrection: the same after a corrected version of the latest ANC (computed from
//                        all of the subject's events: what every lab cost before);
//   BM_Read:             SubjectTimelines::Read alone (the store read path);
//   BM_Build:            SubjectTimelines::Build alone: the full computation, in memory.
// Counters: `appended`, the share of derivations that took the append path.
// The new labs are dated the day after the history's last event (today). The iterations go
// round the subjects, so each grows by kIterations / kSubjects events per repetition only
// (N = 20 stays within 20-28). Fixed iterations, fresh store per repetition.
// Run: nice ./build/tests/bench/derivation_bench --benchmark_repetitions=9
//          --benchmark_report_aggregates_only=true
// BM_Read's bytes_per_event: the parsed events' memory (SpaceUsedLong), for the cache's bound.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/schedule/deviation_recorder.h"
#include "gateway/schedule/subject_timelines.h"
#include "gateway/store/sqlite_event_store.h"
#include "tests/schedule/subject_builder.h"
#include "tests/support/manual_clock.h"

namespace trialgate::schedule {
namespace {

using testing::KrdSchedule;
using testing::Noon;
using testing::SubjectBuilder;

constexpr int kSubjects = 20;
constexpr int kIterations = 160;

const Date kC1D1(2026, 1, 5);

// The weekly panel: blood count and chemistry, as a site reports them.
struct PanelLab {
  const char* analyte;
  double value;
  const char* unit;
};
constexpr PanelLab kPanel[] = {
    {"wbc", 5.2, "10*9/L"},        {"anc", 2.4, "10*9/L"},      {"alc", 1.1, "10*9/L"},
    {"hemoglobin", 118, "g/L"},    {"platelets", 182, "10*9/L"}, {"creatinine", 84, "umol/L"},
    {"alt", 22, "U/L"},            {"ast", 25, "U/L"},           {"bilirubin", 9, "umol/L"},
    {"calcium", 2.3, "mmol/L"},    {"ldh", 190, "U/L"},          {"serum_m_protein", 1.0, "g/dL"},
};

// The panel of `date`; its serum M-protein is 2.5 g/dL at cycle 1 day 1 (the baseline: measurable
// disease, as every subject of the study has) and 1.0 after (a partial response, confirmed at
// each assessment): the responses are derived at every panel.
void Panel(SubjectBuilder& subject, Date date) {
  for (const PanelLab& lab : kPanel) {
    const bool baseline = std::string(lab.analyte) == "serum_m_protein" && date <= kC1D1;
    subject.Lab(lab.analyte, date, baseline ? 2.5 : lab.value, lab.unit);
  }
}

// The first `n` events of a subject that goes through the whole protocol, in date order.
std::vector<v1::Event> History(size_t n) {
  SubjectBuilder subject;
  subject.BodySize(kC1D1 - 3);
  constexpr double kBsa = 1.818;
  for (int cycle = 1; cycle <= 6; ++cycle) {
    const Date day1 = kC1D1 + 28 * (cycle - 1);
    for (int day = 1; day <= 28; ++day) {
      const Date date = day1 + (day - 1);
      if (day == 1 || day == 8 || day == 15 || day == 22) Panel(subject, date);
      for (int k : {1, 2, 8, 9, 15, 16}) {
        if (day == k) subject.Dose("carfilzomib", date, 27 * kBsa);
      }
      if (day <= 21) subject.Dose("lenalidomide", date, 25);
      if (day == 1 || day == 8 || day == 15 || day == 22) {
        subject.Dose("dexamethasone", date, 40);
      }
      if (cycle % 2 == 0 && day == 10) subject.AdverseEvent("Fatigue", 1, date);
    }
  }
  const Date c6_last = kC1D1 + (5 * 28 + 27);
  subject.Response("VGPR", c6_last - 6);
  for (Date date = c6_last + 3; date <= c6_last + 6; ++date) {
    subject.Dose("filgrastim", date, 0.48);
  }
  subject.Dose("plerixafor", c6_last + 6, 24);
  subject.Lab("cd34_per_kg", c6_last + 7, 3.1, "10*6/kg");
  subject.Harvest(c6_last + 7);
  subject.Dose("melphalan", Date(2026, 7, 19), 200);
  subject.Transplant(Date(2026, 7, 21));
  const Date maintenance_start(2026, 9, 1);
  const Date maintenance_end(2028, 2, 29);
  int day = 0;
  for (Date date = maintenance_start; date <= maintenance_end; ++date, ++day) {
    if (day % 7 == 0) Panel(subject, date);
    subject.Dose("lenalidomide", date, 10);
    if (day % 90 == 45) subject.AdverseEvent("Neutrophil count decreased", 2, date);
  }
  for (int visit = 1; visit <= 12; ++visit) {
    const Date date = AddMonths(maintenance_end + 1, 3 * visit);
    subject.Response("VGPR", date);
    Panel(subject, date);
  }
  std::vector<v1::Event> events = std::move(subject.events());
  if (events.size() > n) events.resize(n);
  return events;
}

// A fresh database in a directory of its own, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "derivation_bench_XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    if (!path_.empty()) std::filesystem::remove_all(path_);
  }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

std::string SubjectId(int s) { return absl::StrCat("KRD-001-", 1000 + s); }

// `event` as subject `s`'s own: its id, resource and subject.
v1::Event AsSubject(v1::Event event, int s) {
  const std::string subject = SubjectId(s);
  event.set_subject_id(subject);
  event.set_event_id(absl::StrCat(subject, "/", event.event_id()));
  event.mutable_source()->set_logical_id(
      absl::StrCat(subject, "/", event.source().logical_id()));
  event.clear_sequence();
  return event;
}

// The store, kSubjects subjects of N events, the timelines and a recorder without a worker
// schedule; each subject derived once (what is due from its history is recorded).
class Fixture {
 public:
  explicit Fixture(size_t n) {
    std::vector<v1::Event> history = History(n);
    // Today is the day after the history's last event: the new labs have their day to
    // themselves whatever N is (a day's labs are graded together: a panel day costs more).
    today_ = absl::CivilDay(1970, 1, 1);
    if (!history.empty()) {
      today_ = absl::CivilDay(absl::ToCivilDay(
                   absl::FromUnixSeconds(history.back().occurred_at().seconds()),
                   absl::UTCTimeZone())) +
               1;
    }
    clock_.Set(Noon(today_));
    auto store = store::OpenSqliteEventStore(dir_.File("events.db"));
    if (!store.ok()) {
      error_ = std::string(store.status().message());
      return;
    }
    store_ = *std::move(store);
    for (int s = 0; s < kSubjects; ++s) {
      std::vector<v1::Event> events;
      for (const v1::Event& event : history) events.push_back(AsSubject(event, s));
      if (!testing::CommitEach(store_.get(), events).ok()) {
        error_ = "cannot commit the history";
        return;
      }
    }
    timelines_ = std::make_unique<SubjectTimelines>(
        store_.get(), std::make_shared<const Schedule>(KrdSchedule()),
        std::map<std::string, absl::TimeZone>{}, clock_, testing::KrdClinicalRules());
    recorder_ = std::make_unique<DeviationRecorder>(timelines_.get(), store_.get(),
                                                    std::chrono::seconds(0));
    for (int s = 0; s < kSubjects; ++s) {
      if (absl::Status status = recorder_->Derive(SubjectId(s)); !status.ok()) {
        error_ = std::string(status.message());
        return;
      }
    }
  }
  ~Fixture() {
    recorder_.reset();
    timelines_.reset();
    store_.reset();
  }

  const std::string& error() const { return error_; }
  SubjectTimelines& timelines() { return *timelines_; }
  DeviationRecorder& recorder() { return *recorder_; }
  absl::Time now() const { return clock_.Now(); }

  // Appends one new lab of today of subject `s` (`analyte`, in its study unit), durably; its id.
  std::string AppendLab(int s, const std::string& analyte = "anc", double value = 2.1,
                        const std::string& unit = "10*9/L") {
    SubjectBuilder lab;
    lab.Lab(analyte, today_, value, unit);
    v1::Event event = AsSubject(lab.events().front(), s);
    event.set_event_id(absl::StrCat(SubjectId(s), "/new-lab-", next_lab_));
    event.mutable_source()->set_logical_id(absl::StrCat(SubjectId(s), "/new-lab-", next_lab_));
    ++next_lab_;
    if (!testing::CommitEach(store_.get(), {event}).ok()) return "";
    last_lab_[s] = event;
    return event.event_id();
  }

  // A corrected version of the lab last appended for subject `s` (one is appended first when
  // none), durably; its id.
  std::string CorrectLab(int s) {
    if (last_lab_.count(s) == 0 && AppendLab(s).empty()) return "";
    v1::Event event = last_lab_[s];
    const int version = std::stoi(event.source().version_id()) + 1;
    event.mutable_source()->set_version_id(absl::StrCat(version));
    event.mutable_source()->set_content_sha256(absl::StrCat("corrected-", version));
    event.set_event_id(absl::StrCat(event.event_id(), "-v", version));
    event.mutable_lab_result()->set_value(event.lab_result().value() + 0.1);
    if (!testing::CommitEach(store_.get(), {event}).ok()) return "";
    last_lab_[s] = event;
    return event.event_id();
  }

 private:
  TempDir dir_;
  Date today_;
  trialgate::testing::ManualClock clock_{absl::UnixEpoch()};
  std::unique_ptr<store::SqliteEventStore> store_;
  std::unique_ptr<SubjectTimelines> timelines_;
  std::unique_ptr<DeviationRecorder> recorder_;
  std::string error_;
  int next_lab_ = 0;
  std::map<int, v1::Event> last_lab_;
};

// The fixture of N = state.range(0) events; nullptr after reporting why it cannot be built.
std::unique_ptr<Fixture> MakeFixture(benchmark::State& state) {
  auto fixture = std::make_unique<Fixture>(static_cast<size_t>(state.range(0)));
  if (fixture->error().empty()) return fixture;
  state.SkipWithError(fixture->error().c_str());
  return nullptr;
}

// The iteration's subject (each in turn) with one new lab appended, untimed: timing is paused
// on return.
int PauseAndAppendLab(Fixture& fixture, benchmark::State& state, int iteration) {
  state.PauseTiming();
  const int s = iteration % kSubjects;
  if (fixture.AppendLab(s).empty()) state.SkipWithError("cannot append a lab");
  return s;
}

enum class NewLab { kAnc, kMarker, kCorrection };

// Derive after each new lab of the kind; the share that took the append path.
void DeriveAfter(benchmark::State& state, NewLab kind) {
  std::unique_ptr<Fixture> fixture = MakeFixture(state);
  if (fixture == nullptr) return;
  const TimelineCacheStats before = fixture->timelines().CacheStats();
  int i = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const int s = i++ % kSubjects;
    const std::string id = kind == NewLab::kAnc      ? fixture->AppendLab(s)
                           : kind == NewLab::kMarker ? fixture->AppendLab(s, "serum_m_protein",
                                                                          0.98, "g/dL")
                                                     : fixture->CorrectLab(s);
    if (id.empty()) state.SkipWithError("cannot append a lab");
    state.ResumeTiming();
    if (!fixture->recorder().Derive(SubjectId(s)).ok()) state.SkipWithError("derive failed");
  }
  const TimelineCacheStats after = fixture->timelines().CacheStats();
  const double appends = static_cast<double>(after.appends - before.appends);
  const double all = appends + static_cast<double>(after.rebuilds - before.rebuilds);
  state.counters["appended"] = all > 0 ? appends / all : 0;
  // The kept timeline's memory per event of the subject (the kept computation also holds the
  // subject's current events again: see BM_Read's bytes_per_event).
  absl::StatusOr<SubjectTimelines::Refreshed> kept = fixture->timelines().Refresh(SubjectId(0), 0);
  if (kept.ok() && !kept->events.empty()) {
    state.counters["timeline_bytes_per_event"] =
        static_cast<double>(kept->timeline->SpaceUsedLong()) /
        static_cast<double>(kept->events.size());
  }
}

void BM_Derive(benchmark::State& state) { DeriveAfter(state, NewLab::kAnc); }
void BM_DeriveMarker(benchmark::State& state) { DeriveAfter(state, NewLab::kMarker); }
void BM_DeriveCorrection(benchmark::State& state) { DeriveAfter(state, NewLab::kCorrection); }

void BM_Read(benchmark::State& state) {
  std::unique_ptr<Fixture> fixture = MakeFixture(state);
  if (fixture == nullptr) return;
  int i = 0;
  size_t events = 0;
  double bytes_per_event = 0;
  for (auto _ : state) {
    const int s = PauseAndAppendLab(*fixture, state, i++);
    state.ResumeTiming();
    absl::StatusOr<std::vector<v1::Event>> read = fixture->timelines().Read(SubjectId(s));
    if (!read.ok()) state.SkipWithError("read failed");
    else events = read->size();
    if (read.ok() && i == 1 && !read->empty()) {
      state.PauseTiming();
      size_t bytes = 0;
      for (const v1::Event& event : *read) bytes += event.SpaceUsedLong();
      bytes_per_event = static_cast<double>(bytes) / static_cast<double>(read->size());
      state.ResumeTiming();
    }
  }
  state.counters["events"] = static_cast<double>(events);
  state.counters["bytes_per_event"] = bytes_per_event;
}

void BM_Build(benchmark::State& state) {
  std::unique_ptr<Fixture> fixture = MakeFixture(state);
  if (fixture == nullptr) return;
  int i = 0;
  for (auto _ : state) {
    const int s = PauseAndAppendLab(*fixture, state, i++);
    absl::StatusOr<std::vector<v1::Event>> read = fixture->timelines().Read(SubjectId(s));
    if (!read.ok()) state.SkipWithError("read failed");
    std::vector<v1::Event> events = read.ok() ? *std::move(read) : std::vector<v1::Event>{};
    state.ResumeTiming();
    benchmark::DoNotOptimize(
        fixture->timelines().Build(SubjectId(s), std::move(events), fixture->now()));
  }
}

#define DERIVATION_BENCHMARK(name)          \
  BENCHMARK(name)                           \
      ->Arg(20)                             \
      ->Arg(200)                            \
      ->Arg(2000)                           \
      ->Iterations(kIterations)             \
      ->Unit(benchmark::kMicrosecond)

DERIVATION_BENCHMARK(BM_Derive);
DERIVATION_BENCHMARK(BM_DeriveMarker);
DERIVATION_BENCHMARK(BM_DeriveCorrection);
DERIVATION_BENCHMARK(BM_Read);
DERIVATION_BENCHMARK(BM_Build);

}  // namespace
}  // namespace trialgate::schedule

BENCHMARK_MAIN();
