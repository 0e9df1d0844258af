#include "gateway/cli/mllp_bench.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <deque>
#include <iostream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gateway/cli/bench_support.h"
#include "gateway/cli/client.h"
#include "gateway/hl7v2/ack.h"
#include "gateway/hl7v2/charset.h"
#include "gateway/hl7v2/mllp_framer.h"

namespace trialgate::cli {

std::string MllpBenchControlId(const std::string& run, uint64_t i) {
  return absl::StrCat("B", run, "-", i);
}

std::string MllpBenchPatientId(const std::string& run, int subject) {
  return absl::StrCat("BENCH-", run, "-", subject);
}

std::string MllpBenchEnrolment(const std::string& run, int subject) {
  return BenchEnrolment(run, subject,
                        absl::StrCat(R"({"identifier":{"system":"urn:oid:)", kMllpBenchPatientOid,
                                     R"(","value":")", MllpBenchPatientId(run, subject),
                                     R"("}})"));
}

std::string MllpBenchOru(const std::string& run, uint64_t i, int subjects) {
  const int subject = static_cast<int>(i % static_cast<uint64_t>(subjects));
  const int tenths = 5 + static_cast<int>(i % 40);  // 0.5 .. 4.4 x10E9/L
  return absl::StrCat(
      "MSH|^~\\&|LIS|HOSPA|TRIALGATE|KRD|202601060800+0100||ORU^R01^ORU_R01|",
      MllpBenchControlId(run, i), "|P|2.5.1\r",
      "PID|1||", MllpBenchPatientId(run, subject), "^^^HOSPA&", kMllpBenchPatientOid,
      "&ISO^MR||Muster^Erika||19600812|F\r",
      "OBR|1|ORD-", run, "-", i, "|FIL-", run, "-", i,
      "|26499-4^Neutrophils^LN|||202601060715+0100\r",
      "OBX|1|NM|751-8^Neutrophils [#/volume] in Blood by Automated count^LN||", tenths / 10, ".",
      tenths % 10, "|x10E9/L^^L|1.8-7.7|", tenths < 18 ? "L" : "N",
      "|||F|||202601060730+0100\r");
}

// ---------------------------------------------------------------------------------------------
// The echo server.

absl::StatusOr<std::unique_ptr<EchoServer>> EchoServer::Start() {
  std::signal(SIGPIPE, SIG_IGN);  // a client that vanishes costs an error, not the process
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("socket: ", std::strerror(errno)));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      listen(fd, 128) != 0) {
    const int error = errno;
    close(fd);
    return absl::UnavailableError(absl::StrCat("echo server: ", std::strerror(error)));
  }
  return std::unique_ptr<EchoServer>(new EchoServer(fd));
}

EchoServer::EchoServer(int listen_fd) : listen_fd_(listen_fd) {
  sockaddr_in local{};
  socklen_t length = sizeof(local);
  if (getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&local), &length) == 0) {
    port_ = ntohs(local.sin_port);
  }
  accept_thread_ = std::thread([this] { AcceptLoop(); });
}

EchoServer::~EchoServer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
    for (int fd : fds_) shutdown(fd, SHUT_RD);
  }
  accept_thread_.join();
  close(listen_fd_);
  for (std::thread& thread : threads_) thread.join();
  for (int fd : fds_) close(fd);
}

std::string EchoServer::address() const { return absl::StrCat("127.0.0.1:", port_); }

void EchoServer::AcceptLoop() {
  while (true) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      if (fd >= 0) close(fd);
      return;
    }
    if (fd < 0) continue;
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));  // as the listener does
    fds_.push_back(fd);
    threads_.emplace_back([this, fd] { Serve(fd); });
  }
}

