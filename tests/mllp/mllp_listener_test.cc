// The MLLP listener on loopback with real sockets: every framing case senders produce (split
// frames, several frames in one write, bytes before VT, FS CR LF, frames over the limit,
// garbage, silence), many connections at once, and a shutdown that still answers.
#include "gateway/mllp/mllp_listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"

namespace trialgate::mllp {
namespace {

constexpr char kVt = 0x0B;
constexpr char kFs = 0x1C;
constexpr char kCr = 0x0D;

std::string Frame(const std::string& message) { return std::string(1, kVt) + message + kFs + kCr; }

// Answers "ACK:<message>" to each message; counts what it saw.
class EchoHandler final : public MllpHandler {
 public:
  std::string OnMessage(const security::Caller& caller, absl::string_view message) override {
    std::lock_guard<std::mutex> lock(mu);
    messages.emplace_back(message);
    callers.push_back(caller);
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    return absl::StrCat("ACK:", message);
  }
  std::string OnTooLarge(const security::Caller&, size_t bytes) override {
    std::lock_guard<std::mutex> lock(mu);
    too_large.push_back(bytes);
    return absl::StrCat("TOO LARGE:", bytes);
  }
  std::mutex mu;
  std::vector<std::string> messages;
  std::vector<security::Caller> callers;
  std::vector<size_t> too_large;
  std::chrono::milliseconds delay{0};
};

// A plain TCP client that writes bytes as told and reads MLLP frames back.
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~RawClient() { close(fd_); }
  bool connected() const { return connected_; }

  bool Write(const std::string& bytes) {
    return send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }

  // The next frame's payload; "" on timeout or end of stream.
  std::string ReadFrame(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const size_t start = pending_.find(kVt);
      if (start != std::string::npos) {
        const size_t end = pending_.find(std::string(1, kFs) + kCr, start);
        if (end != std::string::npos) {
          std::string payload = pending_.substr(start + 1, end - start - 1);
          pending_.erase(0, end + 2);
          return payload;
        }
      }
      if (!ReadSome(deadline)) return "";
    }
  }

