// Three real gateway processes ("replicas") on one PostgreSQL database, as an operator runs them
// behind a load balancer: one gap-free log whichever replica a hospital reaches, a resource sent
// to two replicas at once stored once, delivery to a registry by one replica at a time that
// another takes over when the holder is killed or frozen, and readiness that follows the
// database. Each test has a PostgreSQL server of its own; every replica has its own data
// directory and the same pseudonymisation key (TRIALGATE_HMAC_KEY, inherited by the children).
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gateway/registry_sink/event_lines.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "rapidjson/document.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/sink_process.h"
#include "tests/support/temp_postgres.h"
#include "trialgate/v1/delivery.grpc.pb.h"

namespace trialgate::testing {
namespace {

using ::testing::HasSubstr;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

// The key every replica shares: the same patient must get the same pseudonym everywhere.
constexpr char kHmacKey[] = "5f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
constexpr int kReplicas = 3;
constexpr char kDestination[] = "registry";

// Polls `condition` until it holds or `timeout` passes; returns whether it holds. For bounds
// other than Eventually's 20 s.
bool WaitFor(const std::function<bool()>& condition, Clock::duration timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!condition()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return true;
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// `trialgate serve --store URI` as a child process. Not the harness's GatewayProcess: a replica
// needs --store, and the SIGSTOP test needs to signal the process without waiting for it to end.
class Replica {
 public:
  Replica(const std::string& store_uri, const std::filesystem::path& data_dir,
          const std::filesystem::path& log_file, const std::filesystem::path& config_file) {
    std::vector<std::string> args = {TRIALGATE_BINARY, "serve",       "--insecure",
                                     "--store",        store_uri,     "--data",
                                     data_dir.string(), "--listen",   "127.0.0.1:0",
                                     "--mllp-listen",  "off",         "--http-listen",
                                     "127.0.0.1:0"};
    if (!config_file.empty()) args.insert(args.end(), {"--config", config_file.string()});
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "pipe failed";
      return;
    }
    const int log = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    pid_ = ::fork();
    if (pid_ == 0) {
      if (log >= 0) ::dup2(log, STDERR_FILENO);
      ::dup2(out[1], STDOUT_FILENO);
      ::execv(TRIALGATE_BINARY, argv.data());
      ::_exit(127);
    }
    if (log >= 0) ::close(log);
    ::close(out[1]);
    // The HTTP address comes first, the gRPC one last, once everything listens.
    FILE* stream = ::fdopen(out[0], "r");
    char buffer[512] = {0};
    constexpr std::string_view kHttpPrefix = "trialgate http listening on ";
    constexpr std::string_view kPrefix = "trialgate listening on ";
    while (std::fgets(buffer, sizeof buffer, stream) != nullptr) {
      std::string line(buffer);
      while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
      if (line.starts_with(kHttpPrefix)) {
        http_address_ = line.substr(kHttpPrefix.size());
        continue;
      }
      if (line.starts_with(kPrefix)) address_ = line.substr(kPrefix.size());
      break;
    }
    std::fclose(stream);
    EXPECT_FALSE(address_.empty()) << "the replica did not start; see " << log_file;
  }

  ~Replica() { Kill(); }
  Replica(const Replica&) = delete;
  Replica& operator=(const Replica&) = delete;

  const std::string& address() const { return address_; }
  const std::string& http_address() const { return http_address_; }
  bool running() const { return pid_ > 0; }

  // Sends `signal` without waiting (SIGSTOP, SIGCONT).
  void Signal(int signal) {
    if (pid_ > 0) ::kill(pid_, signal);
  }

  // SIGKILL, also of a stopped process, and waits for its end.
  void Kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  std::string address_;
  std::string http_address_;
};

// The research subject `subject` (1, 2, 3...) of patient pt-rp-<subject>, as KRD-RP-000<subject>.
std::string Enrolment(int subject) {
  return absl::StrFormat(
      R"({"resourceType": "ResearchSubject", "id": "rs-rp-%d", "meta": {"versionId": "1"},
          "identifier": [{"system": "urn:trialgate:krd-asct2:subject", "value": "KRD-RP-%04d"}],
          "status": "on-study", "period": {"start": "2026-01-05"},
          "study": {"reference": "ResearchStudy/krd-asct2"},
          "individual": {"reference": "Patient/pt-rp-%d"}})",
      subject, subject, subject);
}

