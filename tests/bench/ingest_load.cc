// ingest_load: a lean gRPC load generator for the gateway's Submit and SubmitStream, and for any
// server answering those methods (an echo server, to measure the ceiling the same way).
//
// One thread drives one completion queue; requests are read pre-serialised from a file (each a
// varint length then a SubmitRequest, as ../shared/tools/grpcload/make_requests.py writes them)
// and sent as raw bytes, so the client spends little CPU beside the server it measures.
//
//   ingest_load --target HOST:PORT --requests FILE --mode unary|stream
//               [--connections N] [--in-flight N] [--rate PER_SECOND]
//
// Closed loop (no --rate): unary keeps --in-flight calls outstanding over --connections
// channels; stream opens --connections streams, each with up to --in-flight unanswered
// requests. Paced (--rate R): request i is due at start + i/R and latency is measured from that
// due time, not from when it could be sent, so a server that falls behind is charged for the
// wait (no coordinated omission); --in-flight still caps what is outstanding.
//
// Prints one line: mode, count, seconds, rate, latency percentiles in ms, failures.

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr char kUnaryMethod[] = "/trialgate.v1.Gateway/Submit";
constexpr char kStreamMethod[] = "/trialgate.v1.Gateway/SubmitStream";

struct Options {
  std::string target;
  std::string requests;
  std::string mode;
  int connections = 4;
  int in_flight = 64;
  double rate = 0;  // per second; 0: closed loop
};

// The varint-length-prefixed messages of `path`; empty with a message on stderr if unreadable.
std::vector<std::string> ReadMessages(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> messages;
  size_t at = 0;
  while (at < bytes.size()) {
    uint64_t length = 0;
    int shift = 0;
    while (at < bytes.size() && shift < 64) {
      const auto byte = static_cast<uint8_t>(bytes[at++]);
      length |= static_cast<uint64_t>(byte & 0x7f) << shift;
      shift += 7;
      if ((byte & 0x80) == 0) break;
    }
    if (length > bytes.size() - at) {
      std::cerr << path << ": truncated at byte " << at << "\n";
      return {};
    }
    messages.push_back(bytes.substr(at, length));
    at += length;
  }
  return messages;
}

// gRPC takes deadlines on the system clock; the schedule keeps to the steady one.
std::chrono::system_clock::time_point Deadline(Clock::time_point wake) {
  return std::chrono::system_clock::now() +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(wake - Clock::now());
}

grpc::ByteBuffer ToByteBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// One channel per connection: a distinct channel argument keeps gRPC from sharing a subchannel.
std::vector<std::unique_ptr<grpc::GenericStub>> Connect(const Options& options) {
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs;
  for (int i = 0; i < options.connections; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("trialgate.ingest_load.connection", i);
    args.SetMaxReceiveMessageSize(-1);
    stubs.push_back(std::make_unique<grpc::GenericStub>(grpc::CreateCustomChannel(
        options.target, grpc::InsecureChannelCredentials(), args)));
  }
  return stubs;
}

class Results {
 public:
  void Record(Clock::time_point due) {
    latencies_ms_.push_back(std::chrono::duration<double, std::milli>(Clock::now() - due).count());
  }
  void Fail() { ++failures_; }
  size_t done() const { return latencies_ms_.size() + failures_; }

  void Print(const Options& options, double seconds) {
    std::sort(latencies_ms_.begin(), latencies_ms_.end());
    auto at = [&](double q) {
      if (latencies_ms_.empty()) return 0.0;
      return latencies_ms_[std::min(latencies_ms_.size() - 1,
                                    static_cast<size_t>(q * latencies_ms_.size()))];
    };
    std::cout << absl::StrFormat(
        "mode=%s connections=%d in_flight=%d paced_rate=%.0f count=%d seconds=%.2f rate=%.0f "
        "p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f p999_ms=%.2f max_ms=%.2f failures=%d\n",
        options.mode, options.connections, options.in_flight, options.rate,
        latencies_ms_.size(), seconds, latencies_ms_.size() / seconds, at(0.5), at(0.9),
        at(0.99), at(0.999), latencies_ms_.empty() ? 0.0 : latencies_ms_.back(), failures_);
  }

 private:
  std::vector<double> latencies_ms_;
  size_t failures_ = 0;
};

