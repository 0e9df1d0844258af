// postgres_ingest_bench: what the PostgreSQL event store writes per second, beside two raw libpq
// loops writing the same rows on the same server (issue 18, point 5).
//
//   postgres_ingest_bench [--events N] [--batches 100,1000] [--rounds R]
//                         [--modes array,array-binary,pipelined,store,store-batch,store-3]
//
// Starts its own PostgreSQL 15 (tests/support/temp_postgres.h) with fsync on, and for each batch
// size G and mode writes N events into a fresh database, one event per source, as the gateway
// stores a lab Observation: an `events` row (sequence, id, subject, the serialised event)
// and a `sources` row (a ~150-character key, first sequence, count, attempt id), in transactions
// of G events:
//   array      one INSERT ... SELECT FROM unnest(arrays) per table per transaction (text arrays,
//              a round trip per statement);
//   array-binary the same with binary arrays, prepared, the transaction in one pipeline;
//   pipelined  libpq pipeline mode: BEGIN, G prepared INSERTs per table, COMMIT, one sync;
//   store      PostgresEventStore::Commit, one source per request, G requests in flight (its
//              groups form from what is queued; each group also locks the log's head, records
//              the subjects and notifies);
//   store-batch one Commit of G sources at a time (a Bundle's way: one transaction per batch);
//   store-3    three stores on the database (three replicas' writers), each with G in flight.
// Prints one line per (G, mode): events per second, and the store's share of the better raw loop.
// With --rounds R the modes run R times in turn (this VM's speed drifts within minutes, so each
// round compares modes run seconds apart), then each mode's median rate and the median, lowest
// and highest of its rounds' shares.
//
//   postgres_ingest_bench --follow RATE [--events N]
//
// Follow latency instead: two stores on one database (two replicas); one commits N one-event
// sources at RATE per second, the other follows as a Pull --follow does (WaitForSequenceAbove,
// then ReadAfter); each event's latency runs from its commit being answered on the first to its
// read on the second. Prints p50, p99 and the maximum.
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/store/postgres_event_store.h"
#include "gateway/store/postgres_util.h"
#include "tests/support/temp_postgres.h"

namespace trialgate::store {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  size_t events = 100000;
  double follow_rate = 0;  // events per second; 0: the throughput runs
  std::vector<size_t> batches = {100, 1000};
  std::vector<std::string> modes = {"array", "array-binary", "pipelined", "store"};
  size_t rounds = 1;
};

// One mode's figures over the rounds: its rates, and its share of each round's better raw loop
// (a store mode) or of the round's one store (store-3).
struct ModeFigures {
  std::vector<double> rates, shares, shares_of_one_store;
};

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

void PrintShares(const char* what, const std::vector<double>& shares) {
  if (shares.empty()) return;
  std::printf("  %s %.2f median (%.2f–%.2f)", what, Median(shares),
              *std::min_element(shares.begin(), shares.end()),
              *std::max_element(shares.begin(), shares.end()));
}

v1::Event LabEvent(size_t i) {
  v1::Event event;
  event.set_event_id(absl::StrCat("ev-", std::string(29, 'a'), i));  // 64-hex-like width
  event.set_study_id("KRD-ASCT2");
  event.set_subject_id(absl::StrCat("KRD-", 1000 + i % 500));
  event.set_site_id("site-01");
  v1::LabResult* lab = event.mutable_lab_result();
  lab->set_analyte("anc");
  lab->mutable_code()->set_system("http://loinc.org");
  lab->mutable_code()->set_code("751-8");
  lab->set_value(1.4);
  lab->set_unit("10*9/L");
  event.mutable_source()->set_system("https://ehr.hospital-a.example.org/fhir");
  event.mutable_source()->set_resource_type("Observation");
  event.mutable_source()->set_logical_id(std::string(64, 'd'));  // a keyed pseudonym
  event.mutable_source()->set_content_sha256(std::string(64, 'c'));
  return event;
}

