// The MLLP client and `trialgate hl7 send` against a small MLLP server in the test (plain
// sockets, or OpenSSL for TLS) on 127.0.0.1, port 0.
#include "gateway/cli/mllp_client.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/hl7_messages.h"
#include "gateway/hl7v2/ack.h"
#include "gateway/hl7v2/message.h"
#include "gateway/hl7v2/mllp_framer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "openssl/ssl.h"
#include "rapidjson/document.h"
#include "tests/security/dev_ca.h"

namespace trialgate::cli {
namespace {

using ::testing::HasSubstr;

// One accepted connection of the fake server: plain or TLS, blocking.
class ServerConnection {
 public:
  ServerConnection(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  // Up to 4096 bytes; "" at end of stream or on an error.
  std::string Read() {
    char buffer[4096];
    int n = ssl_ != nullptr ? SSL_read(ssl_, buffer, sizeof(buffer))
                            : static_cast<int>(recv(fd_, buffer, sizeof(buffer), 0));
    return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string();
  }
  void Write(absl::string_view bytes) {
    if (ssl_ != nullptr) {
      SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()));
    } else {
      send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    }
  }
  // The next message, or nullopt at end of stream.
  std::optional<std::string> ReadMessage() {
    while (pending_.empty()) {
      std::string bytes = Read();
      if (bytes.empty()) return std::nullopt;
      for (hl7v2::MllpEvent& event : framer_.Feed(bytes)) {
        if (event.kind == hl7v2::MllpEvent::Kind::kMessage) {
          pending_.push_back(std::move(event.payload));
        }
      }
    }
    std::string message = std::move(pending_.front());
    pending_.erase(pending_.begin());
    return message;
  }

 private:
  int fd_;
  SSL* ssl_;
  hl7v2::MllpFramer framer_;
  std::vector<std::string> pending_;
};

struct ServerTls {
  std::string cert_file, key_file;
  std::string client_ca_file;  // set: a client certificate signed by it is required
};

// Accepts connections one after another on 127.0.0.1:0 and runs `handler` on each.
class FakeMllpServer {
 public:
  using Handler = std::function<void(ServerConnection&)>;

  explicit FakeMllpServer(Handler handler, std::optional<ServerTls> tls = std::nullopt)
      : handler_(std::move(handler)) {
    if (tls.has_value()) {
      ctx_ = SSL_CTX_new(TLS_server_method());
      EXPECT_EQ(SSL_CTX_use_certificate_chain_file(ctx_, tls->cert_file.c_str()), 1);
      EXPECT_EQ(SSL_CTX_use_PrivateKey_file(ctx_, tls->key_file.c_str(), SSL_FILETYPE_PEM), 1);
      if (!tls->client_ca_file.empty()) {
        EXPECT_EQ(SSL_CTX_load_verify_locations(ctx_, tls->client_ca_file.c_str(), nullptr), 1);
        SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
      }
    }
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    EXPECT_EQ(bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    EXPECT_EQ(listen(listen_fd_, 8), 0);
    socklen_t length = sizeof(address);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }

  ~FakeMllpServer() {
    stopping_ = true;
    shutdown(listen_fd_, SHUT_RDWR);
    int fd = connection_fd_.load();
    if (fd >= 0) shutdown(fd, SHUT_RDWR);
    thread_.join();
    close(listen_fd_);
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  }

  std::string target() const { return absl::StrCat("127.0.0.1:", port_); }
  int connections() const { return connections_.load(); }

 private:
  void Serve() {
    while (!stopping_) {
      int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR) continue;
        return;
      }
      ++connections_;
      connection_fd_ = fd;
      SSL* ssl = nullptr;
      bool ready = true;
      if (ctx_ != nullptr) {
        ssl = SSL_new(ctx_);
        SSL_set_fd(ssl, fd);
        ready = SSL_accept(ssl) == 1;
      }
      if (ready && !stopping_) {
        ServerConnection connection(fd, ssl);
        handler_(connection);
      }
      if (ssl != nullptr) {
        if (ready) SSL_shutdown(ssl);
        SSL_free(ssl);
      }
      connection_fd_ = -1;
      close(fd);
    }
  }