// As the gateway's listener: a 64 KiB read, the framer, and each answer framed and written.
void EchoServer::Serve(int fd) {
  hl7v2::MllpFramer framer;
  std::string buffer(64 * 1024, '\0');
  while (true) {
    const ssize_t n = recv(fd, buffer.data(), buffer.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    for (hl7v2::MllpEvent& event :
         framer.Feed(absl::string_view(buffer.data(), static_cast<size_t>(n)))) {
      if (event.kind != hl7v2::MllpEvent::Kind::kMessage) continue;
      absl::StatusOr<std::string> frame = hl7v2::FrameMessage(event.payload);
      if (!frame.ok()) return;
      absl::string_view rest = *frame;
      while (!rest.empty()) {
        const ssize_t sent = send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR) continue;
        if (sent <= 0) return;
        rest.remove_prefix(static_cast<size_t>(sent));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The load.

namespace {

using Clock = BenchClock;

// What one connection's thread found.
struct Lane {
  MllpLoadResult result;
  std::unique_ptr<MllpClient> client;
  uint64_t messages = 0;
  uint64_t bytes = 0;
};

void NoteProblem(MllpLoadResult& result, std::string problem) {
  if (result.first_problem.empty()) result.first_problem = std::move(problem);
}

// Judges one answer to `message` (number i) into `result`.
void Judge(const std::string& run, uint64_t i, const std::string& message,
           const std::string& answer, MllpExpect expect, MllpLoadResult& result) {
  if (expect == MllpExpect::kEcho) {
    if (answer == message) {
      ++result.accepted;
    } else {
      ++result.other;
      NoteProblem(result, absl::StrCat("message ", i, ": the echo differs from what was sent"));
    }
    return;
  }
  absl::StatusOr<hl7v2::Decoded> decoded = hl7v2::DecodeToUtf8(answer);
  absl::StatusOr<hl7v2::AckReport> ack =
      decoded.ok() ? hl7v2::ReadAck(decoded->text) : decoded.status();
  if (!ack.ok()) {
    ++result.other;
    NoteProblem(result,
                absl::StrCat("message ", i, ": unreadable answer: ", ack.status().message()));
    return;
  }
  if (ack->control_id != MllpBenchControlId(run, i)) {
    ++result.other;
    NoteProblem(result, absl::StrCat("message ", i, ": the ACK answers control id '",
                                     ack->control_id, "', not ", MllpBenchControlId(run, i)));
    return;
  }
  if (ack->accepted()) {
    ++result.accepted;
    return;
  }
  (ack->code == "AR" || ack->code == "CR" ? result.rejects : result.errors)++;
  if (result.first_problem.empty()) {
    std::string why = ack->text;
    for (const hl7v2::ReadAckError& error : ack->errors) {
      absl::StrAppend(&why, why.empty() ? "" : "; ", "HL7 error ", error.code, " at ",
                      error.location, ": ", error.text);
    }
    NoteProblem(result, absl::StrCat("message ", i, ": ", ack->code, ": ", why));
  }
}

// One connection: messages first, first + stride, ... below count.
void RunLane(Lane& lane, const std::string& run, uint64_t first, uint64_t stride, uint64_t count,
             int pipeline, int subjects, MllpExpect expect) {
  struct InFlight {
    uint64_t i;
    std::string message;
    Clock::time_point sent;
  };
  std::deque<InFlight> in_flight;
  uint64_t next = first;
  MllpLoadResult& result = lane.result;
  while (next < count || !in_flight.empty()) {
    while (next < count && in_flight.size() < static_cast<size_t>(pipeline)) {
      std::string message = MllpBenchOru(run, next, subjects);
      const Clock::time_point sent = Clock::now();
      if (absl::Status status = lane.client->Send(message); !status.ok()) {
        NoteProblem(result, absl::StrCat("sending message ", next, ": ", status.message()));
        result.other += in_flight.size() + (count - next + stride - 1) / stride;
        return;
      }
      ++lane.messages;
      lane.bytes += message.size();
      in_flight.push_back(InFlight{next, std::move(message), sent});
      next += stride;
    }
    absl::StatusOr<std::string> answer = lane.client->Receive();
    if (!answer.ok()) {
      NoteProblem(result, absl::StrCat("waiting for the answer to message ", in_flight.front().i,
                                       ": ", answer.status().message()));
      result.other += in_flight.size() + (next < count ? (count - next + stride - 1) / stride : 0);
      return;
    }
    const InFlight& oldest = in_flight.front();
    result.latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - oldest.sent).count());
    Judge(run, oldest.i, oldest.message, *answer, expect, result);
    in_flight.pop_front();
  }
}

}  // namespace

MllpLoadResult RunMllpLoad(const MllpClientOptions& client, const std::string& run,
                           uint64_t count, int connections, int pipeline, int subjects,
                           MllpExpect expect) {
  std::vector<Lane> lanes(static_cast<size_t>(connections));
  MllpLoadResult total;
  for (Lane& lane : lanes) {
    absl::StatusOr<std::unique_ptr<MllpClient>> connected = MllpClient::Connect(client);
    if (!connected.ok()) {
      total.other = count;
      total.first_problem = absl::StrCat("cannot connect: ", connected.status().message());
      return total;
    }
    lane.client = std::move(*connected);
  }
  const Clock::time_point start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      RunLane(lanes[c], run, static_cast<uint64_t>(c), static_cast<uint64_t>(connections),
              count, pipeline, subjects, expect);
    });
  }
  for (std::thread& thread : threads) thread.join();
  total.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  uint64_t messages = 0, bytes = 0;
  for (Lane& lane : lanes) {
    total.accepted += lane.result.accepted;
    total.errors += lane.result.errors;
    total.rejects += lane.result.rejects;
    total.other += lane.result.other;
    total.latencies_ms.insert(total.latencies_ms.end(), lane.result.latencies_ms.begin(),
                              lane.result.latencies_ms.end());
    if (total.first_problem.empty()) total.first_problem = lane.result.first_problem;
    messages += lane.messages;
    bytes += lane.bytes;
  }
  std::sort(total.latencies_ms.begin(), total.latencies_ms.end());
  total.message_bytes = messages == 0 ? 0 : static_cast<double>(bytes) / messages;
  return total;
}