std::string SourceKey(size_t i) {
  return absl::StrCat("39:https://ehr.hospital-a.example.org/fhir;11:Observation;49:obs-",
                      std::string(40, 'f'), i, ";sha256=", std::string(64, 'c'));
}

// Event i as one source, as a lab Observation submitted.
SourceWrite OneEventSource(size_t i) {
  SourceWrite write;
  write.source_key = SourceKey(i);
  write.events.push_back(LabEvent(i));
  return write;
}

// Event i as one Commit() of one source, as a lab Observation submitted alone.
std::vector<SourceWrite> OneEventCommit(size_t i) {
  std::vector<SourceWrite> writes;
  writes.push_back(OneEventSource(i));
  return writes;
}

// A fresh database on `server` for one run.
std::string NewDatabase(testing::TempPostgres& server, const std::string& name) {
  PGconn* admin = PQconnectdb(server.conninfo().c_str());
  PQclear(PQexec(admin, absl::StrCat("CREATE DATABASE ", name).c_str()));
  PQfinish(admin);
  return absl::StrCat("host=", server.dir().string(), " port=", server.port(),
                      " user=postgres dbname=", name);
}

// What the raw loops write as each source's attempt id: as long as the store's (32 hex digits),
// so that their rows are the store's rows.
#define RAW_LOOP_ATTEMPT_ID "0123456789abcdef0123456789abcdef"

// The store's own tables, so the raw loops write into the same shape (created by opening it).
bool CreateTables(const std::string& conninfo) {
  PostgresStoreOptions options;
  options.conninfo = conninfo;
  return OpenPostgresEventStore(options).ok();
}

bool Exec(PGconn* conn, const char* sql) {
  PGresult* result = PQexec(conn, sql);
  const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
  if (!ok) std::cerr << sql << ": " << PQerrorMessage(conn);
  PQclear(result);
  return ok;
}

// Reads every statement's result of a pipeline, then the sync's; false (said on stderr) when
// one failed.
bool AwaitPipeline(PGconn* conn, const char* what) {
  for (;;) {
    PGresult* result = PQgetResult(conn);
    if (result == nullptr) continue;  // the end of one statement's results
    const ExecStatusType status = PQresultStatus(result);
    PQclear(result);
    if (status == PGRES_PIPELINE_SYNC) return true;
    if (status != PGRES_COMMAND_OK) {
      std::cerr << what << ": " << PQerrorMessage(conn);
      return false;
    }
  }
}

std::string TextArray(const std::vector<std::string>& values, bool bytea) {
  std::string literal = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) literal += ',';
    literal += '"';
    if (bytea) {
      static const char kHex[] = "0123456789abcdef";
      literal += "\\\\x";
      for (const unsigned char c : values[i]) {
        literal += kHex[c >> 4];
        literal += kHex[c & 15];
      }
    } else {
      literal += values[i];  // the bench's values need no escaping
    }
    literal += '"';
  }
  return literal + '}';
}

// The rows of events [first, first + count), serialised inside the timing: the store serialises
// too, so every mode pays for it.
struct Rows {
  std::vector<std::string> seqs, ids, subjects, payloads, keys;
};

Rows MakeRows(size_t first, size_t count) {
  Rows rows;
  for (size_t i = first; i < first + count; ++i) {
    v1::Event event = LabEvent(i);
    rows.seqs.push_back(absl::StrCat(i + 1));
    rows.ids.push_back(event.event_id());
    rows.subjects.push_back(event.subject_id());
    rows.payloads.push_back(event.SerializeAsString());
    rows.keys.push_back(SourceKey(i));
  }
  return rows;
}

