#include "gateway/cli/http_bench.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gateway/cli/bench_resources.h"
#include "gateway/cli/client.h"
#include "gateway/cli/unary_load.h"
#include "httplib.h"
#include "rapidjson/document.h"

namespace trialgate::cli {
namespace {

// The first few hundred bytes of an answer, for a person.
std::string Excerpt(const std::string& body) {
  return body.size() <= 300 ? body : absl::StrCat(body.substr(0, 300), "...");
}

// A keep-alive connection of one client thread, or null when the target is not host:port.
std::unique_ptr<httplib::ClientImpl> Connect(const HttpBenchTarget& target) {
  const size_t colon = target.target.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(target.target.substr(colon + 1), &port)) {
    return nullptr;
  }
  std::string host = target.target.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::unique_ptr<httplib::ClientImpl> client;
  if (!target.ca_file.empty() || !target.cert_file.empty()) {
    auto tls = std::make_unique<httplib::SSLClient>(host, port, target.cert_file, target.key_file);
    if (!target.ca_file.empty()) tls->set_ca_cert_path(target.ca_file.c_str());
    tls->enable_server_certificate_verification(!target.ca_file.empty());
    client = std::move(tls);
  } else {
    client = std::make_unique<httplib::ClientImpl>(host, port);
  }
  client->set_keep_alive(true);
  // The library writes a request's headers and body in two writes; with Nagle's algorithm the
  // body would wait for the server's delayed ACK of the headers (up to 40 ms on Linux).
  client->set_tcp_nodelay(true);
  client->set_decompress(false);  // no Accept-Encoding: answers as a plain FHIR client gets them
  client->set_connection_timeout(10, 0);
  // A connection beyond the listener's workers waits in its queue until one frees up.
  client->set_read_timeout(120, 0);
  client->set_write_timeout(120, 0);
  return client;
}

}  // namespace

std::string JudgeHttpCreate(int status, const std::string& body, uint64_t) {
  return status == 201 ? "" : absl::StrCat("HTTP ", status, ": ", Excerpt(body));
}

std::string JudgeHttpTransaction(int status, const std::string& body, uint64_t resources) {
  if (status != 200) return absl::StrCat("HTTP ", status, ": ", Excerpt(body));
  rapidjson::Document answer;
  answer.Parse(body.data(), body.size());
  auto member = [](const rapidjson::Value& object, const char* name) -> const rapidjson::Value* {
    if (!object.IsObject()) return nullptr;
    auto it = object.FindMember(name);
    return it == object.MemberEnd() ? nullptr : &it->value;
  };
  const rapidjson::Value* type = answer.HasParseError() ? nullptr : member(answer, "type");
  const rapidjson::Value* entries = answer.HasParseError() ? nullptr : member(answer, "entry");
  if (type == nullptr || !type->IsString() ||
      std::string(type->GetString()) != "transaction-response" || entries == nullptr ||
      !entries->IsArray() || entries->Size() != resources) {
    return absl::StrCat("HTTP 200 but not a transaction-response with ", resources,
                        " entries: ", Excerpt(body));
  }
  for (rapidjson::SizeType e = 0; e < entries->Size(); ++e) {
    const rapidjson::Value* response = member((*entries)[e], "response");
    const rapidjson::Value* entry_status = response ? member(*response, "status") : nullptr;
    if (entry_status == nullptr || !entry_status->IsString() ||
        !absl::StartsWith(entry_status->GetString(), "201")) {
      return absl::StrCat("entry ", e, " is not \"201 Created\": ", Excerpt(body));
    }
  }
  return "";
}