  Handler handler_;
  SSL_CTX* ctx_ = nullptr;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<int> connection_fd_{-1};
  std::atomic<int> connections_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// `bytes` written in pieces of `piece` bytes with a pause between: an ACK that arrives over
// several reads.
void WriteInPieces(ServerConnection& connection, absl::string_view bytes, size_t piece) {
  for (size_t at = 0; at < bytes.size(); at += piece) {
    connection.Write(bytes.substr(at, piece));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// A receiver: answers each message with the ACK BuildAck makes, split into pieces. A control
// id ending in "-E" gets AE with one error; "-X" gets an ACK for another control id.
void AckEachMessage(ServerConnection& connection, size_t piece = 7) {
  static hl7v2::AckControlIds ids("SRV");
  while (std::optional<std::string> message = connection.ReadMessage()) {
    hl7v2::InboundHeader header = hl7v2::ReadInboundHeader(*message);
    hl7v2::AckParams params;
    params.now = absl::Now();
    params.control_id = ids.Next();
    if (absl::EndsWith(header.control_id, "-E")) {
      params.outcome = hl7v2::AckOutcome::kError;
      params.errors.push_back(
          {{"OBX", 1, 5, 0}, 102, hl7v2::AckSeverity::kError, "OBX-5 is not a number"});
    }
    if (absl::EndsWith(header.control_id, "-X")) header.control_id = "someone-else";
    absl::StatusOr<std::string> frame = hl7v2::FrameMessage(hl7v2::BuildAck(header, params));
    ASSERT_TRUE(frame.ok());
    WriteInPieces(connection, "junk before the frame" + *frame, piece);
  }
}

int PortOf(const std::string& target) {
  std::vector<std::string> parts = absl::StrSplit(target, ':');
  return std::stoi(parts.back());
}

std::string Oru(const std::string& control_id) {
  return "MSH|^~\\&|LIS|HOSPA|TG|STUDY|20240101120000||ORU^R01^ORU_R01|" + control_id +
         "|P|2.5.1\rPID|1||42^^^HOSPA^MR\rOBX|1|NM|26499-4^ANC^LN||1.2\r";
}

MllpClientOptions Options(const std::string& target, absl::Duration timeout = absl::Seconds(10)) {
  MllpClientOptions options;
  options.target = target;
  options.timeout = timeout;
  return options;
}

TEST(MllpClientTest, ReassemblesAnAckSplitOverManyWrites) {
  for (size_t piece : {1, 3, 64, 100000}) {
    SCOPED_TRACE(piece);
    FakeMllpServer server([piece](ServerConnection& c) { AckEachMessage(c, piece); });
    absl::StatusOr<std::unique_ptr<MllpClient>> client =
        MllpClient::Connect(Options(server.target()));
    ASSERT_TRUE(client.ok()) << client.status();
    absl::StatusOr<std::string> answer = (*client)->Exchange(Oru("MSG-1"));
    ASSERT_TRUE(answer.ok()) << answer.status();
    EXPECT_TRUE(absl::StartsWith(*answer, "MSH|^~\\&|TG|STUDY|LIS|HOSPA|")) << *answer;
    absl::StatusOr<hl7v2::AckReport> report = hl7v2::ReadAck(*answer);
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_EQ(report->code, "AA");
    EXPECT_EQ(report->control_id, "MSG-1");
  }
}

TEST(MllpClientTest, SendsSeveralMessagesInOrderOnOneConnection) {
  FakeMllpServer server([](ServerConnection& c) { AckEachMessage(c); });
  absl::StatusOr<std::unique_ptr<MllpClient>> client =
      MllpClient::Connect(Options(server.target()));
  ASSERT_TRUE(client.ok()) << client.status();
  for (const char* id : {"A1", "A2-E", "A3"}) {
    absl::StatusOr<std::string> answer = (*client)->Exchange(Oru(id));
    ASSERT_TRUE(answer.ok()) << answer.status();
    absl::StatusOr<hl7v2::AckReport> report = hl7v2::ReadAck(*answer);
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->control_id, id);
    EXPECT_EQ(report->code, absl::EndsWith(id, "-E") ? "AE" : "AA");
  }
  EXPECT_EQ(server.connections(), 1);
}

// A message far larger than the socket buffers, to a server that starts reading late: the
// client's writes are partial and wait for the socket to drain.
std::string LargeOru(const std::string& control_id) {
  std::string message = Oru(control_id);
  for (int i = 0; i < 40000; ++i) {
    absl::StrAppend(&message, "NTE|", i, "|L|", std::string(100, 'x'), "\r");
  }
  return message;
}

void SlowReaderThenAck(ServerConnection& c, std::atomic<size_t>* received) {
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::optional<std::string> message = c.ReadMessage();
  if (!message.has_value()) return;
  *received = message->size();
  hl7v2::AckParams params;
  params.now = absl::Now();
  params.control_id = "big";
  c.Write(*hl7v2::FrameMessage(hl7v2::BuildAck(hl7v2::ReadInboundHeader(*message), params)));
  c.ReadMessage();
}

TEST(MllpClientTest, SendsALargeMessageThroughPartialWrites) {
  std::atomic<size_t> received{0};
  FakeMllpServer server([&received](ServerConnection& c) { SlowReaderThenAck(c, &received); });
  absl::StatusOr<std::unique_ptr<MllpClient>> client =
      MllpClient::Connect(Options(server.target()));
  ASSERT_TRUE(client.ok()) << client.status();
  const std::string message = LargeOru("BIG-1");
  absl::StatusOr<std::string> answer = (*client)->Exchange(message);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(received.load(), message.size());
  EXPECT_EQ(hl7v2::ReadAck(*answer)->control_id, "BIG-1");
}

TEST(MllpClientTest, TimesOutWhenTheServerNeverAnswers) {
  FakeMllpServer server([](ServerConnection& c) {
    while (c.ReadMessage().has_value()) {
    }
  });
  absl::StatusOr<std::unique_ptr<MllpClient>> client =
      MllpClient::Connect(Options(server.target(), absl::Milliseconds(300)));
  ASSERT_TRUE(client.ok()) << client.status();
  absl::Time start = absl::Now();
  absl::StatusOr<std::string> answer = (*client)->Exchange(Oru("MSG-1"));
  absl::Duration took = absl::Now() - start;
  EXPECT_TRUE(absl::IsDeadlineExceeded(answer.status())) << answer.status();
  EXPECT_GE(took, absl::Milliseconds(250));
  EXPECT_LT(took, absl::Seconds(5));
  // The connection is not reused after a failure.
  EXPECT_FALSE((*client)->Exchange(Oru("MSG-2")).ok());
}

TEST(MllpClientTest, ServerClosingBeforeAnsweringIsUnavailable) {
  FakeMllpServer server([](ServerConnection& c) {
    c.ReadMessage();
    c.Write("\x0bMSH|^~\\&|half a frame");  // and closes
  });
  absl::StatusOr<std::unique_ptr<MllpClient>> client =
      MllpClient::Connect(Options(server.target()));
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<std::string> answer = (*client)->Exchange(Oru("MSG-1"));
  EXPECT_TRUE(absl::IsUnavailable(answer.status())) << answer.status();
  EXPECT_THAT(answer.status().message(), HasSubstr("closed"));
}

TEST(MllpClientTest, AnAnswerOverTheLimitIsRefused) {
  FakeMllpServer server([](ServerConnection& c) {
    c.ReadMessage();
    c.Write("\x0b" + std::string(5000, 'x') + "\x1c\r");
    c.ReadMessage();
  });
  MllpClientOptions options = Options(server.target());
  options.max_answer_bytes = 1000;
  absl::StatusOr<std::unique_ptr<MllpClient>> client = MllpClient::Connect(options);
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<std::string> answer = (*client)->Exchange(Oru("MSG-1"));
  EXPECT_TRUE(absl::IsUnavailable(answer.status())) << answer.status();
  EXPECT_THAT(answer.status().message(), HasSubstr("5000 bytes"));
}

TEST(MllpClientTest, BadTargetsAndRefusedConnections) {
  for (const char* target : {"", "localhost", "host:", "host:0", "host:70000", "[::1]2575",
                             "host:port"}) {
    absl::StatusOr<std::unique_ptr<MllpClient>> client = MllpClient::Connect(Options(target));
    EXPECT_TRUE(absl::IsInvalidArgument(client.status())) << target << ": " << client.status();
  }
  int port;
  {
    FakeMllpServer server([](ServerConnection&) {});
    port = PortOf(server.target());
  }
  absl::StatusOr<std::unique_ptr<MllpClient>> refused =
      MllpClient::Connect(Options(absl::StrCat("127.0.0.1:", port)));
  EXPECT_TRUE(absl::IsUnavailable(refused.status())) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("cannot connect to 127.0.0.1:"));
}

TEST(MllpClientTest, RefusesAMessageHoldingFramingBytes) {
  FakeMllpServer server([](ServerConnection& c) { AckEachMessage(c); });
  absl::StatusOr<std::unique_ptr<MllpClient>> client =
      MllpClient::Connect(Options(server.target()));
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_TRUE(absl::IsInvalidArgument((*client)->Exchange("MSH|^~\\&|\x1c").status()));
  EXPECT_TRUE((*client)->Exchange(Oru("MSG-1")).ok());  // still usable
}

class MllpClientTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::signal(SIGPIPE, SIG_IGN);  // MllpClient's REQUIREMENT for TLS
    dir_ = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                     absl::StrCat("trialgate-mllp-tls-", getpid()));
    ca_ = new testing::DevCa(*dir_ / "ca", {"site-a:site:site-a"});
    other_ca_ = new testing::DevCa(*dir_ / "other", {"site-a:site:site-a"});
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete ca_;
    delete other_ca_;
    delete dir_;
  }
  static ServerTls Mutual() {
    return {ca_->file("server.pem"), ca_->file("server.key"), ca_->file("ca.pem")};
  }
  static MllpClientOptions Client(const std::string& target, const testing::DevCa& ca,
                                  bool with_certificate = true) {
    MllpClientOptions options = Options(target, absl::Seconds(10));
    options.ca_file = ca_->file("ca.pem");
    if (with_certificate) {
      options.cert_file = ca.file("site-a.pem");
      options.key_file = ca.file("site-a.key");
    }
    return options;
  }

  static std::filesystem::path* dir_;
  static testing::DevCa* ca_;
  static testing::DevCa* other_ca_;
};
std::filesystem::path* MllpClientTlsTest::dir_ = nullptr;
testing::DevCa* MllpClientTlsTest::ca_ = nullptr;
testing::DevCa* MllpClientTlsTest::other_ca_ = nullptr;