double RunArray(const std::string& conninfo, size_t events, size_t batch) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  const auto start = Clock::now();
  for (size_t first = 0; first < events; first += batch) {
    const size_t count = std::min(batch, events - first);
    Rows rows = MakeRows(first, count);
    const std::string seqs = TextArray(rows.seqs, false), ids = TextArray(rows.ids, false),
                      subjects = TextArray(rows.subjects, false),
                      payloads = TextArray(rows.payloads, true), keys = TextArray(rows.keys, false);
    const char* event_values[] = {seqs.c_str(), ids.c_str(), subjects.c_str(), payloads.c_str()};
    const char* source_values[] = {keys.c_str(), seqs.c_str()};
    if (!Exec(conn, "BEGIN")) return 0;
    PGresult* result = PQexecParams(
        conn,
        "INSERT INTO events(seq, event_id, subject_id, payload) SELECT * FROM "
        "unnest($1::bigint[], $2::text[], $3::text[], $4::bytea[])",
        4, nullptr, event_values, nullptr, nullptr, 0);
    bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
    PQclear(result);
    result = PQexecParams(conn,
                          "INSERT INTO sources(source_key, first_seq, event_count, attempt_id) "
                          "SELECT k, s, 1, '" RAW_LOOP_ATTEMPT_ID "' "
                          "FROM unnest($1::text[], $2::bigint[]) AS t(k, s)",
                          2, nullptr, source_values, nullptr, nullptr, 0);
    ok = ok && PQresultStatus(result) == PGRES_COMMAND_OK;
    PQclear(result);
    if (!ok) {
      std::cerr << "array insert: " << PQerrorMessage(conn);
      return 0;
    }
    if (!Exec(conn, "COMMIT")) return 0;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  PQfinish(conn);
  return events / seconds;
}

// A connection in pipeline mode with `events_sql` prepared as "event" and `sources_sql` as
// "source".
PGconn* ConnectInPipelineMode(const std::string& conninfo, const char* events_sql,
                              const char* sources_sql) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  PQclear(PQprepare(conn, "event", events_sql, 0, nullptr));
  PQclear(PQprepare(conn, "source", sources_sql, 0, nullptr));
  PQenterPipelineMode(conn);
  return conn;
}

