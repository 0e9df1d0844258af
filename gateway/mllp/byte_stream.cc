#include "gateway/mllp/byte_stream.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "openssl/err.h"

namespace trialgate::mllp {
namespace {

bool TimedOut(int error) { return error == EAGAIN || error == EWOULDBLOCK; }

absl::Status SocketError(const char* what, int error) {
  if (TimedOut(error)) {
    return absl::DeadlineExceededError(absl::StrCat(what, ": the idle timeout passed"));
  }
  return absl::UnavailableError(absl::StrCat(what, ": ", std::strerror(error)));
}

class PlainByteStream final : public ByteStream {
 public:
  explicit PlainByteStream(int fd) : fd_(fd) {}

  absl::StatusOr<size_t> Read(char* buffer, size_t size) override {
    while (true) {
      const ssize_t n = recv(fd_, buffer, size, 0);
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) return SocketError("read", errno);
    }
  }

  absl::Status WriteAll(absl::string_view bytes) override {
    while (!bytes.empty()) {
      const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        return SocketError("write", errno);
      }
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return absl::OkStatus();
  }

 private:
  const int fd_;
};

// What a failed SSL_read/SSL_write/SSL_accept means, as a status.
absl::Status TlsError(SSL* ssl, int result, const char* what) {
  const int error = SSL_get_error(ssl, result);
  const int saved_errno = errno;
  std::string detail;
  if (const unsigned long code = ERR_get_error(); code != 0) {
    char text[256];
    ERR_error_string_n(code, text, sizeof(text));
    detail = text;
  }
  ERR_clear_error();
  if (error == SSL_ERROR_SYSCALL || error == SSL_ERROR_WANT_READ ||
      error == SSL_ERROR_WANT_WRITE) {
    // With socket timeouts, a blocking SSL call that timed out reports one of these.
    if (TimedOut(saved_errno)) return SocketError(what, saved_errno);
    if (saved_errno != 0) return SocketError(what, saved_errno);
  }
  return absl::UnavailableError(
      absl::StrCat(what, ": TLS error ", error, detail.empty() ? "" : ": ", detail));
}

}  // namespace

absl::Status ConfigureSocket(int fd, absl::Duration idle_timeout, absl::Duration keepalive) {
  const timeval timeout = absl::ToTimeval(idle_timeout);
  if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout)) != 0) {
    return SocketError("cannot set the idle timeout", errno);
  }
  const int one = 1;
  // ACKs are small and awaited by the sender: send them at once.
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (keepalive <= absl::ZeroDuration()) return absl::OkStatus();
  const int idle = static_cast<int>(std::max<int64_t>(1, absl::ToInt64Seconds(keepalive)));
  const int interval = std::max(1, idle / 3);
  const int probes = 3;
  if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)) != 0 ||
      setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) != 0 ||
      setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval)) != 0 ||
      setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof(probes)) != 0) {
    return SocketError("cannot set TCP keepalive", errno);
  }
  return absl::OkStatus();
}

std::unique_ptr<ByteStream> PlainStream(int fd) { return std::make_unique<PlainByteStream>(fd); }

absl::StatusOr<std::unique_ptr<TlsStream>> AcceptTls(SSL_CTX* ctx, int fd) {
  SSL* ssl = SSL_new(ctx);
  if (ssl == nullptr) return absl::InternalError("cannot create a TLS session");
  std::unique_ptr<TlsStream> stream(new TlsStream(ssl));
  SSL_set_fd(ssl, fd);
  errno = 0;
  const int result = SSL_accept(ssl);
  if (result != 1) {
    const absl::Status status = TlsError(ssl, result, "TLS handshake");
    return absl::UnauthenticatedError(status.message());
  }
  return stream;
}

TlsStream::~TlsStream() {
  // A close_notify when the peer still listens; never wait for its answer.
  SSL_shutdown(ssl_);
  SSL_free(ssl_);
}

absl::StatusOr<size_t> TlsStream::Read(char* buffer, size_t size) {
  errno = 0;
  const int n = SSL_read(ssl_, buffer, static_cast<int>(std::min<size_t>(size, 1 << 30)));
  if (n > 0) return static_cast<size_t>(n);
  if (SSL_get_error(ssl_, n) == SSL_ERROR_ZERO_RETURN) return 0;
  absl::Status status = TlsError(ssl_, n, "read");
  // A peer that closes the socket without close_notify has still ended the stream.
  if (absl::IsUnavailable(status) && errno == 0) return 0;
  return status;
}

absl::Status TlsStream::WriteAll(absl::string_view bytes) {
  while (!bytes.empty()) {
    errno = 0;
    const int n =
        SSL_write(ssl_, bytes.data(), static_cast<int>(std::min<size_t>(bytes.size(), 1 << 30)));
    if (n <= 0) return TlsError(ssl_, n, "write");
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

}  // namespace trialgate::mllp