// When request `i` is due: now in a closed loop, start + i/rate when paced.
class Schedule {
 public:
  explicit Schedule(double rate) : rate_(rate), start_(Clock::now()) {}
  bool paced() const { return rate_ > 0; }
  Clock::time_point DueAt(size_t i) const {
    if (!paced()) return Clock::now();
    return start_ + std::chrono::duration_cast<Clock::duration>(
                        std::chrono::duration<double>(static_cast<double>(i) / rate_));
  }
  bool Due(size_t i) const { return !paced() || DueAt(i) <= Clock::now(); }
  Clock::time_point start() const { return start_; }

 private:
  double rate_;
  Clock::time_point start_;
};

struct UnaryCall {
  grpc::ClientContext context;
  grpc::ByteBuffer response;
  grpc::Status status;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> reader;
  Clock::time_point due;
};

int RunUnary(const Options& options, const std::vector<grpc::ByteBuffer>& messages) {
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs = Connect(options);
  grpc::CompletionQueue queue;
  Results results;
  const Schedule schedule(options.rate);
  size_t sent = 0;
  int outstanding = 0;
  while (results.done() < messages.size()) {
    while (sent < messages.size() && outstanding < options.in_flight && schedule.Due(sent)) {
      auto* call = new UnaryCall;
      call->due = schedule.DueAt(sent);
      call->reader = stubs[sent % stubs.size()]->PrepareUnaryCall(
          &call->context, kUnaryMethod, messages[sent], &queue);
      call->reader->StartCall();
      call->reader->Finish(&call->response, &call->status, call);
      ++sent;
      ++outstanding;
    }
    const Clock::time_point wake = sent < messages.size() && outstanding < options.in_flight
                                       ? schedule.DueAt(sent)
                                       : Clock::now() + std::chrono::seconds(1);
    void* tag = nullptr;
    bool ok = false;
    if (queue.AsyncNext(&tag, &ok, Deadline(wake)) != grpc::CompletionQueue::GOT_EVENT) continue;
    std::unique_ptr<UnaryCall> call(static_cast<UnaryCall*>(tag));
    --outstanding;
    if (ok && call->status.ok()) {
      results.Record(call->due);
    } else {
      results.Fail();
    }
  }
  results.Print(options, std::chrono::duration<double>(Clock::now() - schedule.start()).count());
  queue.Shutdown();
  return 0;
}

// One SubmitStream: at most one write and one read outstanding (gRPC's rule), at most
// `in_flight` requests unanswered; answers come in request order.
struct Stream {
  enum Op : uintptr_t { kStart = 0, kWrite = 1, kRead = 2, kWritesDone = 3, kFinish = 4 };
  grpc::ClientContext context;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call;
  std::deque<size_t> mine;                // the requests still to write, in order
  std::deque<Clock::time_point> waiting;  // due times of the requests written, unanswered
  grpc::ByteBuffer response;
  grpc::Status status;
  bool started = false, writing = false, reading = false, writes_done = false,
       finishing = false, failed = false;

  void* Tag(Op op) { return reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(this) | op); }
};