  // True when the server closed the connection within `timeout`.
  bool ClosedWithin(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!ReadSome(deadline)) return closed_;
    }
    return closed_;
  }

 private:
  bool ReadSome(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buffer[4096];
    const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    pending_.append(buffer, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string pending_;
};

class MllpListenerTest : public ::testing::Test {
 protected:
  void Start(MllpListenerOptions options = {}) {
    options.listen = "127.0.0.1:0";
    auto listener = MllpListener::Start(std::move(options), &handler_);
    ASSERT_TRUE(listener.ok()) << listener.status();
    listener_ = *std::move(listener);
  }
  int port() const { return listener_->port(); }

  EchoHandler handler_;
  std::unique_ptr<MllpListener> listener_;
};

TEST_F(MllpListenerTest, ListensOnThePortItReports) {
  Start();
  EXPECT_GT(port(), 0);
  EXPECT_EQ(listener_->address(), absl::StrCat("127.0.0.1:", port()));
}

TEST_F(MllpListenerTest, RefusesAnAddressThatIsNotHostPort) {
  MllpListenerOptions options;
  options.listen = "localhost";
  auto listener = MllpListener::Start(options, &handler_);
  EXPECT_EQ(listener.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(MllpListenerTest, ATakenPortIsAnErrorNotASecondListener) {
  Start();
  MllpListenerOptions options;
  options.listen = listener_->address();
  auto second = MllpListener::Start(options, &handler_);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(MllpListenerTest, AnswersAFrameSplitIntoSingleBytes) {
  Start();
  RawClient client(port());
  ASSERT_TRUE(client.connected());
  for (char c : Frame("MSH|^~\\&|split")) {
    ASSERT_TRUE(client.Write(std::string(1, c)));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(client.ReadFrame(), "ACK:MSH|^~\\&|split");
}

TEST_F(MllpListenerTest, AnswersSeveralFramesOfOneWriteInOrder) {
  Start();
  RawClient client(port());
  ASSERT_TRUE(client.Write(Frame("one") + Frame("two") + "\r\n" + Frame("three")));
  EXPECT_EQ(client.ReadFrame(), "ACK:one");
  EXPECT_EQ(client.ReadFrame(), "ACK:two");
  EXPECT_EQ(client.ReadFrame(), "ACK:three");
}

TEST_F(MllpListenerTest, IgnoresBytesBeforeTheStartBlockAndTakesFsCrLf) {
  Start();
  RawClient client(port());
  ASSERT_TRUE(client.Write(std::string("junk\r\n\0\0", 8) + kVt + "first" + kFs + kCr + "\n" +
                           Frame("second")));
  EXPECT_EQ(client.ReadFrame(), "ACK:first");
  EXPECT_EQ(client.ReadFrame(), "ACK:second");
  std::lock_guard<std::mutex> lock(handler_.mu);
  EXPECT_EQ(handler_.messages, (std::vector<std::string>{"first", "second"}));
}

TEST_F(MllpListenerTest, AnswersAFrameOverTheLimitAndStaysUsable) {
  MllpListenerOptions options;
  options.max_message_bytes = 1000;
  Start(options);
  RawClient client(port());
  ASSERT_TRUE(client.Write(Frame(std::string(5000, 'x'))));
  EXPECT_EQ(client.ReadFrame(), "TOO LARGE:5000");
  ASSERT_TRUE(client.Write(Frame("after")));
  EXPECT_EQ(client.ReadFrame(), "ACK:after");
}

TEST_F(MllpListenerTest, ClosesAConnectionThatSendsOnlyGarbage) {
  MllpListenerOptions options;
  options.max_discarded_bytes = 10000;
  Start(options);
  RawClient client(port());
  const std::string garbage(4096, 'g');
  bool closed = false;
  for (int i = 0; i < 100 && !closed; ++i) {
    if (!client.Write(garbage)) closed = true;
  }
  EXPECT_TRUE(closed || client.ClosedWithin(std::chrono::seconds(5)));
  std::lock_guard<std::mutex> lock(handler_.mu);
  EXPECT_TRUE(handler_.messages.empty());
}

TEST_F(MllpListenerTest, ClosesAnIdleConnection) {
  MllpListenerOptions options;
  options.idle_timeout = absl::Milliseconds(300);
  Start(options);
  RawClient client(port());
  ASSERT_TRUE(client.Write(Frame("hello")));
  EXPECT_EQ(client.ReadFrame(), "ACK:hello");
  EXPECT_TRUE(client.ClosedWithin(std::chrono::seconds(5)));
}

TEST_F(MllpListenerTest, ServesManyConnectionsAtOnce) {
  Start();
  constexpr int kConnections = 16;
  constexpr int kMessages = 20;
  std::atomic<int> answered{0};
  std::vector<std::thread> senders;
  for (int c = 0; c < kConnections; ++c) {
    senders.emplace_back([&, c] {
      RawClient client(port());
      for (int m = 0; m < kMessages; ++m) {
        const std::string message = absl::StrCat("c", c, "m", m);
        if (!client.Write(Frame(message))) return;
        if (client.ReadFrame() == "ACK:" + message) ++answered;
      }
    });
  }
  for (std::thread& sender : senders) sender.join();
  EXPECT_EQ(answered.load(), kConnections * kMessages);
}

TEST_F(MllpListenerTest, RefusesConnectionsOverTheCap) {
  MllpListenerOptions options;
  options.max_connections = 1;
  Start(options);
  RawClient first(port());
  ASSERT_TRUE(first.Write(Frame("first")));
  ASSERT_EQ(first.ReadFrame(), "ACK:first");
  RawClient second(port());
  EXPECT_TRUE(second.ClosedWithin(std::chrono::seconds(5)));
  ASSERT_TRUE(first.Write(Frame("still")));
  EXPECT_EQ(first.ReadFrame(), "ACK:still");
}

TEST_F(MllpListenerTest, PlaintextCallersAreDevelopmentCallersNamedByPeer) {
  Start();
  RawClient client(port());
  ASSERT_TRUE(client.Write(Frame("who")));
  ASSERT_EQ(client.ReadFrame(), "ACK:who");
  std::lock_guard<std::mutex> lock(handler_.mu);
  ASSERT_EQ(handler_.callers.size(), 1u);
  EXPECT_TRUE(handler_.callers[0].development);
  EXPECT_EQ(handler_.callers[0].peer.rfind("ipv4:127.0.0.1:", 0), 0u) << handler_.callers[0].peer;
}

TEST_F(MllpListenerTest, ShutdownAnswersTheMessageInHandThenCloses) {
  handler_.delay = std::chrono::milliseconds(300);
  Start();
  RawClient client(port());
  ASSERT_TRUE(client.Write(Frame("in hand")));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the handler has it
  std::thread stopper([this] { listener_->Shutdown(); });
  EXPECT_EQ(client.ReadFrame(), "ACK:in hand");
  stopper.join();
  EXPECT_TRUE(client.ClosedWithin(std::chrono::seconds(5)));
  EXPECT_EQ(listener_->connections(), 0u);
}

TEST_F(MllpListenerTest, ShutdownDoesNotWaitForAPeerThatNeverReadsItsAck) {
  MllpListenerOptions options;
  options.max_message_bytes = size_t{64} << 20;
  Start(options);  // the idle timeout stays at its default, ten minutes
  RawClient client(port());
  // An answer far larger than the socket buffers, which this client never reads: the
  // connection's thread blocks in its write.
  ASSERT_TRUE(client.Write(Frame(std::string(size_t{24} << 20, 'x'))));
  ASSERT_TRUE(testing::Eventually([this] {
    std::lock_guard<std::mutex> lock(handler_.mu);
    return !handler_.messages.empty();
  }));
  listener_->Shutdown();  // returns: the stuck connection is cut after the grace period
  EXPECT_EQ(listener_->connections(), 0u);
}

}  // namespace
}  // namespace trialgate::mllp