// The k-th neutrophil count of `subject`.
std::string SubjectObservation(int subject, int k) {
  return absl::StrFormat(
      R"({"resourceType": "Observation", "id": "obs-rp-%d-%d", "status": "final",
          "code": {"coding": [{"system": "http://loinc.org", "code": "751-8"}]},
          "subject": {"reference": "Patient/pt-rp-%d"},
          "effectiveDateTime": "2026-%02d-%02dT07:30:00+01:00",
          "valueQuantity": {"value": %d.%d, "unit": "10*3/uL",
                            "system": "http://unitsofmeasure.org", "code": "10*3/uL"}})",
      subject, k, subject, 1 + k / 28 % 12, 1 + k % 28, 1 + k % 5, k % 10);
}

// observation-anc-pt-1001.json (patient pt-1001) under another id.
std::string Observation(const std::string& id) {
  std::string body = TestData("observation-anc-pt-1001.json");
  body.replace(body.find("obs-anc-1001-c1d1"), 17, id);
  return body;
}

// Expects sequences 1, 2, ... in order: what a consumer pulling by cursor relies on. Reports
// the first break only.
void ExpectGapFree(const std::vector<v1::Event>& feed, const std::string& which) {
  for (size_t i = 0; i < feed.size(); ++i) {
    if (feed[i].sequence() != i + 1) {
      ADD_FAILURE() << which << ": position " << i << " holds sequence " << feed[i].sequence()
                    << ", expected " << i + 1;
      return;
    }
  }
}

class ReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("TRIALGATE_HMAC_KEY", kHmacKey, 1);
    absl::StatusOr<std::unique_ptr<TempPostgres>> postgres = TempPostgres::Start();
    ASSERT_TRUE(postgres.ok()) << postgres.status();
    postgres_ = *std::move(postgres);
  }

  void TearDown() override {
    replicas_.clear();
    ::unsetenv("TRIALGATE_HMAC_KEY");
    // The replicas' own words, for a failure seen only in CI: the end of each one's log.
    if (!HasFailure()) return;
    for (int i = 0; i < kReplicas; ++i) {
      const std::string log = ReadFile(LogOf(i));
      std::printf("[ replicas ] the end of replica %d's log:\n%s\n", i,
                  log.substr(log.size() > 4000 ? log.size() - 4000 : 0).c_str());
    }
  }

  // Writes the configuration every replica reads: no deviations (the log holds exactly what
  // was submitted), and the sink as the one destination when there is one.
  std::filesystem::path WriteConfig(const std::string& sink_address) {
    const std::filesystem::path config = dir_.path() / "trialgate.json";
    std::string text = R"({"recordDeviations": false)";
    if (!sink_address.empty()) {
      absl::StrAppend(&text, R"(, "destinations": [{"name": ")", kDestination,
                      R"(", "address": ")", sink_address,
                      R"(", "insecure": true, "batchSize": 20,
                      "retryInitialMilliseconds": 20, "retryMaxMilliseconds": 200}])");
    }
    std::ofstream(config) << text << "}";
    return config;
  }

  // Replica i's name: a, b, c.
  static std::string NameOf(int i) { return std::string(1, static_cast<char>('a' + i)); }
  std::filesystem::path LogOf(int i) const {
    return dir_.path() / ("replica-" + NameOf(i) + ".log");
  }

  void StartReplicas(const std::filesystem::path& config) {
    for (int i = 0; i < kReplicas; ++i) {
      replicas_.push_back(std::make_unique<Replica>(
          postgres_->uri(), dir_.path() / ("data-" + NameOf(i)), LogOf(i), config));
      ASSERT_FALSE(replicas_.back()->address().empty());
      clients_.push_back(std::make_unique<GatewayClient>(replicas_.back()->address()));
      delivery_.push_back(v1::Delivery::NewStub(clients_.back()->channel()));
    }
  }

  // Enrols pt-1001 through replica A (0); returns its event id (empty after a failure, reported
  // as a fatal one).
  std::string EnrolPt1001ThroughA() {
    const v1::SubmitResponse enrolled =
        clients_[0]->SubmitOk(TestData("research-subject-pt-1001.json"));
    [&] {
      ASSERT_EQ(enrolled.entries_size(), 1);
      ASSERT_EQ(enrolled.entries(0).outcome(), v1::EntryOutcome::ACCEPTED)
          << enrolled.entries(0).operation_outcome();
    }();
    return HasFatalFailure() ? std::string() : enrolled.entries(0).event_ids(0);
  }

  // The destination's state on replica `i` ("" when it does not answer within 2 s).
  std::string DeliveryState(int i) {
    v1::ListDestinationsResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + seconds(2));
    const grpc::Status status =
        delivery_[i]->ListDestinations(&context, v1::ListDestinationsRequest(), &response);
    if (!status.ok() || response.destinations_size() != 1) return "";
    return response.destinations(0).state();
  }

  v1::DestinationStatus Destination(int i) {
    v1::ListDestinationsResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + seconds(10));
    const grpc::Status status =
        delivery_[i]->ListDestinations(&context, v1::ListDestinationsRequest(), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.destinations_size(), 1);
    return response.destinations_size() == 1 ? response.destinations(0) : v1::DestinationStatus();
  }

  // The one replica among `among` that delivers the destination while every other one there
  // reports "standby"; -1 when that is not so.
  int Holder(const std::vector<int>& among) {
    int holder = -1;
    for (int i : among) {
      const std::string state = DeliveryState(i);
      if (state.empty()) return -1;
      if (state == "standby") continue;
      if (holder >= 0) return -1;
      holder = i;
    }
    return holder;
  }

  // The destination's states as `trialgate destinations --target` prints them, per replica.
  std::vector<std::string> CliStates(const std::vector<int>& among) {
    std::vector<std::string> states;
    for (int i : among) {
      const CliRun run = RunCli("destinations --target " + replicas_[i]->address());
      EXPECT_EQ(run.exit_code, 0);
      EXPECT_EQ(run.lines.size(), 1u);
      rapidjson::Document line;
      if (!run.lines.empty()) line.Parse(run.lines[0].c_str());
      states.push_back(line.IsObject() && line.HasMember("state") && line["state"].IsString()
                           ? line["state"].GetString()
                           : "");
    }
    return states;
  }

  // What the sink kept, in the order it received it, each event id once.
  std::vector<v1::Event> SinkEvents() {
    absl::StatusOr<std::vector<v1::Event>> events = registry_sink::ReadEventFile(sink_file_);
    if (!events.ok()) return {};
    std::set<std::string> seen;
    std::vector<v1::Event> kept;
    for (v1::Event& event : *events) {
      if (seen.insert(event.event_id()).second) kept.push_back(std::move(event));
    }
    return kept;
  }

  bool SinkHas(const std::set<std::string>& ids) {
    std::set<std::string> kept;
    for (const v1::Event& event : SinkEvents()) kept.insert(event.event_id());
    for (const std::string& id : ids) {
      if (!kept.count(id)) return false;
    }
    return true;
  }

  // Each subject's events reached the sink in the order of the log.
  void ExpectInOrderPerSubject(const std::vector<v1::Event>& kept) {
    std::map<std::string, uint64_t> last;
    int breaks = 0;
    for (const v1::Event& event : kept) {
      uint64_t& previous = last[event.subject_id()];
      if (event.sequence() <= previous && ++breaks <= 5) {
        ADD_FAILURE() << event.subject_id() << ": sequence " << event.sequence()
                      << " reached the sink after sequence " << previous;
      }
      previous = std::max(previous, event.sequence());
    }
    EXPECT_EQ(breaks, 0);
  }

  // Every event of the log, each once, reached the sink; in order per subject.
  void ExpectSinkHoldsTheLog(const std::vector<v1::Event>& feed) {
    const std::vector<v1::Event> kept = SinkEvents();
    std::set<std::string> kept_ids, feed_ids;
    for (const v1::Event& event : kept) kept_ids.insert(event.event_id());
    for (const v1::Event& event : feed) feed_ids.insert(event.event_id());
    EXPECT_EQ(kept_ids, feed_ids);
    ExpectInOrderPerSubject(kept);
  }

  // The whole log as replica `i` serves it once it holds at least `size` events.
  std::vector<v1::Event> FeedOf(int i, size_t size) {
    std::vector<v1::Event> feed;
    EXPECT_TRUE(Eventually([&] {
      feed = clients_[i]->Pull();
      return feed.size() >= size;
    })) << "replica " << i << " serves " << feed.size() << " events, expected " << size;
    return feed;
  }

  // Enrols subjects 1..`subjects`, subject s through replica (s-1) % 3.
  void EnrolSubjects(int subjects) {
    for (int s = 1; s <= subjects; ++s) {
      const v1::SubmitResponse response = clients_[(s - 1) % kReplicas]->SubmitOk(Enrolment(s));
      ASSERT_EQ(response.entries_size(), 1);
      ASSERT_EQ(response.entries(0).outcome(), v1::EntryOutcome::ACCEPTED)
          << response.entries(0).operation_outcome();
    }
  }

  // The delivery scenario: a sink, three replicas forwarding to it, subjects with some data
  // delivered; returns the replica that holds the destination.
  int StartDelivering() {
    sink_file_ = dir_.path() / "registry.jsonl";
    sink_ = std::make_unique<SinkProcess>(sink_file_, dir_.path() / "registry.log");
    EXPECT_FALSE(sink_->address().empty());
    StartReplicas(WriteConfig(sink_->address()));
    if (HasFatalFailure()) return -1;
    EnrolSubjects(kSubjects);
    if (HasFatalFailure()) return -1;
    for (int k = 0; k < 10; ++k) {
      for (int s = 1; s <= kSubjects; ++s) {
        const v1::SubmitResponse response =
            clients_[(k + s) % kReplicas]->SubmitOk(SubjectObservation(s, k));
        EXPECT_EQ(response.entries_size(), 1);
        if (response.entries_size() != 1) return -1;
        EXPECT_EQ(response.entries(0).outcome(), v1::EntryOutcome::ACCEPTED)
            << response.entries(0).operation_outcome();
        submitted_ += 1;
      }
    }
    // One replica delivers, the others stand by; `trialgate destinations` shows it.
    int holder = -1;
    EXPECT_TRUE(Eventually([&] { return (holder = Holder({0, 1, 2})) >= 0; }))
        << "not exactly one replica delivers the destination";
    if (holder < 0) return -1;
    const std::vector<std::string> states = CliStates({0, 1, 2});
    for (int i = 0; i < kReplicas; ++i) {
      if (i == holder) {
        EXPECT_NE(states[i], "standby") << "replica " << i;
        EXPECT_THAT(states[i], ::testing::AnyOf("idle", "delivering")) << "replica " << i;
      } else {
        EXPECT_EQ(states[i], "standby") << "replica " << i;
      }
    }
    const std::vector<v1::Event> feed = FeedOf(0, kSubjects + submitted_);
    std::set<std::string> ids;
    for (const v1::Event& event : feed) ids.insert(event.event_id());
    EXPECT_TRUE(Eventually([&] { return SinkHas(ids); })) << "the first events were not delivered";
    return holder;
  }

  // Submits observations through `replica` until stopped, the subjects in turn; each acknowledged
  // event id with when it was acknowledged.
  class Submitter {
   public:
    Submitter(GatewayClient* client, int first_k) {
      thread_ = std::thread([this, client, first_k] {
        for (int k = first_k; !stop_; ++k) {
          for (int s = 1; s <= kSubjects && !stop_; ++s) {
            grpc::Status status;
            const v1::SubmitResponse response =
                client->Submit(SubjectObservation(s, k), "hospital-a", &status);
            std::lock_guard<std::mutex> lock(mu_);
            if (!status.ok() || response.entries_size() != 1 ||
                response.entries(0).outcome() != v1::EntryOutcome::ACCEPTED) {
              ++failures_;
              last_failure_ = status.ok() ? response.DebugString() : status.error_message();
              continue;
            }
            acked_.push_back({response.entries(0).event_ids(0), Clock::now()});
          }
          std::this_thread::sleep_for(milliseconds(10));  // a steady feed, not a flood
        }
      });
    }
    ~Submitter() { Stop(); }

    void Stop() {
      stop_ = true;
      if (thread_.joinable()) thread_.join();
    }
    size_t acked() {
      std::lock_guard<std::mutex> lock(mu_);
      return acked_.size();
    }
    // The first event acknowledged after `time`, "" if none yet.
    std::string FirstAckedAfter(Clock::time_point time) {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& [id, when] : acked_) {
        if (when > time) return id;
      }
      return "";
    }
    std::set<std::string> ids() {
      std::lock_guard<std::mutex> lock(mu_);
      std::set<std::string> ids;
      for (const auto& ack : acked_) ids.insert(ack.first);
      return ids;
    }
    int failures() {
      std::lock_guard<std::mutex> lock(mu_);
      return failures_;
    }
    std::string last_failure() {
      std::lock_guard<std::mutex> lock(mu_);
      return last_failure_;
    }

   private:
    std::atomic<bool> stop_{false};
    std::mutex mu_;
    std::vector<std::pair<std::string, Clock::time_point>> acked_;
    int failures_ = 0;
    std::string last_failure_;
    std::thread thread_;
  };

  // The holder stops answering (SIGKILL, or SIGSTOP when `freeze`) while events keep coming
  // through another replica: a survivor takes the destination over within `bound`, and the sink
  // receives everything in order per subject. Returns the frozen replica (or -1).
  int FailOver(int holder, bool freeze, Clock::duration bound) {
    const int through = (holder + 1) % kReplicas;
    std::vector<int> survivors;
    for (int i = 0; i < kReplicas; ++i) {
      if (i != holder) survivors.push_back(i);
    }
    Submitter submitter(clients_[through].get(), /*first_k=*/100);
    EXPECT_TRUE(Eventually([&] { return submitter.acked() >= 20; }));

    const Clock::time_point stopped = Clock::now();
    if (freeze) {
      replicas_[holder]->Signal(SIGSTOP);
    } else {
      replicas_[holder]->Kill();
    }
    // Taken over: a survivor delivers (the others stand by), and an event acknowledged after
    // the holder stopped reaches the sink.
    int taker = -1;
    const bool taken_over = WaitFor(
        [&] {
          const std::string after = submitter.FirstAckedAfter(stopped);
          return !after.empty() && SinkHas({after}) && (taker = Holder(survivors)) >= 0;
        },
        bound);
    const double takeover_seconds = SecondsSince(stopped);
    std::printf("[ replicas ] %s of the holder (replica %d): replica %d delivers after %.1f s\n",
                freeze ? "SIGSTOP" : "SIGKILL", holder, taker, takeover_seconds);
    EXPECT_TRUE(taken_over) << "no survivor took the destination over within the bound ("
                            << takeover_seconds << " s)";
    EXPECT_NE(taker, holder);

    // A little more flows to the new holder, then the submissions end.
    const size_t at_takeover = submitter.acked();
    EXPECT_TRUE(Eventually([&] { return submitter.acked() >= at_takeover + 20; }));
    submitter.Stop();
    EXPECT_EQ(submitter.failures(), 0) << submitter.last_failure();

    // Everything acknowledged is in the log and reaches the sink, in order per subject.
    const std::set<std::string> acked = submitter.ids();
    const size_t expected = kSubjects + submitted_ + acked.size();
    const std::vector<v1::Event> feed = FeedOf(through, expected);
    EXPECT_EQ(feed.size(), expected);
    ExpectGapFree(feed, "the log");
    std::set<std::string> feed_ids;
    for (const v1::Event& event : feed) feed_ids.insert(event.event_id());
    for (const std::string& id : acked) EXPECT_TRUE(feed_ids.count(id)) << id;
    EXPECT_TRUE(Eventually([&] { return SinkHas(feed_ids); }))
        << "the sink did not receive every event after the takeover";
    ExpectSinkHoldsTheLog(feed);
    // The new holder has nothing left and its cursor is the log's head.
    if (taker >= 0) {
      EXPECT_TRUE(Eventually([&] {
        const v1::DestinationStatus status = Destination(taker);
        return status.pending_events() == 0 && status.cursor() == feed.back().sequence();
      })) << Destination(taker).DebugString();
    }
    submitted_ += acked.size();
    return freeze ? holder : -1;
  }

  void StopAndRestartTheDatabase();

  static constexpr int kSubjects = 3;

  TempDir dir_;
  std::unique_ptr<TempPostgres> postgres_;
  std::filesystem::path sink_file_;
  std::unique_ptr<SinkProcess> sink_;
  std::vector<std::unique_ptr<Replica>> replicas_;
  std::vector<std::unique_ptr<GatewayClient>> clients_;
  std::vector<std::unique_ptr<v1::Delivery::Stub>> delivery_;
  size_t submitted_ = 0;  // observations acknowledged so far (delivery tests)
};