int RunStreams(const Options& options, const std::vector<grpc::ByteBuffer>& messages) {
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs = Connect(options);
  grpc::CompletionQueue queue;
  std::vector<std::unique_ptr<Stream>> streams;
  for (int i = 0; i < options.connections; ++i) {
    auto stream = std::make_unique<Stream>();
    stream->call = stubs[i]->PrepareCall(&stream->context, kStreamMethod, &queue);
    stream->call->StartCall(stream->Tag(Stream::kStart));
    streams.push_back(std::move(stream));
  }
  for (size_t i = 0; i < messages.size(); ++i) streams[i % streams.size()]->mine.push_back(i);
  Results results;
  const Schedule schedule(options.rate);
  // Starts what each stream may start now; returns when the next request falls due.
  auto advance = [&](Stream& s) {
    if (!s.started || s.failed || s.finishing) return;
    if (!s.writing && !s.mine.empty() &&
        s.waiting.size() < static_cast<size_t>(options.in_flight) &&
        schedule.Due(s.mine.front())) {
      const size_t i = s.mine.front();
      s.mine.pop_front();
      s.waiting.push_back(schedule.DueAt(i));
      s.writing = true;
      s.call->Write(messages[i], s.Tag(Stream::kWrite));
    }
    if (!s.reading && !s.waiting.empty()) {
      s.reading = true;
      s.call->Read(&s.response, s.Tag(Stream::kRead));
    }
    if (!s.writing && !s.writes_done && s.mine.empty()) {
      s.writes_done = true;
      s.writing = true;
      s.call->WritesDone(s.Tag(Stream::kWritesDone));
    }
    if (s.writes_done && !s.writing && !s.reading && s.waiting.empty()) {
      s.finishing = true;
      s.call->Finish(&s.status, s.Tag(Stream::kFinish));
    }
  };
  size_t finished = 0;
  while (finished < streams.size()) {
    Clock::time_point wake = Clock::now() + std::chrono::seconds(1);
    for (auto& stream : streams) {
      advance(*stream);
      // Paced, a stream free to write waits for its next request's due time; anything else
      // waits for a completion (no spinning beside the server being measured).
      const Stream& s = *stream;
      if (schedule.paced() && s.started && !s.writing && !s.mine.empty() &&
          s.waiting.size() < static_cast<size_t>(options.in_flight)) {
        wake = std::min(wake, schedule.DueAt(s.mine.front()));
      }
    }
    void* tag = nullptr;
    bool ok = false;
    if (queue.AsyncNext(&tag, &ok, Deadline(wake)) != grpc::CompletionQueue::GOT_EVENT) continue;
    const auto bits = reinterpret_cast<uintptr_t>(tag);
    Stream& s = *reinterpret_cast<Stream*>(bits & ~uintptr_t{7});
    switch (static_cast<Stream::Op>(bits & 7)) {
      case Stream::kStart:
        s.started = ok;
        break;
      case Stream::kWrite:
      case Stream::kWritesDone:
        s.writing = false;
        break;
      case Stream::kRead:
        s.reading = false;
        if (ok) {
          results.Record(s.waiting.front());
          s.waiting.pop_front();
        }
        break;
      case Stream::kFinish:
        ++finished;
        if (!s.status.ok()) std::cerr << "stream: " << s.status.error_message() << "\n";
        break;
    }
    if (!ok && !s.failed && (bits & 7) != Stream::kFinish) {
      // The stream broke: what it had not answered is lost to this run, counted as failed.
      s.failed = true;
      for (size_t n = s.waiting.size() + s.mine.size(); n > 0; --n) results.Fail();
      s.waiting.clear();
      s.mine.clear();
      s.finishing = true;
      s.call->Finish(&s.status, s.Tag(Stream::kFinish));
    }
  }
  results.Print(options, std::chrono::duration<double>(Clock::now() - schedule.start()).count());
  queue.Shutdown();
  return 0;
}

bool ParseArgs(int argc, char** argv, Options* options) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--target") {
      options->target = value;
    } else if (flag == "--requests") {
      options->requests = value;
    } else if (flag == "--mode" && (value == "unary" || value == "stream")) {
      options->mode = value;
    } else if (flag == "--connections" && absl::SimpleAtoi(value, &options->connections) &&
               options->connections > 0) {
    } else if (flag == "--in-flight" && absl::SimpleAtoi(value, &options->in_flight) &&
               options->in_flight > 0) {
    } else if (flag == "--rate" && absl::SimpleAtod(value, &options->rate) &&
               options->rate >= 0) {
    } else {
      std::cerr << "bad flag or value: " << flag << " " << value << "\n";
      return false;
    }
  }
  return argc % 2 == 1 && !options->target.empty() && !options->requests.empty() &&
         !options->mode.empty();
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!ParseArgs(argc, argv, &options)) {
    std::cerr << "usage: ingest_load --target HOST:PORT --requests FILE --mode unary|stream "
                 "[--connections N] [--in-flight N] [--rate PER_SECOND]\n";
    return 2;
  }
  const std::vector<std::string> read = ReadMessages(options.requests);
  if (read.empty()) {
    std::cerr << options.requests << ": no requests\n";
    return 2;
  }
  // Built once: a copy of a ByteBuffer shares its slice, so sending costs no copy of the bytes.
  std::vector<grpc::ByteBuffer> messages;
  for (const std::string& bytes : read) messages.push_back(ToByteBuffer(bytes));
  return options.mode == "unary" ? RunUnary(options, messages) : RunStreams(options, messages);
}
