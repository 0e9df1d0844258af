#include "gateway/mllp/mllp_listener.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <list>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/hl7v2/mllp_framer.h"
#include "gateway/mllp/byte_stream.h"
#include "gateway/security/tls_server_context.h"
#include "spdlog/spdlog.h"

namespace trialgate::mllp {
namespace {

// How long Shutdown lets connections finish the message in hand before cutting them.
constexpr auto kShutdownGrace = std::chrono::seconds(5);

// "host:port" or "[v6]:port" split; INVALID_ARGUMENT otherwise.
absl::StatusOr<std::pair<std::string, std::string>> SplitHostPort(const std::string& address) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "MLLP listen address '", address, "' is not host:port (e.g. 127.0.0.1:2575)"));
  }
  std::string host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return std::make_pair(host, address.substr(colon + 1));
}

// "ipv4:127.0.0.1:53122", as gRPC names peers, so logs and limits read alike.
std::string PeerName(const sockaddr_storage& address) {
  char host[INET6_ADDRSTRLEN] = "?";
  if (address.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    inet_ntop(AF_INET, &v4->sin_addr, host, sizeof(host));
    return absl::StrCat("ipv4:", host, ":", ntohs(v4->sin_port));
  }
  const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
  inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof(host));
  return absl::StrCat("ipv6:[", host, "]:", ntohs(v6->sin6_port));
}

absl::StatusOr<int> BindAndListen(const std::string& address) {
  auto host_port = SplitHostPort(address);
  if (!host_port.ok()) return host_port.status();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const char* host = host_port->first.empty() ? nullptr : host_port->first.c_str();
  if (const int rc = getaddrinfo(host, host_port->second.c_str(), &hints, &found); rc != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot resolve MLLP listen address ", address, ": ", gai_strerror(rc)));
  }
  std::string last_error = "no address";
  for (addrinfo* candidate = found; candidate != nullptr; candidate = candidate->ai_next) {
    const int fd = socket(candidate->ai_family, candidate->ai_socktype | SOCK_CLOEXEC,
                          candidate->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));  // restart after a crash
    if (bind(fd, candidate->ai_addr, candidate->ai_addrlen) == 0 && listen(fd, 128) == 0) {
      freeaddrinfo(found);
      return fd;
    }
    last_error = std::strerror(errno);
    close(fd);
  }
  freeaddrinfo(found);
  return absl::UnavailableError(
      absl::StrCat("cannot listen for MLLP on ", address, ": ", last_error));
}

int LocalPort(int fd) {
  sockaddr_storage local{};
  socklen_t length = sizeof(local);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) return 0;
  if (local.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6*>(&local)->sin6_port);
}

class MllpListenerImpl final : public MllpListener {
 public:
  MllpListenerImpl(MllpListenerOptions options, MllpHandler* handler, int fd)
      : options_(std::move(options)), handler_(handler), listen_fd_(fd) {
    port_ = LocalPort(fd);
    const size_t colon = options_.listen.rfind(':');
    address_ = absl::StrCat(options_.listen.substr(0, colon), ":", port_);
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~MllpListenerImpl() override { Shutdown(); }

  int port() const override { return port_; }
  std::string address() const override { return address_; }
  size_t connections() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return open_;
  }