// The array loop at its best: binary arrays (PgBinaryArray, as the store sends them), both
// inserts prepared, and BEGIN, the inserts and COMMIT in one pipeline: one round trip a batch.
double RunBinaryArray(const std::string& conninfo, size_t events, size_t batch) {
  PGconn* conn = ConnectInPipelineMode(
      conninfo,
      "INSERT INTO events(seq, event_id, subject_id, payload) SELECT * FROM "
      "unnest($1::bigint[], $2::text[], $3::text[], $4::bytea[])",
      "INSERT INTO sources(source_key, first_seq, event_count, attempt_id) "
      "SELECT k, s, 1, '" RAW_LOOP_ATTEMPT_ID "' FROM unnest($1::text[], $2::bigint[]) AS t(k, s)");
  const auto start = Clock::now();
  for (size_t first = 0; first < events; first += batch) {
    const size_t count = std::min(batch, events - first);
    Rows rows = MakeRows(first, count);
    PgBinaryArray seqs(PgBinaryArray::kInt8), ids(PgBinaryArray::kText),
        subjects(PgBinaryArray::kText), payloads(PgBinaryArray::kBytea),
        keys(PgBinaryArray::kText);
    for (size_t i = 0; i < count; ++i) {
      seqs.AddInt8(static_cast<int64_t>(first + i + 1));
      ids.Add(rows.ids[i]);
      subjects.Add(rows.subjects[i]);
      payloads.Add(rows.payloads[i]);
      keys.Add(rows.keys[i]);
    }
    const std::string encoded[] = {seqs.Encode(), ids.Encode(), subjects.Encode(),
                                   payloads.Encode(), keys.Encode()};
    auto send = [conn](const char* name, std::vector<const std::string*> params) {
      std::vector<const char*> values;
      std::vector<int> lengths, formats;
      for (const std::string* param : params) {
        values.push_back(param->data());
        lengths.push_back(static_cast<int>(param->size()));
        formats.push_back(1);
      }
      PQsendQueryPrepared(conn, name, static_cast<int>(params.size()), values.data(),
                          lengths.data(), formats.data(), 0);
    };
    PQsendQueryParams(conn, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0);
    send("event", {&encoded[0], &encoded[1], &encoded[2], &encoded[3]});
    send("source", {&encoded[4], &encoded[0]});
    PQsendQueryParams(conn, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 0);
    PQpipelineSync(conn);
    if (!AwaitPipeline(conn, "binary array insert")) return 0;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  PQexitPipelineMode(conn);
  PQfinish(conn);
  return events / seconds;
}

double RunPipelined(const std::string& conninfo, size_t events, size_t batch) {
  PGconn* conn = ConnectInPipelineMode(
      conninfo, "INSERT INTO events(seq, event_id, subject_id, payload) VALUES ($1, $2, $3, $4)",
      "INSERT INTO sources(source_key, first_seq, event_count, attempt_id) "
      "VALUES ($1, $2, 1, '" RAW_LOOP_ATTEMPT_ID "')");
  const auto start = Clock::now();
  for (size_t first = 0; first < events; first += batch) {
    const size_t count = std::min(batch, events - first);
    Rows rows = MakeRows(first, count);
    PQsendQueryParams(conn, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0);
    for (size_t i = 0; i < count; ++i) {
      const char* values[] = {rows.seqs[i].c_str(), rows.ids[i].c_str(), rows.subjects[i].c_str(),
                              rows.payloads[i].data()};
      const int lengths[] = {0, 0, 0, static_cast<int>(rows.payloads[i].size())};
      const int formats[] = {0, 0, 0, 1};
      PQsendQueryPrepared(conn, "event", 4, values, lengths, formats, 0);
      const char* source[] = {rows.keys[i].c_str(), rows.seqs[i].c_str()};
      PQsendQueryPrepared(conn, "source", 2, source, nullptr, nullptr, 0);
    }
    PQsendQueryParams(conn, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 0);
    PQpipelineSync(conn);
    if (!AwaitPipeline(conn, "pipelined insert")) return 0;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  PQexitPipelineMode(conn);
  PQfinish(conn);
  return events / seconds;
}

// Commits events first, first + step, ... (`count` of them) to `store`, each a request of its
// own with `window` requests in flight (groups form from what is queued when the writer is
// free), and waits for every answer. `batch`: instead, one request of `window` sources at a time
// (a Bundle's way: one group, one transaction per batch, as the raw loops' transactions).
// Returns how many failed.
size_t Feed(PostgresEventStore& store, size_t first, size_t step, size_t count, size_t window,
            bool batch) {
  std::mutex mu;
  std::condition_variable cv;
  size_t in_flight = 0, done = 0, failed = 0;
  const size_t per_request = batch ? window : 1;
  for (size_t k = 0; k < count; k += per_request) {
    std::vector<SourceWrite> writes;
    for (size_t j = k; j < std::min(count, k + per_request); ++j) {
      writes.push_back(OneEventSource(first + j * step));
    }
    const size_t sources = writes.size();
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return in_flight + sources <= window; });
      in_flight += sources;
    }
    store.Commit(std::move(writes), [&, sources](CommitResult result) {
      std::lock_guard<std::mutex> lock(mu);
      in_flight -= sources;
      done += sources;
      if (!result.status.ok()) failed += sources;
      cv.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done == count; });
  return failed;
}

// `replicas` stores on the database (as many gateway replicas), each fed its share of the events
// by a thread of its own with `window` requests in flight (see Feed); events per second in all.
double RunStore(const std::string& conninfo, size_t events, size_t window, bool batch,
                size_t replicas) {
  PostgresStoreOptions options;
  options.conninfo = conninfo;
  std::vector<std::unique_ptr<PostgresEventStore>> stores;
  for (size_t r = 0; r < replicas; ++r) {
    absl::StatusOr<std::unique_ptr<PostgresEventStore>> store = OpenPostgresEventStore(options);
    if (!store.ok()) {
      std::cerr << store.status() << "\n";
      return 0;
    }
    stores.push_back(*std::move(store));
  }
  std::atomic<size_t> failed{0};
  const auto start = Clock::now();
  std::vector<std::thread> feeders;
  for (size_t r = 0; r < replicas; ++r) {
    const size_t count = events / replicas + (r < events % replicas ? 1 : 0);
    feeders.emplace_back([&, r, count] {
      failed += Feed(*stores[r], r, replicas, count, window, batch);
    });
  }
  for (std::thread& feeder : feeders) feeder.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (failed > 0) std::cerr << failed << " commits failed\n";
  uint64_t transactions = 0;
  for (const auto& store : stores) transactions += store->Stats().transactions;
  std::fprintf(stderr, "store x%zu: %zu events in %llu transactions (%.0f per group)\n", replicas,
               events, static_cast<unsigned long long>(transactions),
               static_cast<double>(events) / std::max<uint64_t>(1, transactions));
  return failed > 0 ? 0 : events / seconds;
}