LoadResult RunHttpLoad(const HttpBenchTarget& target, const std::string& source, uint64_t count,
                       int concurrency, const std::function<HttpBenchRequest(uint64_t)>& request,
                       const HttpJudge& judge) {
  LoadTally tally;
  std::atomic<uint64_t> next{0};
  const httplib::Headers headers = {{"X-Trialgate-Source-System", source},
                                    {"Prefer", "return=minimal"}};
  const BenchClock::time_point start = BenchClock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&] {
      std::unique_ptr<httplib::ClientImpl> client = Connect(target);
      if (client == nullptr) {
        // Take this thread's share of the requests as unanswered.
        uint64_t taken = 0;
        while (next++ < count) ++taken;
        tally.AddUnanswered(taken, absl::StrCat("--http-target '", target.target,
                                                "' is not host:port"));
        return;
      }
      uint64_t sent_by_thread = 0;
      for (uint64_t i = next++; i < count; i = next++, ++sent_by_thread) {
        const HttpBenchRequest made = request(i);
        const BenchClock::time_point sent = BenchClock::now();
        httplib::Result answer =
            client->Post(made.path.c_str(), headers, made.body, "application/fhir+json");
        const double ms =
            std::chrono::duration<double, std::milli>(BenchClock::now() - sent).count();
        if (!answer) {
          // Which of the thread's requests it was and how long it waited tell a connection
          // the server closed (e.g. at keepAliveMaxRequests) from one that timed out.
          tally.Add(ms, made.resources,
                    absl::StrFormat("POST %s: %s (request %d of this thread, after %.1f ms)",
                                    made.path, httplib::to_string(answer.error()),
                                    sent_by_thread + 1, ms));
          continue;
        }
        tally.Add(ms, made.resources, judge(answer->status, answer->body, made.resources));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  return tally.Finish(std::chrono::duration<double>(BenchClock::now() - start).count());
}

namespace {

bool AllAccepted(const LoadResult& result, uint64_t requests) {
  return result.other == 0 && result.accepted == requests;
}

void Report(std::ostream& out, std::ostream& err, const std::string& name, int concurrency,
            const LoadResult& result) {
  out << DescribeLoad(name, concurrency, result) << "\n" << std::flush;
  if (!result.first_problem.empty()) err << "bench: " << name << ": " << result.first_problem << "\n";
}

std::string Ratio(const LoadResult& http, const LoadResult& grpc) {
  const double grpc_rate = grpc.ResourcesPerSecond();
  return grpc_rate > 0 ? absl::StrFormat("%.2f (%.0f / %.0f resources/s)",
                                         http.ResourcesPerSecond() / grpc_rate,
                                         http.ResourcesPerSecond(), grpc_rate)
                       : std::string("n/a");
}

// One phase's fresh run ids. The gateway's deviation recorder reads a subject's whole history
// for each new event, so a subject's events cost more the more it already has: each phase
// enrols subjects of its own, so that no phase pays for the events of the phases before it.
struct PhaseRun {
  std::string subjects;   // names the phase's enrolled patients
  std::string resources;  // names its resources: all new, each a durable commit
};

}  // namespace

int RunHttpBench(const BenchOptions& options, std::ostream& out, std::ostream& err) {
  std::signal(SIGPIPE, SIG_IGN);  // a connection the server closed costs an error, not the process
  auto stub = v1::Gateway::NewStub(MakeChannel(options.connection));
  PhaseRun runs[4];
  for (PhaseRun& run : runs) {
    run = PhaseRun{BenchRunId(), BenchRunId()};
    if (!EnrolSubjects(*stub, options.source, options.subjects,
                       [&](int s) { return BenchPatientEnrolment(run.subjects, s); })) {
      return 1;
    }
  }
  HttpBenchTarget target;
  target.target = options.http_target;
  target.ca_file = options.connection.ca_file;
  target.cert_file = options.connection.cert_file;
  target.key_file = options.connection.key_file;
  const int subjects = options.subjects;
  const uint64_t count = options.count;
  const uint64_t k = static_cast<uint64_t>(options.bundle_size);
  const uint64_t bundles = (count + k - 1) / k;
  auto bundle_end = [&](uint64_t b) { return std::min(count, (b + 1) * k); };
  auto transaction = [&](const PhaseRun& run, uint64_t b) {
    return BenchTransaction(run.resources, run.subjects, b * k, bundle_end(b), subjects);
  };

  const LoadResult grpc_create =
      RunUnaryLoad(options.connection, options.source, count, options.concurrency,
                   [&](uint64_t i) {
                     return BenchRequest{
                         BenchResource(runs[0].resources, runs[0].subjects, i, subjects), 1};
                   });
  Report(out, err, "grpc-unary create", options.concurrency, grpc_create);

  const LoadResult http_create = RunHttpLoad(
      target, options.source, count, options.concurrency,
      [&](uint64_t i) {
        return HttpBenchRequest{absl::StrCat("/fhir/", BenchResourceType(i)),
                                BenchResource(runs[1].resources, runs[1].subjects, i, subjects),
                                1};
      },
      JudgeHttpCreate);
  Report(out, err, "http create", options.concurrency, http_create);

  const LoadResult grpc_transaction =
      RunUnaryLoad(options.connection, options.source, bundles, options.concurrency,
                   [&](uint64_t b) {
                     return BenchRequest{transaction(runs[2], b), bundle_end(b) - b * k};
                   });
  Report(out, err, absl::StrCat("grpc-unary transaction of ", k), options.concurrency,
         grpc_transaction);

  const LoadResult http_transaction = RunHttpLoad(
      target, options.source, bundles, options.concurrency,
      [&](uint64_t b) {
        return HttpBenchRequest{"/fhir", transaction(runs[3], b), bundle_end(b) - b * k};
      },
      JudgeHttpTransaction);
  Report(out, err, absl::StrCat("http transaction of ", k), options.concurrency,
         http_transaction);

  out << "http / grpc-unary, creates: " << Ratio(http_create, grpc_create)
      << "; transactions: " << Ratio(http_transaction, grpc_transaction) << "\n";
  return AllAccepted(grpc_create, count) && AllAccepted(http_create, count) &&
                 AllAccepted(grpc_transaction, bundles) && AllAccepted(http_transaction, bundles)
             ? 0
             : 1;
}

}  // namespace trialgate::cli