TEST_F(MllpClientTlsTest, ExchangesOverMutualTls) {
  ASSERT_TRUE(ca_->ok());
  FakeMllpServer server([](ServerConnection& c) { AckEachMessage(c, 5); }, Mutual());
  absl::StatusOr<std::unique_ptr<MllpClient>> client =
      MllpClient::Connect(Client(server.target(), *ca_));
  ASSERT_TRUE(client.ok()) << client.status();
  for (const char* id : {"T1", "T2"}) {
    absl::StatusOr<std::string> answer = (*client)->Exchange(Oru(id));
    ASSERT_TRUE(answer.ok()) << answer.status();
    absl::StatusOr<hl7v2::AckReport> report = hl7v2::ReadAck(*answer);
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->control_id, id);
  }
}

TEST_F(MllpClientTlsTest, SendsALargeMessageThroughPartialWrites) {
  ASSERT_TRUE(ca_->ok());
  std::atomic<size_t> received{0};
  FakeMllpServer server([&received](ServerConnection& c) { SlowReaderThenAck(c, &received); },
                        Mutual());
  absl::StatusOr<std::unique_ptr<MllpClient>> client =
      MllpClient::Connect(Client(server.target(), *ca_));
  ASSERT_TRUE(client.ok()) << client.status();
  const std::string message = LargeOru("BIG-2");
  absl::StatusOr<std::string> answer = (*client)->Exchange(message);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(received.load(), message.size());
  EXPECT_EQ(hl7v2::ReadAck(*answer)->control_id, "BIG-2");
}