  void Shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      stopping_ = true;
      // Wakes accept(); and each reader, whose next read ends the stream. Writing stays open,
      // so a message being handled still gets its ACK.
      shutdown(listen_fd_, SHUT_RDWR);
      for (Connection& connection : connections_) shutdown(connection.fd, SHUT_RD);
    }
    accept_thread_.join();
    close(listen_fd_);
    {
      // A peer that does not read its ACK holds its thread in a write until the idle timeout:
      // after a grace period, cut what is left.
      std::unique_lock<std::mutex> lock(mu_);
      if (!all_closed_.wait_for(lock, kShutdownGrace, [this] { return open_ == 0; })) {
        for (Connection& connection : connections_) {
          if (!connection.done) shutdown(connection.fd, SHUT_RDWR);
        }
      }
    }
    std::list<Connection> ended;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ended.swap(connections_);
    }
    for (Connection& connection : ended) connection.thread.join();
  }

 private:
  struct Connection {
    int fd;
    std::string peer;
    std::thread thread;
    bool done = false;
  };

  void AcceptLoop() {
    while (true) {
      sockaddr_storage peer{};
      socklen_t length = sizeof(peer);
      const int fd = accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &length,
                             SOCK_CLOEXEC);
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) {
        if (fd >= 0) close(fd);
        return;
      }
      if (fd < 0) {
        if (errno != EINTR && errno != ECONNABORTED) {
          spdlog::warn("mllp: accept failed: {}", std::strerror(errno));
          std::this_thread::sleep_for(std::chrono::milliseconds(100));  // e.g. out of fds
        }
        continue;
      }
      ReapEnded();
      const std::string name = PeerName(peer);
      if (open_ >= options_.max_connections) {
        spdlog::warn("mllp: refused {}: already {} connections (mllp.maxConnections)", name,
                     open_);
        close(fd);
        continue;
      }
      ++open_;
      Connection& connection = connections_.emplace_back(Connection{fd, name, {}});
      connection.thread = std::thread([this, &connection] { Serve(connection); });
    }
  }

  // Joins the threads of connections that ended. Called with mu_ held.
  void ReapEnded() {
    for (auto it = connections_.begin(); it != connections_.end();) {
      if (!it->done) {
        ++it;
        continue;
      }
      it->thread.join();
      it = connections_.erase(it);
    }
  }

  void Serve(Connection& connection) {
    ServeStream(connection.fd, connection.peer);
    std::lock_guard<std::mutex> lock(mu_);
    close(connection.fd);
    connection.done = true;
    if (--open_ == 0) all_closed_.notify_all();
  }

  void ServeStream(int fd, const std::string& peer) {
    if (absl::Status configured =
            ConfigureSocket(fd, options_.idle_timeout, options_.keepalive);
        !configured.ok()) {
      spdlog::warn("mllp: {}: {}", peer, std::string(configured.message()));
      return;
    }
    if (options_.tls == nullptr) {
      std::unique_ptr<ByteStream> stream = PlainStream(fd);
      return Exchange(*stream, security::DevelopmentCaller(peer), peer);
    }
    absl::StatusOr<std::unique_ptr<TlsStream>> tls = AcceptTls(options_.tls, fd);
    if (!tls.ok()) {
      spdlog::warn("mllp: {}: refused: {}", peer, std::string(tls.status().message()));
      return;
    }
    const security::CertificateNames names = security::PeerCertificateNames((*tls)->ssl());
    const security::Identity* identity = security::MatchIdentity(options_.identities, names);
    if (identity == nullptr || identity->roles.count(security::Role::kSite) == 0) {
      spdlog::warn("mllp: {}: refused the client certificate '{}': {}", peer, names.subject,
                   identity == nullptr ? "not a configured identity"
                                       : "its identity has no site role");
      return;
    }
    security::Caller caller;
    caller.identity = identity->name;
    caller.roles = identity->roles;
    caller.site = identity->site;
    caller.peer = peer;
    Exchange(**tls, caller, peer);
  }

  // Reads frames and answers them until the stream ends, idles out, or sends only garbage.
  void Exchange(ByteStream& stream, const security::Caller& caller, const std::string& peer) {
    spdlog::info("mllp: {} connected as {}", peer, caller.identity);
    hl7v2::MllpFramer framer({options_.max_message_bytes});
    std::string buffer(64 * 1024, '\0');
    while (true) {
      absl::StatusOr<size_t> read = stream.Read(buffer.data(), buffer.size());
      if (!read.ok() || *read == 0) {
        if (framer.in_frame()) {
          spdlog::warn("mllp: {} closed inside a frame: that message was not acknowledged", peer);
        }
        if (!read.ok()) {
          spdlog::info("mllp: {} closed: {}", peer, std::string(read.status().message()));
        }
        return;
      }
      for (hl7v2::MllpEvent& event : framer.Feed(absl::string_view(buffer.data(), *read))) {
        if (!Answer(stream, caller, event, peer)) return;
      }
      if (framer.discarded_since_last_message() > options_.max_discarded_bytes) {
        spdlog::warn("mllp: {} sent {} bytes outside MLLP frames: closed (not an MLLP sender?)",
                     peer, framer.discarded_since_last_message());
        return;
      }
    }
  }

  // False when the connection is no longer usable.
  bool Answer(ByteStream& stream, const security::Caller& caller, hl7v2::MllpEvent& event,
              const std::string& peer) {
    std::string answer;
    switch (event.kind) {
      case hl7v2::MllpEvent::Kind::kDiscarded:
        // Counted, never logged as bytes: they may hold personal data.
        spdlog::debug("mllp: {} sent {} bytes outside a frame (ignored)", peer, event.bytes);
        return true;
      case hl7v2::MllpEvent::Kind::kTooLarge:
        spdlog::warn("mllp: {} sent a {}-byte message, over mllp.maxMessageBytes", peer,
                     event.bytes);
        answer = handler_->OnTooLarge(caller, event.bytes);
        break;
      case hl7v2::MllpEvent::Kind::kMessage:
        answer = handler_->OnMessage(caller, event.payload);
        break;
    }
    if (answer.empty()) return true;
    absl::StatusOr<std::string> frame = hl7v2::FrameMessage(answer);
    if (!frame.ok()) {
      spdlog::error("mllp: an answer could not be framed: {}",
                    std::string(frame.status().message()));
      return false;
    }
    if (absl::Status written = stream.WriteAll(*frame); !written.ok()) {
      spdlog::warn("mllp: {}: the acknowledgement could not be sent: {}", peer,
                   std::string(written.message()));
      return false;
    }
    return true;
  }

  const MllpListenerOptions options_;
  MllpHandler* const handler_;
  const int listen_fd_;
  int port_ = 0;
  std::string address_;
  std::thread accept_thread_;
  mutable std::mutex mu_;
  bool stopping_ = false;
  size_t open_ = 0;
  std::condition_variable all_closed_;  // open_ reached 0
  std::list<Connection> connections_;  // list: a connection's address must not move
};

}  // namespace

absl::StatusOr<std::unique_ptr<MllpListener>> MllpListener::Start(MllpListenerOptions options,
                                                                  MllpHandler* handler) {
  // A peer that vanishes mid-ACK must cost an error, not the process.
  std::signal(SIGPIPE, SIG_IGN);
  absl::StatusOr<int> fd = BindAndListen(options.listen);
  if (!fd.ok()) return fd.status();
  return std::make_unique<MllpListenerImpl>(std::move(options), handler, *fd);
}

}  // namespace trialgate::mllp
