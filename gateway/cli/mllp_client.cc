#include "gateway/cli/mllp_client.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "openssl/err.h"
#include "openssl/ssl.h"
#include "openssl/x509v3.h"

namespace trialgate::cli {

struct MllpClient::Tls {
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  ~Tls() {
    if (ssl != nullptr) SSL_free(ssl);
    if (ctx != nullptr) SSL_CTX_free(ctx);
  }
};

namespace {

std::string ErrnoText(int error) { return std::strerror(error); }

// OpenSSL's queued errors, oldest first ("" when none), and clears the queue.
std::string OpenSslErrors() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    absl::StrAppend(&text, text.empty() ? "" : "; ", buffer);
  }
  return text;
}

// Waits until `fd` is ready for `events` (POLLIN / POLLOUT) or `deadline` passes; retries on
// EINTR with the time left.
absl::Status WaitFor(int fd, short events, absl::Time deadline, absl::string_view doing) {
  for (;;) {
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(absl::StrCat("timed out ", doing));
    }
    pollfd p{fd, events, 0};
    int64_t ms = absl::ToInt64Milliseconds(left) + 1;
    int ready = poll(&p, 1, static_cast<int>(std::min<int64_t>(ms, 1 << 30)));
    if (ready > 0) return absl::OkStatus();  // POLLERR / POLLHUP: the next call reports it
    if (ready < 0 && errno != EINTR) {
      return absl::UnavailableError(absl::StrCat("poll: ", ErrnoText(errno)));
    }
  }
}

struct HostPort {
  std::string host, port;
};

absl::StatusOr<HostPort> SplitTarget(absl::string_view target) {
  HostPort out;
  size_t colon;
  if (!target.empty() && target.front() == '[') {  // [::1]:2575
    size_t close = target.find(']');
    if (close == absl::string_view::npos || close + 1 >= target.size() ||
        target[close + 1] != ':') {
      return absl::InvalidArgumentError(absl::StrCat("target '", target, "' is not [IPv6]:PORT"));
    }
    out.host = std::string(target.substr(1, close - 1));
    colon = close + 1;
  } else {
    colon = target.rfind(':');
    if (colon == absl::string_view::npos || colon == 0) {
      return absl::InvalidArgumentError(absl::StrCat("target '", target, "' is not HOST:PORT"));
    }
    out.host = std::string(target.substr(0, colon));
  }
  out.port = std::string(target.substr(colon + 1));
  int port = 0;
  if (!absl::SimpleAtoi(out.port, &port) || port < 1 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("target '", target, "' has no valid port"));
  }
  return out;
}

// A non-blocking TCP connection to the first address of `hp` that answers before `deadline`.
absl::StatusOr<int> ConnectTcp(const HostPort& hp, absl::Time deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* addresses = nullptr;
  int resolved = getaddrinfo(hp.host.c_str(), hp.port.c_str(), &hints, &addresses);
  if (resolved != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot resolve '", hp.host, "': ", gai_strerror(resolved)));
  }
  absl::Status last = absl::UnavailableError(absl::StrCat("no address for '", hp.host, "'"));
  for (addrinfo* a = addresses; a != nullptr; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last = absl::UnavailableError(absl::StrCat("socket: ", ErrnoText(errno)));
      continue;
    }
    // EINTR from a non-blocking connect: the connection goes on, as for EINPROGRESS.
    int rc = connect(fd, a->ai_addr, a->ai_addrlen);
    absl::Status status;
    if (rc != 0 && errno != EINPROGRESS && errno != EINTR) {
      status = absl::UnavailableError(ErrnoText(errno));
    } else if (rc != 0) {
      status = WaitFor(fd, POLLOUT, deadline, "connecting");
      if (status.ok()) {
        int error = 0;
        socklen_t length = sizeof(error);
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
        if (error != 0) status = absl::UnavailableError(ErrnoText(error));
      }
    }
    if (status.ok()) {
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      freeaddrinfo(addresses);
      return fd;
    }
    close(fd);
    last = absl::Status(status.code(), absl::StrCat("cannot connect to ", hp.host, ":", hp.port,
                                                    ": ", status.message()));
    if (absl::IsDeadlineExceeded(status)) break;
  }
  freeaddrinfo(addresses);
  return last;
}