TEST_F(MllpClientTlsTest, ServerNameIsChecked) {
  ASSERT_TRUE(ca_->ok());
  FakeMllpServer server([](ServerConnection& c) { AckEachMessage(c); }, Mutual());
  MllpClientOptions options = Client(server.target(), *ca_);
  options.server_name = "localhost";  // in the certificate
  EXPECT_TRUE(MllpClient::Connect(options).ok());
  options.server_name = "gateway.elsewhere.invalid";
  absl::StatusOr<std::unique_ptr<MllpClient>> wrong = MllpClient::Connect(options);
  EXPECT_TRUE(absl::IsUnavailable(wrong.status())) << wrong.status();
  EXPECT_THAT(wrong.status().message(), HasSubstr("gateway.elsewhere.invalid"));
}

TEST_F(MllpClientTlsTest, AServerFromAnotherCaIsRefused) {
  ASSERT_TRUE(other_ca_->ok());
  FakeMllpServer server([](ServerConnection& c) { AckEachMessage(c); },
                        ServerTls{other_ca_->file("server.pem"), other_ca_->file("server.key"),
                                  ""});
  absl::StatusOr<std::unique_ptr<MllpClient>> client =
      MllpClient::Connect(Client(server.target(), *ca_));
  EXPECT_TRUE(absl::IsUnavailable(client.status())) << client.status();
  EXPECT_THAT(client.status().message(), HasSubstr("certificate"));
}

