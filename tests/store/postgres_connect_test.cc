// PgConnect against a server that accepts a connection and never answers: an error after the
// connect timeout, not a hang.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "gateway/store/postgres_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace trialgate::store {
namespace {

// A loopback port whose listener accepts (the kernel completes the handshake) and never speaks.
class SilentServer {
 public:
  SilentServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 || listen(fd_, 8) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      ADD_FAILURE() << "cannot listen on loopback";
    }
    port_ = ntohs(address.sin_port);
  }
  ~SilentServer() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// Seconds PgConnect took to fail on `conninfo`.
double SecondsToFail(const std::string& conninfo) {
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<PgConnPtr> conn = PgConnect(conninfo);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(conn.status().code(), absl::StatusCode::kUnavailable) << conn.status();
  EXPECT_THAT(std::string(conn.status().message()), ::testing::HasSubstr("timeout"));
  return seconds;
}

TEST(PgConnectTest, AServerThatNeverAnswersIsAnErrorAfterTheDefaultTimeout) {
  unsetenv("PGCONNECT_TIMEOUT");
  SilentServer server;
  const double seconds =
      SecondsToFail(absl::StrCat("postgresql://gateway@127.0.0.1:", server.port(), "/trialgate"));
  EXPECT_GE(seconds, kDefaultConnectTimeout.count() - 1);
  EXPECT_LT(seconds, kDefaultConnectTimeout.count() + 20);  // not a hang
}

TEST(PgConnectTest, TheUrisConnectTimeoutWins) {
  unsetenv("PGCONNECT_TIMEOUT");
  SilentServer server;
  EXPECT_LT(SecondsToFail(absl::StrCat("postgresql://gateway@127.0.0.1:", server.port(),
                                       "/trialgate?connect_timeout=2")),
            kDefaultConnectTimeout.count() - 1);
  EXPECT_LT(SecondsToFail(absl::StrCat("host=127.0.0.1 port=", server.port(),
                                       " dbname=trialgate connect_timeout=2")),
            kDefaultConnectTimeout.count() - 1);
}

TEST(PgConnectTest, PgconnectTimeoutWinsOverTheDefault) {
  setenv("PGCONNECT_TIMEOUT", "2", 1);
  SilentServer server;
  EXPECT_LT(
      SecondsToFail(absl::StrCat("postgresql://gateway@127.0.0.1:", server.port(), "/trialgate")),
      kDefaultConnectTimeout.count() - 1);
  unsetenv("PGCONNECT_TIMEOUT");
}

}  // namespace
}  // namespace trialgate::store