bool IsIpAddress(const std::string& host) {
  unsigned char buffer[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

// Waits for what an SSL call that returned `rc` needs; OK to retry the call, or why not.
absl::Status AfterSslCall(SSL* ssl, int rc, int fd, absl::Time deadline, absl::string_view doing) {
  int error = SSL_get_error(ssl, rc);
  switch (error) {
    case SSL_ERROR_WANT_READ:
      return WaitFor(fd, POLLIN, deadline, doing);
    case SSL_ERROR_WANT_WRITE:
      return WaitFor(fd, POLLOUT, deadline, doing);
    case SSL_ERROR_ZERO_RETURN:
      return absl::UnavailableError(absl::StrCat("the server closed the connection ", doing));
    case SSL_ERROR_SYSCALL: {
      int saved = errno;
      std::string queued = OpenSslErrors();
      if (queued.empty() && saved == EINTR) return absl::OkStatus();
      if (queued.empty() && (rc == 0 || saved == 0)) {
        return absl::UnavailableError(absl::StrCat("the server closed the connection ", doing));
      }
      return absl::UnavailableError(
          absl::StrCat("TLS error ", doing, ": ", queued.empty() ? ErrnoText(saved) : queued));
    }
    default:
      return absl::UnavailableError(absl::StrCat("TLS error ", doing, ": ", OpenSslErrors()));
  }
}

// TLS over the connected `fd`: loads the CA and client files, handshakes, verifies the
// server's certificate and name.
absl::StatusOr<std::unique_ptr<MllpClient::Tls>> StartTls(int fd, const HostPort& hp,
                                                           const MllpClientOptions& options,
                                                           absl::Time deadline) {
  ERR_clear_error();
  auto tls = std::make_unique<MllpClient::Tls>();
  tls->ctx = SSL_CTX_new(TLS_client_method());
  if (tls->ctx == nullptr) return absl::InternalError(absl::StrCat("TLS: ", OpenSslErrors()));
  SSL_CTX_set_min_proto_version(tls->ctx, TLS1_2_VERSION);
  SSL_CTX_set_mode(tls->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE);
  SSL_CTX_set_verify(tls->ctx, SSL_VERIFY_PEER, nullptr);
  if (!options.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(tls->ctx, options.ca_file.c_str(), nullptr) != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot load the CA file ", options.ca_file, ": ", OpenSslErrors()));
    }
  } else if (SSL_CTX_set_default_verify_paths(tls->ctx) != 1) {
    return absl::InternalError(absl::StrCat("cannot load the system CAs: ", OpenSslErrors()));
  }
  if (!options.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(tls->ctx, options.cert_file.c_str()) != 1) {
      return absl::InvalidArgumentError(absl::StrCat("cannot load the certificate ",
                                                     options.cert_file, ": ", OpenSslErrors()));
    }
    if (SSL_CTX_use_PrivateKey_file(tls->ctx, options.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(tls->ctx) != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cannot load the key ", options.key_file, " of ", options.cert_file, ": ",
          OpenSslErrors()));
    }
  }
  tls->ssl = SSL_new(tls->ctx);
  if (tls->ssl == nullptr || SSL_set_fd(tls->ssl, fd) != 1) {
    return absl::InternalError(absl::StrCat("TLS: ", OpenSslErrors()));
  }
  const std::string name = options.server_name.empty() ? hp.host : options.server_name;
  if (IsIpAddress(name)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(tls->ssl), name.c_str());
  } else {
    SSL_set_tlsext_host_name(tls->ssl, name.c_str());
    SSL_set1_host(tls->ssl, name.c_str());
  }
  for (;;) {
    int rc = SSL_connect(tls->ssl);
    if (rc == 1) return tls;
    long verify = SSL_get_verify_result(tls->ssl);
    absl::Status wait = AfterSslCall(tls->ssl, rc, fd, deadline, "in the TLS handshake");
    if (!wait.ok()) {
      if (verify != X509_V_OK) {
        return absl::UnavailableError(absl::StrCat(
            "the server's certificate was not accepted (checked for '", name,
            "'): ", X509_verify_cert_error_string(verify)));
      }
      return wait;
    }
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<MllpClient>> MllpClient::Connect(const MllpClientOptions& options) {
  absl::StatusOr<HostPort> hp = SplitTarget(options.target);
  if (!hp.ok()) return hp.status();
  const absl::Time deadline = absl::Now() + options.timeout;
  absl::StatusOr<int> fd = ConnectTcp(*hp, deadline);
  if (!fd.ok()) return fd.status();
  std::unique_ptr<Tls> tls;
  if (!options.ca_file.empty() || !options.cert_file.empty()) {
    absl::StatusOr<std::unique_ptr<Tls>> started = StartTls(*fd, *hp, options, deadline);
    if (!started.ok()) {
      close(*fd);
      return started.status();
    }
    tls = std::move(*started);
  }
  return std::unique_ptr<MllpClient>(new MllpClient(*fd, std::move(tls), options));
}

MllpClient::MllpClient(int fd, std::unique_ptr<Tls> tls, const MllpClientOptions& options)
    : fd_(fd),
      tls_(std::move(tls)),
      options_(options),
      framer_(hl7v2::MllpFramerOptions{.max_message_bytes = options.max_answer_bytes}) {}

MllpClient::~MllpClient() {
  if (tls_ != nullptr && !broken_) SSL_shutdown(tls_->ssl);  // close_notify, not waited for
  tls_.reset();
  close(fd_);
}

absl::Status MllpClient::WriteAll(absl::string_view bytes, absl::Time deadline) {
  while (!bytes.empty()) {
    if (tls_ != nullptr) {
      ERR_clear_error();
      int rc = SSL_write(tls_->ssl, bytes.data(), static_cast<int>(bytes.size()));
      if (rc > 0) {
        bytes.remove_prefix(static_cast<size_t>(rc));
        continue;
      }
      absl::Status wait = AfterSslCall(tls_->ssl, rc, fd_, deadline, "sending");
      if (!wait.ok()) return wait;
      continue;
    }
    ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      absl::Status wait = WaitFor(fd_, POLLOUT, deadline, "sending");
      if (!wait.ok()) return wait;
    } else if (n < 0 && errno != EINTR) {
      return absl::UnavailableError(absl::StrCat("sending: ", ErrnoText(errno)));
    }
  }
  return absl::OkStatus();
}