TEST_F(MllpClientTlsTest, NoOrAForeignClientCertificateGetsNoAnswer) {
  ASSERT_TRUE(ca_->ok() && other_ca_->ok());
  FakeMllpServer server([](ServerConnection& c) { AckEachMessage(c); }, Mutual());
  for (bool foreign : {false, true}) {
    SCOPED_TRACE(foreign);
    MllpClientOptions options =
        foreign ? Client(server.target(), *other_ca_) : Client(server.target(), *ca_, false);
    options.timeout = absl::Seconds(5);
    // With TLS 1.3 the server's refusal can arrive after the client's handshake has ended.
    absl::StatusOr<std::unique_ptr<MllpClient>> client = MllpClient::Connect(options);
    if (client.ok()) {
      absl::StatusOr<std::string> answer = (*client)->Exchange(Oru("T1"));
      EXPECT_FALSE(answer.ok());
      EXPECT_FALSE(absl::IsDeadlineExceeded(answer.status())) << answer.status();
    }
  }
}

// `trialgate hl7 send`, called as the command line does.
class Hl7SendCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("trialgate-hl7-send-", getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string WriteFile(const std::string& name, const std::string& content) {
    std::filesystem::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
  }

  // Runs the command; its JSON lines parsed into documents.
  int Run(const Hl7SendOptions& options, std::vector<rapidjson::Document>* lines) {
    std::ostringstream out, err;
    int code = RunHl7Send(options, out, err);
    for (absl::string_view line : absl::StrSplit(out.str(), '\n', absl::SkipEmpty())) {
      rapidjson::Document document;
      document.Parse(line.data(), line.size());
      EXPECT_FALSE(document.HasParseError()) << line;
      lines->push_back(std::move(document));
    }
    stderr_ = err.str();
    return code;
  }

  std::filesystem::path dir_;
  std::string stderr_;
};

TEST_F(Hl7SendCommandTest, PrintsOneLinePerMessageAndExitsOneOnAnError) {
  FakeMllpServer server([](ServerConnection& c) { AckEachMessage(c); });
  Hl7SendOptions options;
  options.connection = Options(server.target());
  options.files = {WriteFile("two.hl7", Oru("M1") + "\n" + Oru("M2-E")),
                   WriteFile("framed.hl7", *hl7v2::FrameMessage(Oru("M3")))};
  std::vector<rapidjson::Document> lines;
  EXPECT_EQ(Run(options, &lines), 1);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(server.connections(), 1);

  EXPECT_EQ(std::string(lines[0]["file"].GetString()), options.files[0]);
  EXPECT_EQ(lines[0]["message"].GetInt(), 1);
  EXPECT_STREQ(lines[0]["controlId"].GetString(), "M1");
  EXPECT_STREQ(lines[0]["ack"].GetString(), "AA");
  EXPECT_EQ(lines[0]["errors"].Size(), 0u);
  EXPECT_FALSE(lines[0].HasMember("error"));

  EXPECT_EQ(lines[1]["message"].GetInt(), 2);
  EXPECT_STREQ(lines[1]["controlId"].GetString(), "M2-E");
  EXPECT_STREQ(lines[1]["ack"].GetString(), "AE");
  ASSERT_EQ(lines[1]["errors"].Size(), 1u);
  const rapidjson::Value& error = lines[1]["errors"][0];
  EXPECT_STREQ(error["location"].GetString(), "OBX^1^5^1");
  EXPECT_EQ(error["code"].GetInt(), 102);
  EXPECT_STREQ(error["severity"].GetString(), "E");
  EXPECT_STREQ(error["text"].GetString(), "OBX-5 is not a number");

  EXPECT_EQ(std::string(lines[2]["file"].GetString()), options.files[1]);
  EXPECT_STREQ(lines[2]["controlId"].GetString(), "M3");
  EXPECT_STREQ(lines[2]["ack"].GetString(), "AA");
}

