#include "tests/support/pg_fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace trialgate::testing {
namespace {

bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t written = ::send(fd, data, size, MSG_NOSIGNAL);
    if (written <= 0) return false;
    data += written;
    size -= static_cast<size_t>(written);
  }
  return true;
}

uint32_t BigEndian32(const char* bytes) {
  uint32_t value;
  std::memcpy(&value, bytes, 4);
  return ntohl(value);
}

// What runs a COMMIT: a simple query "COMMIT" ('Q', length, text), the unnamed statement's Parse
// of it ('P', length, name "", text), or the Bind of a statement prepared as COMMIT on this
// connection ('B', length, portal name, statement name). A named Parse of COMMIT only prepares:
// its name goes into `commit_statements`.
bool IsCommit(const std::string& message, std::set<std::string>* commit_statements) {
  if (message[0] == 'Q') return message.compare(5, 6, "COMMIT") == 0;
  if (message[0] == 'P' && message.size() > 5) {
    const std::string name(message.c_str() + 5);  // up to its terminating zero
    const size_t text = 5 + name.size() + 1;
    if (message.size() < text + 6 || message.compare(text, 6, "COMMIT") != 0) return false;
    if (name.empty()) return true;
    commit_statements->insert(name);
    return false;
  }
  if (message[0] == 'B' && message.size() > 5) {
    const std::string portal(message.c_str() + 5);
    const size_t statement = 5 + portal.size() + 1;
    return statement < message.size() &&
           commit_statements->count(std::string(message.c_str() + statement)) != 0;
  }
  return false;
}

}  // namespace

PgFaultProxy::PgFaultProxy(std::filesystem::path socket_path)
    : socket_path_(std::move(socket_path)) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(listener_, 64) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return;  // port() stays 0: the test sees it
  }
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread(&PgFaultProxy::Accept, this);
}

PgFaultProxy::~PgFaultProxy() {
  stopping_ = true;
  if (listener_ >= 0) ::shutdown(listener_, SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  for (std::thread& relay : relays_) relay.join();
  if (listener_ >= 0) ::close(listener_);
}

std::string PgFaultProxy::conninfo(const std::string& user, const std::string& dbname) const {
  return absl::StrCat("host=127.0.0.1 port=", port_, " user=", user, " dbname=", dbname,
                      " sslmode=disable gssencmode=disable");
}

void PgFaultProxy::Accept() {
  while (!stopping_) {
    pollfd wait{listener_, POLLIN, 0};
    if (::poll(&wait, 1, 100) <= 0) continue;
    const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    const int server = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, socket_path_.c_str(), sizeof(address.sun_path) - 1);
    if (::connect(server, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      ::close(server);
      ::close(client);  // as a server that is away looks to a client
      continue;
    }
    relays_.emplace_back(&PgFaultProxy::Relay, this, client, server);
  }
}

void PgFaultProxy::Relay(int client, int server) {
  std::string pending;          // client bytes not yet forwarded (an incomplete message)
  bool cut_after_sync = false;  // a pipelined COMMIT went: cut once its Sync has gone
  bool started = false;         // the startup packet (no type byte) has gone
  std::set<std::string> commit_statements;  // names this connection prepared as COMMIT
  char buffer[65536];
  bool open = true;
  while (open && !stopping_) {
    pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
    if (::poll(fds, 2, 100) <= 0) continue;
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t got = ::recv(server, buffer, sizeof(buffer), 0);
      open = got > 0 && WriteAll(client, buffer, static_cast<size_t>(got));
    }
    if (!open || !(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    const ssize_t got = ::recv(client, buffer, sizeof(buffer), 0);
    if (got <= 0) break;
    pending.append(buffer, static_cast<size_t>(got));
    // Forward whole messages, looking at each.
    for (;;) {
      const size_t header = started ? 5 : 4;
      if (pending.size() < header) break;
      const size_t length = BigEndian32(pending.data() + header - 4) + (started ? 1 : 0);
      if (pending.size() < length) break;
      const std::string message = pending.substr(0, length);
      pending.erase(0, length);
      const bool commit = started && IsCommit(message, &commit_statements);
      started = true;
      Cut cut = Cut::kNone;
      if (commit) cut = next_cut_.exchange(Cut::kNone);
      if (cut == Cut::kBeforeCommitSent) {
        ++cuts_;
        open = false;
        break;
      }
      // A COMMIT sent as a simple query runs on arrival; one in a pipeline ([Parse,] Bind,
      // Execute) is sure to have run once the pipeline's Sync has gone too.
      if (cut == Cut::kAfterCommitSent) cut_after_sync = message[0] != 'Q';
      const bool cut_now = (cut == Cut::kAfterCommitSent && !cut_after_sync) ||
                           (cut_after_sync && message[0] == 'S');
      if (!WriteAll(server, message.data(), message.size())) {
        open = false;
        break;
      }
      if (cut_now) {
        ++cuts_;
        // The server has the COMMIT; give it a moment to act on it, then end the client's side
        // without its answer.
        ::usleep(200 * 1000);
        open = false;
        break;
      }
    }
  }
  ::close(client);
  ::close(server);
}

}  // namespace trialgate::testing