// The follow-latency run (see the top of the file).
int RunFollow(const std::string& conninfo, size_t events, double rate) {
  PostgresStoreOptions options;
  options.conninfo = conninfo;
  absl::StatusOr<std::unique_ptr<PostgresEventStore>> writer = OpenPostgresEventStore(options);
  absl::StatusOr<std::unique_ptr<PostgresEventStore>> follower = OpenPostgresEventStore(options);
  if (!writer.ok() || !follower.ok()) {
    std::cerr << "cannot open the stores\n";
    return 1;
  }
  std::mutex mu;
  std::vector<Clock::time_point> committed(events + 1);  // by sequence
  std::vector<double> latencies;
  std::thread follow([&] {
    absl::StatusOr<std::unique_ptr<EventReader>> reader = (*follower)->OpenReader();
    uint64_t cursor = 0;
    while (reader.ok() && cursor < events) {
      (*follower)->WaitForSequenceAbove(cursor, std::chrono::milliseconds(200));
      absl::StatusOr<std::vector<v1::Event>> read = (*reader)->ReadAfter(cursor, 1000);
      if (!read.ok()) break;
      const Clock::time_point now = Clock::now();
      std::lock_guard<std::mutex> lock(mu);
      for (const v1::Event& event : *read) {
        cursor = event.sequence();
        // An event read before its commit's answer arrived counts as zero.
        const Clock::time_point at = committed[cursor];
        latencies.push_back(at == Clock::time_point() || at > now
                                ? 0
                                : std::chrono::duration<double, std::milli>(now - at).count());
      }
    }
  });
  const auto start = Clock::now();
  for (size_t i = 0; i < events; ++i) {
    std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(
                                              std::chrono::duration<double>(i / rate)));
    (*writer)->Commit(OneEventCommit(i), [&](CommitResult result) {
      const Clock::time_point now = Clock::now();
      std::lock_guard<std::mutex> lock(mu);
      if (result.status.ok()) committed[result.results[0].sequences[0]] = now;
    });
  }
  follow.join();
  std::sort(latencies.begin(), latencies.end());
  if (latencies.size() != events) {
    std::cerr << "followed " << latencies.size() << " of " << events << " events\n";
    return 1;
  }
  auto at = [&](double q) { return latencies[static_cast<size_t>(q * (latencies.size() - 1))]; };
  const size_t early = static_cast<size_t>(
      std::count(latencies.begin(), latencies.end(), 0.0));
  std::printf("follow at %.0f/s: %zu events, p50 %.2f ms, p99 %.2f ms, max %.2f ms (%zu read "
              "before the writer's caller was answered, counted as 0)\n",
              rate, events, at(0.5), at(0.99), latencies.back(), early);
  return 0;
}

// The throughput modes (see the top of the file), each run on a fresh database: events per
// second.
struct Mode {
  const char* name;
  double (*run)(const std::string& conninfo, size_t events, size_t batch);
};
constexpr Mode kModes[] = {
    {"array", RunArray},
    {"array-binary", RunBinaryArray},
    {"pipelined", RunPipelined},
    {"store",
     [](const std::string& c, size_t e, size_t b) { return RunStore(c, e, b, false, 1); }},
    {"store-batch",
     [](const std::string& c, size_t e, size_t b) { return RunStore(c, e, b, true, 1); }},
    {"store-3",
     [](const std::string& c, size_t e, size_t b) { return RunStore(c, e, b, false, 3); }},
};