absl::Status MllpClient::ReadSome(std::string* out, absl::Time deadline) {
  char buffer[16384];
  for (;;) {
    if (tls_ != nullptr) {
      ERR_clear_error();
      int rc = SSL_read(tls_->ssl, buffer, sizeof(buffer));
      if (rc > 0) {
        out->assign(buffer, static_cast<size_t>(rc));
        return absl::OkStatus();
      }
      absl::Status wait = AfterSslCall(tls_->ssl, rc, fd_, deadline, "waiting for the answer");
      if (!wait.ok()) return wait;
      continue;
    }
    ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
    if (n > 0) {
      out->assign(buffer, static_cast<size_t>(n));
      return absl::OkStatus();
    }
    if (n == 0) {
      return absl::UnavailableError("the server closed the connection before answering");
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      absl::Status wait = WaitFor(fd_, POLLIN, deadline, "waiting for the answer");
      if (!wait.ok()) return wait;
    } else if (errno != EINTR) {
      return absl::UnavailableError(absl::StrCat("reading the answer: ", ErrnoText(errno)));
    }
  }
}

absl::StatusOr<std::string> MllpClient::Exchange(absl::string_view message) {
  const absl::Time deadline = absl::Now() + options_.timeout;  // one bound for both halves
  if (absl::Status sent = SendBefore(message, deadline); !sent.ok()) return sent;
  return ReceiveBefore(deadline);
}

absl::Status MllpClient::Send(absl::string_view message) {
  return SendBefore(message, absl::Now() + options_.timeout);
}

absl::StatusOr<std::string> MllpClient::Receive() {
  return ReceiveBefore(absl::Now() + options_.timeout);
}

absl::Status MllpClient::SendBefore(absl::string_view message, absl::Time deadline) {
  if (broken_) {
    return absl::FailedPreconditionError("the connection failed earlier; connect again");
  }
  absl::StatusOr<std::string> frame = hl7v2::FrameMessage(message);
  if (!frame.ok()) return frame.status();
  absl::Status sent = WriteAll(*frame, deadline);
  if (!sent.ok()) broken_ = true;
  return sent;
}

absl::StatusOr<std::string> MllpClient::ReceiveBefore(absl::Time deadline) {
  if (broken_) {
    return absl::FailedPreconditionError("the connection failed earlier; connect again");
  }
  std::string bytes;
  while (pending_.empty()) {
    absl::Status read = ReadSome(&bytes, deadline);
    if (!read.ok()) {
      broken_ = true;
      return read;
    }
    for (hl7v2::MllpEvent& event : framer_.Feed(bytes)) {
      if (event.kind == hl7v2::MllpEvent::Kind::kMessage) {
        pending_.push_back(std::move(event.payload));
      } else if (event.kind == hl7v2::MllpEvent::Kind::kTooLarge) {
        broken_ = true;
        return absl::UnavailableError(absl::StrCat("the answer is ", event.bytes,
                                                   " bytes, over the limit of ",
                                                   options_.max_answer_bytes));
      }
    }
  }
  std::string answer = std::move(pending_.front());
  pending_.pop_front();
  return answer;
}

}  // namespace trialgate::cli