TEST_F(Hl7SendCommandTest, ExitsZeroWhenEveryMessageIsAccepted) {
  FakeMllpServer server([](ServerConnection& c) { AckEachMessage(c); });
  Hl7SendOptions options;
  options.connection = Options(server.target());
  options.files = {WriteFile("ok.hl7", Oru("A") + "\r\n" + Oru("B") + "\r\n" + Oru("C"))};
  std::vector<rapidjson::Document> lines;
  EXPECT_EQ(Run(options, &lines), 0);
  ASSERT_EQ(lines.size(), 3u);
  for (const rapidjson::Document& line : lines) EXPECT_STREQ(line["ack"].GetString(), "AA");
}

TEST_F(Hl7SendCommandTest, AnAckForAnotherMessageIsAFailure) {
  FakeMllpServer server([](ServerConnection& c) { AckEachMessage(c); });
  Hl7SendOptions options;
  options.connection = Options(server.target());
  options.files = {WriteFile("x.hl7", Oru("M1-X"))};
  std::vector<rapidjson::Document> lines;
  EXPECT_EQ(Run(options, &lines), 1);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_STREQ(lines[0]["ack"].GetString(), "AA");
  EXPECT_THAT(lines[0]["error"].GetString(), HasSubstr("someone-else"));
}

TEST_F(Hl7SendCommandTest, FailuresAreJsonLinesAndTheNextMessageReconnects) {
  std::atomic<int> served{0};
  FakeMllpServer server([&served](ServerConnection& c) {
    if (served++ == 0) {
      c.ReadMessage();  // the first connection's first message: closed without an answer
      return;
    }
    AckEachMessage(c);
  });
  Hl7SendOptions options;
  options.connection = Options(server.target());
  options.files = {WriteFile("a.hl7", Oru("M1") + "\n" + Oru("M2")),
                   (dir_ / "missing.hl7").string()};
  std::vector<rapidjson::Document> lines;
  EXPECT_EQ(Run(options, &lines), 1);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_FALSE(lines[0].HasMember("ack"));
  EXPECT_THAT(lines[0]["error"].GetString(), HasSubstr("closed"));
  EXPECT_STREQ(lines[1]["ack"].GetString(), "AA");
  EXPECT_EQ(server.connections(), 2);
  EXPECT_THAT(stderr_, HasSubstr("cannot read"));
}

TEST_F(Hl7SendCommandTest, AnUnreachableTargetGivesAnErrorLinePerMessage) {
  int port;
  {
    FakeMllpServer server([](ServerConnection&) {});
    port = PortOf(server.target());
  }
  Hl7SendOptions options;
  options.connection = Options(absl::StrCat("127.0.0.1:", port), absl::Seconds(2));
  options.files = {WriteFile("a.hl7", Oru("M1") + "\n" + Oru("M2"))};
  std::vector<rapidjson::Document> lines;
  EXPECT_EQ(Run(options, &lines), 1);
  ASSERT_EQ(lines.size(), 2u);
  for (const rapidjson::Document& line : lines) {
    EXPECT_THAT(line["error"].GetString(), HasSubstr("cannot connect"));
  }
}

TEST(SplitHl7MessagesTest, FramesOrBlankLines) {
  EXPECT_EQ(SplitHl7Messages("MSH|a\nPID|1\n\nMSH|b\r\n").size(), 2u);
  EXPECT_EQ(SplitHl7Messages("\x0bMSH|a\rPID|1\x1c\r\x0bMSH|b\x1c\r").size(), 2u);
  EXPECT_EQ(SplitHl7Messages("MSH|a\nPID|1\n")[0], "MSH|a\rPID|1\r");
}

}  // namespace
}  // namespace trialgate::cli