namespace {

double Rate(const MllpLoadResult& result) {
  return result.seconds > 0 ? result.latencies_ms.size() / result.seconds : 0;
}

void Print(std::ostream& out, const std::string& mode, const BenchOptions& options,
           const MllpLoadResult& result) {
  out << absl::StrFormat(
      "mode=%s count=%d connections=%d pipeline=%d message=%.0f bytes: %.0f messages/s over "
      "%.2f s; latency p50 %.2f ms, p99 %.2f ms; ",
      mode, result.latencies_ms.size(), options.concurrency, options.pipeline,
      result.message_bytes, Rate(result), result.seconds, Percentile(result.latencies_ms, 0.50),
      Percentile(result.latencies_ms, 0.99));
  if (mode == "mllp") {
    out << absl::StrFormat("AA %d, AE %d, AR %d, other %d\n", result.accepted, result.errors,
                           result.rejects, result.other);
  } else {
    out << absl::StrFormat("echoed %d, other %d\n", result.accepted, result.other);
  }
}

MllpLoadResult Ceiling(const BenchOptions& options, const std::string& run, std::ostream& out,
                       std::ostream& err) {
  absl::StatusOr<std::unique_ptr<EchoServer>> echo = EchoServer::Start();
  if (!echo.ok()) {
    err << "bench: " << echo.status().message() << "\n";
    return {};
  }
  MllpClientOptions client;
  client.target = (*echo)->address();
  MllpLoadResult result = RunMllpLoad(client, run, options.count, options.concurrency,
                                      options.pipeline, options.subjects, MllpExpect::kEcho);
  Print(out, "tcp-echo", options, result);
  if (!result.first_problem.empty()) err << "bench: tcp-echo: " << result.first_problem << "\n";
  return result;
}

}  // namespace

int RunMllpBench(const BenchOptions& options, std::ostream& out, std::ostream& err) {
  std::signal(SIGPIPE, SIG_IGN);  // TLS writes with write(2)
  const std::string run = BenchRunId();
  if (options.mode == "tcp-echo") {
    const MllpLoadResult ceiling = Ceiling(options, run, out, err);
    return ceiling.accepted == options.count ? 0 : 1;
  }

  auto stub = v1::Gateway::NewStub(MakeChannel(options.connection));
  if (!EnrolSubjects(*stub, kMllpBenchSystem, options.subjects,
                     [&run](int s) { return MllpBenchEnrolment(run, s); })) {
    err << "bench: the subjects are enrolled as sending system " << kMllpBenchSystem
        << ", the messages' MSH-3^MSH-4; a gateway with configured sites must list it\n";
    return 1;
  }
  MllpClientOptions client;
  client.target = options.mllp_target;
  client.ca_file = options.connection.ca_file;
  client.cert_file = options.connection.cert_file;
  client.key_file = options.connection.key_file;
  client.server_name = options.connection.server_name;
  const MllpLoadResult gateway = RunMllpLoad(client, run, options.count, options.concurrency,
                                             options.pipeline, options.subjects, MllpExpect::kAck);
  Print(out, "mllp", options, gateway);
  if (!gateway.first_problem.empty()) err << "bench: mllp: " << gateway.first_problem << "\n";
  if (gateway.accepted == 0) {
    err << "bench: NO message was acknowledged AA. The subjects were enrolled over gRPC as "
           "sending system "
        << kMllpBenchSystem
        << " (the messages' MSH-3^MSH-4): the gateway at --target and the one at --mllp-target "
           "must be the same, and with configured \"sites\" "
        << kMllpBenchSystem << " must belong to a site\n";
    return 1;
  }
  if (options.ceiling) {
    if (!client.ca_file.empty() || !client.cert_file.empty()) {
      err << "bench: the ceiling is plain TCP; the gateway run used TLS\n";
    }
    const MllpLoadResult ceiling = Ceiling(options, run, out, err);
    if (Rate(ceiling) > 0) {
      out << absl::StrFormat("gateway / tcp-echo ceiling: %.3f (%.0f of %.0f messages/s)\n",
                             Rate(gateway) / Rate(ceiling), Rate(gateway), Rate(ceiling));
    }
  }
  return gateway.accepted == options.count ? 0 : 1;
}

}  // namespace trialgate::cli