TEST_F(ReplicasTest, ConcurrentSubmissionsThroughThreeReplicasMakeOneGapFreeLog) {
  StartReplicas(WriteConfig(""));
  ASSERT_FALSE(HasFatalFailure());
  // Enrolled through A; B and C find the enrolment in the store.
  const std::string enrolment = EnrolPt1001ThroughA();
  ASSERT_FALSE(HasFatalFailure());
  std::vector<std::string> acknowledged = {enrolment};

  // A stream per replica, all three at once.
  constexpr int kPerReplica = 500;
  std::mutex mu;
  std::array<int, kReplicas> accepted{}, answers{};
  std::array<std::vector<std::string>, kReplicas> acknowledged_by;
  std::vector<std::string> problems;
  const Clock::time_point start = Clock::now();
  std::vector<std::thread> threads;
  for (int r = 0; r < kReplicas; ++r) {
    threads.emplace_back([&, r] {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + seconds(60));
      auto stream = clients_[r]->gateway().SubmitStream(&context);
      std::thread writer([&] {
        for (int i = 0; i < kPerReplica; ++i) {
          v1::SubmitRequest request;
          request.set_source_system("hospital-a");
          request.set_body(Observation(absl::StrCat("obs-rep-", r, "-", i)));
          if (!stream->Write(request)) break;
        }
        stream->WritesDone();
      });
      v1::SubmitResponse response;
      while (stream->Read(&response)) {
        std::lock_guard<std::mutex> lock(mu);
        ++answers[r];
        for (const v1::EntryOutcome& entry : response.entries()) {
          if (entry.outcome() == v1::EntryOutcome::ACCEPTED && entry.event_ids_size() == 1) {
            ++accepted[r];
            acknowledged.push_back(entry.event_ids(0));
            acknowledged_by[r].push_back(entry.event_ids(0));
          } else if (problems.size() < 5) {
            problems.push_back(absl::StrCat("replica ", r, ": ", entry.DebugString()));
          }
        }
        if (response.has_body_rejection() && problems.size() < 5) {
          problems.push_back(absl::StrCat("replica ", r, ": ", response.DebugString()));
        }
      }
      writer.join();
      const grpc::Status status = stream->Finish();
      std::lock_guard<std::mutex> lock(mu);
      if (!status.ok()) {
        problems.push_back(absl::StrCat("replica ", r, ": ", status.error_message()));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::printf("[ replicas ] %d submissions through 3 replicas in %.1f s\n", kReplicas * kPerReplica,
              SecondsSince(start));
  EXPECT_THAT(problems, ::testing::IsEmpty());
  for (int r = 0; r < kReplicas; ++r) {
    EXPECT_EQ(answers[r], kPerReplica) << "replica " << r;
    EXPECT_EQ(accepted[r], kPerReplica) << "replica " << r;
  }
  const std::set<std::string> acknowledged_ids(acknowledged.begin(), acknowledged.end());
  EXPECT_EQ(acknowledged_ids.size(), acknowledged.size()) << "an event id was answered twice";

  // Every replica serves the same log: 1, 2, ... without a gap, each acknowledged event once.
  std::array<std::vector<v1::Event>, kReplicas> feeds;
  for (int r = 0; r < kReplicas; ++r) feeds[r] = FeedOf(r, acknowledged.size());
  ASSERT_EQ(feeds[0].size(), acknowledged.size());
  ExpectGapFree(feeds[0], "replica a");
  std::map<std::string, int> occurrences;
  for (const v1::Event& event : feeds[0]) ++occurrences[event.event_id()];
  for (const std::string& id : acknowledged) {
    EXPECT_EQ(occurrences[id], 1) << "acknowledged event " << id;
  }
  for (int r = 1; r < kReplicas; ++r) {
    ASSERT_EQ(feeds[r].size(), feeds[0].size()) << "replica " << r;
    int differences = 0;
    for (size_t i = 0; i < feeds[0].size(); ++i) {
      if (!google::protobuf::util::MessageDifferencer::Equals(feeds[r][i], feeds[0][i]) &&
          ++differences <= 3) {
        ADD_FAILURE() << "replica " << r << " differs at position " << i << ":\n"
                      << feeds[r][i].DebugString() << "replica a:\n" << feeds[0][i].DebugString();
      }
    }
    EXPECT_EQ(differences, 0) << "replica " << r;
  }
  // Where each replica's submissions landed in the log (for the record: they ran at once).
  std::map<std::string, uint64_t> sequence_of;
  for (const v1::Event& event : feeds[0]) sequence_of[event.event_id()] = event.sequence();
  for (int r = 0; r < kReplicas; ++r) {
    uint64_t low = ~0ull, high = 0;
    for (const std::string& id : acknowledged_by[r]) {
      low = std::min(low, sequence_of[id]);
      high = std::max(high, sequence_of[id]);
    }
    std::printf("[ replicas ] replica %d's events at sequences %llu..%llu\n", r,
                static_cast<unsigned long long>(low), static_cast<unsigned long long>(high));
  }
}

TEST_F(ReplicasTest, TheSameResourceAtTwoReplicasAtOnceIsStoredOnce) {
  StartReplicas(WriteConfig(""));
  ASSERT_FALSE(HasFatalFailure());
  const v1::SubmitResponse enrolled =
      clients_[0]->SubmitOk(TestData("research-subject-pt-1001.json"));
  ASSERT_EQ(enrolled.entries_size(), 1);
  ASSERT_EQ(enrolled.entries(0).outcome(), v1::EntryOutcome::ACCEPTED);

  // For each id two threads, released together, send the same resource to two replicas (the
  // pairs A-B, B-C, C-A in turn).
  constexpr int kIds = 150;
  struct Answer {
    grpc::Status status;
    v1::SubmitResponse response;
  };
  std::array<std::vector<Answer>, 2> answers;
  answers[0].resize(kIds);
  answers[1].resize(kIds);
  std::barrier together(2);
  const Clock::time_point start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIds; ++i) {
        const std::string body = Observation(absl::StrCat("obs-twice-", i));
        GatewayClient& client = *clients_[(i + t) % kReplicas];
        together.arrive_and_wait();
        answers[t][i].response = client.Submit(body, "hospital-a", &answers[t][i].status);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::printf("[ replicas ] %d resources sent to two replicas at once in %.1f s\n", kIds,
              SecondsSince(start));

  std::vector<std::string> stored_ids = {enrolled.entries(0).event_ids(0)};
  int first_wins = 0, second_wins = 0;
  for (int i = 0; i < kIds; ++i) {
    SCOPED_TRACE(absl::StrCat("obs-twice-", i));
    const Answer& one = answers[0][i];
    const Answer& two = answers[1][i];
    ASSERT_TRUE(one.status.ok()) << one.status.error_message();
    ASSERT_TRUE(two.status.ok()) << two.status.error_message();
    ASSERT_EQ(one.response.entries_size(), 1);
    ASSERT_EQ(two.response.entries_size(), 1);
    const v1::EntryOutcome& a = one.response.entries(0);
    const v1::EntryOutcome& b = two.response.entries(0);
    // One is the new resource, the other the duplicate, and both name the stored events.
    const std::multiset<int> outcomes = {a.outcome(), b.outcome()};
    EXPECT_EQ(outcomes, (std::multiset<int>{v1::EntryOutcome::ACCEPTED,
                                            v1::EntryOutcome::DUPLICATE}))
        << a.DebugString() << b.DebugString();
    EXPECT_EQ(std::vector<std::string>(a.event_ids().begin(), a.event_ids().end()),
              std::vector<std::string>(b.event_ids().begin(), b.event_ids().end()))
        << a.DebugString() << b.DebugString();
    EXPECT_EQ(a.event_ids_size(), 1);
    if (a.outcome() == v1::EntryOutcome::ACCEPTED) ++first_wins;
    if (b.outcome() == v1::EntryOutcome::ACCEPTED) ++second_wins;
    if (a.event_ids_size() > 0) stored_ids.push_back(a.event_ids(0));
  }
  std::printf("[ replicas ] accepted by the first thread's replica %d times, the second's %d\n",
              first_wins, second_wins);

  // Stored once: the log holds the enrolment and one event per resource, each answered id once,
  // and no resource twice (by its pseudonymised id).
  for (int r = 0; r < kReplicas; ++r) {
    const std::vector<v1::Event> feed = FeedOf(r, 1 + kIds);
    EXPECT_EQ(feed.size(), static_cast<size_t>(1 + kIds)) << "replica " << r;
    ExpectGapFree(feed, absl::StrCat("replica ", r));
    std::map<std::string, int> by_id, by_source;
    for (const v1::Event& event : feed) {
      ++by_id[event.event_id()];
      ++by_source[event.source().logical_id()];
    }
    for (const std::string& id : stored_ids) EXPECT_EQ(by_id[id], 1) << id;
    for (const auto& [source, count] : by_source) EXPECT_EQ(count, 1) << "source " << source;
  }
}

TEST_F(ReplicasTest, AKilledHoldersDestinationIsTakenOverAndEverythingArrivesInOrder) {
  const int holder = StartDelivering();
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_GE(holder, 0);
  // Killed: its sessions close, the lease is free at once.
  FailOver(holder, /*freeze=*/false, seconds(15));
  // `destinations` (and so `deadletters`, from the same tables) says the same on every replica:
  // the progress is the shared database's, not the holder's memory.
  std::vector<v1::DestinationStatus> seen;
  for (int i = 0; i < kReplicas; ++i) {
    if (i != holder) seen.push_back(Destination(i));
  }
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].cursor(), seen[1].cursor());
  EXPECT_EQ(seen[0].pending_events(), seen[1].pending_events());
  EXPECT_EQ(seen[0].delivered_events(), seen[1].delivered_events());
  EXPECT_EQ(seen[0].dead_letters(), seen[1].dead_letters());
  EXPECT_GT(seen[0].delivered_events(), 0u);
}

TEST_F(ReplicasTest, AFrozenHoldersDestinationIsTakenOverAfterTheIdleTimeout) {
  const int holder = StartDelivering();
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_GE(holder, 0);
  // Frozen (SIGSTOP): its session falls silent; PostgreSQL ends it after the lease's idle
  // timeout (10 s) and a standby replica takes the lease.
  const int frozen = FailOver(holder, /*freeze=*/true, seconds(25));
  ASSERT_EQ(frozen, holder);

  // Thawed, it has lost the lease: it stands by, and what it accepts now is delivered by the
  // replica that took over, in order.
  replicas_[frozen]->Signal(SIGCONT);
  int now_holder = -1;
  EXPECT_TRUE(Eventually([&] {
    now_holder = Holder({0, 1, 2});
    return now_holder >= 0 && now_holder != frozen;
  })) << "after SIGCONT not exactly one replica delivers: states "
      << DeliveryState(0) << ", " << DeliveryState(1) << ", " << DeliveryState(2);
  // (k far beyond what the submitter reached: new resources, not duplicates)
  for (int k = 900000; k < 900010; ++k) {
    for (int s = 1; s <= kSubjects; ++s) {
      const v1::SubmitResponse response = clients_[frozen]->SubmitOk(SubjectObservation(s, k));
      ASSERT_EQ(response.entries_size(), 1);
      EXPECT_EQ(response.entries(0).outcome(), v1::EntryOutcome::ACCEPTED);
      ++submitted_;
    }
  }
  const std::vector<v1::Event> feed = FeedOf(frozen, kSubjects + submitted_);
  EXPECT_EQ(feed.size(), kSubjects + submitted_);
  std::set<std::string> feed_ids;
  for (const v1::Event& event : feed) feed_ids.insert(event.event_id());
  EXPECT_TRUE(Eventually([&] { return SinkHas(feed_ids); }));
  ExpectSinkHoldsTheLog(feed);
  EXPECT_EQ(DeliveryState(frozen), "standby");
  replicas_[frozen]->Kill();
}

// /readyz of `replica`: the status (0 when it does not answer) and the body.
std::pair<int, std::string> Readyz(const Replica& replica) {
  httplib::Client client("http://" + replica.http_address());
  client.set_connection_timeout(2);
  client.set_read_timeout(5);
  httplib::Result result = client.Get("/readyz");
  if (!result) return {0, ""};
  return {result->status, result->body};
}

// The database stops (as in a crash) and comes back, the replicas running on: each says "not
// ready" while it is away and "ready" once it is back, without being restarted.
void ReplicasTest::StopAndRestartTheDatabase() {
  for (int r = 0; r < kReplicas; ++r) {
    ASSERT_FALSE(replicas_[r]->http_address().empty());
    EXPECT_TRUE(Eventually([&] { return Readyz(*replicas_[r]).first == 200; }))
        << "replica " << r << ": " << Readyz(*replicas_[r]).second;
  }
  ASSERT_TRUE(postgres_->Stop(TempPostgres::StopMode::kImmediate).ok());
  const Clock::time_point stopped = Clock::now();
  for (int r = 0; r < kReplicas; ++r) {
    EXPECT_TRUE(Eventually([&] { return Readyz(*replicas_[r]).first == 503; }))
        << "replica " << r << ": " << Readyz(*replicas_[r]).first << " "
        << Readyz(*replicas_[r]).second;
    const auto [status, body] = Readyz(*replicas_[r]);
    EXPECT_THAT(body, HasSubstr("store not writable")) << status;
  }
  std::printf("[ replicas ] not ready %.1f s after the database stopped\n", SecondsSince(stopped));

  ASSERT_TRUE(postgres_->Restart(TempPostgres::StopMode::kImmediate).ok());
  const Clock::time_point restarted = Clock::now();
  for (int r = 0; r < kReplicas; ++r) {
    EXPECT_TRUE(Eventually([&] { return Readyz(*replicas_[r]).first == 200; }))
        << "replica " << r << ": " << Readyz(*replicas_[r]).first << " "
        << Readyz(*replicas_[r]).second;
    EXPECT_EQ(Readyz(*replicas_[r]).second, "ready\n");
  }
  std::printf("[ replicas ] ready again %.1f s after the database restarted\n",
              SecondsSince(restarted));
}

TEST_F(ReplicasTest, ReadinessFollowsTheDatabaseWithoutARestart) {
  StartReplicas(WriteConfig(""));
  ASSERT_FALSE(HasFatalFailure());
  StopAndRestartTheDatabase();
}

TEST_F(ReplicasTest, ReadyAgainAfterADatabaseRestartMeansSubmissionsAreTaken) {
  StartReplicas(WriteConfig(""));
  ASSERT_FALSE(HasFatalFailure());
  // Patient pt-1001 is enrolled through A before the database goes; B and C have not heard
  // of it.
  EnrolPt1001ThroughA();
  ASSERT_FALSE(HasFatalFailure());
  StopAndRestartTheDatabase();
  ASSERT_FALSE(HasFatalFailure());

  // Ready means ready: the first submissions after it are taken. B and C find the patient
  // enrolled through A; A enrols another.
  for (int r = 1; r < kReplicas; ++r) {
    const v1::SubmitResponse response =
        clients_[r]->SubmitOk(Observation(absl::StrCat("obs-after-restart-", r)));
    ASSERT_EQ(response.entries_size(), 1);
    EXPECT_EQ(response.entries(0).outcome(), v1::EntryOutcome::ACCEPTED)
        << "replica " << r << ": " << response.entries(0).operation_outcome();
  }
  const v1::SubmitResponse another = clients_[0]->SubmitOk(Enrolment(1));
  ASSERT_EQ(another.entries_size(), 1);
  EXPECT_EQ(another.entries(0).outcome(), v1::EntryOutcome::ACCEPTED)
      << another.entries(0).operation_outcome();
}

}  // namespace
}  // namespace trialgate::testing