const Mode* FindMode(const std::string& name) {
  for (const Mode& mode : kModes) {
    if (name == mode.name) return &mode;
  }
  return nullptr;
}

bool ParseArgs(int argc, char** argv, Options* options) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--events" && absl::SimpleAtoi(value, &options->events)) continue;
    if (flag == "--rounds" && absl::SimpleAtoi(value, &options->rounds) && options->rounds > 0) {
      continue;
    }
    if (flag == "--batches") {
      options->batches.clear();
      for (absl::string_view part : absl::StrSplit(value, ',')) {
        size_t batch = 0;
        if (!absl::SimpleAtoi(part, &batch) || batch == 0) return false;
        options->batches.push_back(batch);
      }
      continue;
    }
    if (flag == "--follow" && absl::SimpleAtod(value, &options->follow_rate) &&
        options->follow_rate > 0) {
      continue;
    }
    if (flag == "--modes") {
      options->modes = absl::StrSplit(value, ',');
      for (const std::string& mode : options->modes) {
        if (FindMode(mode) == nullptr) return false;
      }
      continue;
    }
    return false;
  }
  return argc % 2 == 1;
}

}  // namespace
}  // namespace trialgate::store

int main(int argc, char** argv) {
  using namespace trialgate::store;  // NOLINT: a bench's main
  Options options;
  if (!ParseArgs(argc, argv, &options)) {
    std::cerr << "usage: postgres_ingest_bench [--events N] [--batches 100,1000] [--rounds R] "
                 "[--modes array,array-binary,pipelined,store,store-batch,store-3] | "
                 "[--follow RATE]\n";
    return 2;
  }
  trialgate::testing::TempPostgresOptions server_options;
  server_options.fsync = true;  // the durability the figures are about
  auto server = trialgate::testing::TempPostgres::Start(server_options);
  if (!server.ok()) {
    std::cerr << server.status() << "\n";
    return 1;
  }
  if (options.follow_rate > 0) {
    return RunFollow(NewDatabase(**server, "follow"), options.events, options.follow_rate);
  }
  int run = 0;
  for (const size_t batch : options.batches) {
    std::map<std::string, ModeFigures> figures;
    for (size_t round = 0; round < options.rounds; ++round) {
      double best_raw = 0, one_store = 0;
      for (const std::string& mode : options.modes) {
        const std::string conninfo = NewDatabase(**server, absl::StrCat("bench_", ++run));
        if (!CreateTables(conninfo)) return 1;
        const double rate = FindMode(mode)->run(conninfo, options.events, batch);
        const bool store = mode.rfind("store", 0) == 0;
        if (!store) best_raw = std::max(best_raw, rate);
        if (mode == "store") one_store = rate;
        figures[mode].rates.push_back(rate);
        std::printf("batch %5zu  %-12s %9.0f events/s", batch, mode.c_str(), rate);
        if (store && best_raw > 0) {
          std::printf("  (%.2f of the better raw loop)", rate / best_raw);
          figures[mode].shares.push_back(rate / best_raw);
        }
        if (mode == "store-3" && one_store > 0) {
          std::printf("  (%.2f of one store)", rate / one_store);
          figures[mode].shares_of_one_store.push_back(rate / one_store);
        }
        std::printf("\n");
        std::fflush(stdout);
      }
    }
    if (options.rounds == 1) continue;
    for (const auto& [mode, figure] : figures) {
      std::printf("batch %5zu  %-12s median %9.0f events/s over %zu rounds", batch, mode.c_str(),
                  Median(figure.rates), figure.rates.size());
      PrintShares("of the better raw loop", figure.shares);
      PrintShares("of one store", figure.shares_of_one_store);
      std::printf("\n");
    }
    std::fflush(stdout);
  }
  return 0;
}
