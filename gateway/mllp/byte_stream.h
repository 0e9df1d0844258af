#ifndef TRIALGATE_GATEWAY_MLLP_BYTE_STREAM_H_
#define TRIALGATE_GATEWAY_MLLP_BYTE_STREAM_H_

#include <cstddef>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "openssl/ssl.h"

// One accepted connection's bytes, plain or TLS, behind one interface so that the MLLP
// connection loop does not care which. Blocking, with the socket's own timeouts: a read that
// waits longer than the idle timeout, or a write the peer does not take within it, fails.
namespace trialgate::mllp {

class ByteStream {
 public:
  virtual ~ByteStream() = default;

  // Reads up to `size` bytes into `buffer`. 0 at the end of the stream (the peer closed, or
  // the listener shut the reading side down). DEADLINE_EXCEEDED when nothing came within the
  // idle timeout; UNAVAILABLE for a broken connection.
  virtual absl::StatusOr<size_t> Read(char* buffer, size_t size) = 0;

  // Writes all of `bytes`. DEADLINE_EXCEEDED when the peer stopped taking them; UNAVAILABLE
  // for a broken connection.
  virtual absl::Status WriteAll(absl::string_view bytes) = 0;
};

// Sets the idle timeout (SO_RCVTIMEO, SO_SNDTIMEO) and TCP keepalive (probes after `keepalive`
// of silence; zero leaves keepalive off) on an accepted socket.
absl::Status ConfigureSocket(int fd, absl::Duration idle_timeout, absl::Duration keepalive);

// The plain TCP stream of socket `fd`, which the caller keeps owning.
std::unique_ptr<ByteStream> PlainStream(int fd);

// Runs the TLS handshake on `fd` (owned by the caller) as a server of `ctx`. The returned
// stream owns the TLS session; `ssl()` gives the peer's certificate. UNAUTHENTICATED when the
// handshake fails (no or an untrusted client certificate, not TLS at all).
class TlsStream;
absl::StatusOr<std::unique_ptr<TlsStream>> AcceptTls(SSL_CTX* ctx, int fd);

class TlsStream final : public ByteStream {
 public:
  ~TlsStream() override;
  absl::StatusOr<size_t> Read(char* buffer, size_t size) override;
  absl::Status WriteAll(absl::string_view bytes) override;
  SSL* ssl() const { return ssl_; }

 private:
  friend absl::StatusOr<std::unique_ptr<TlsStream>> AcceptTls(SSL_CTX* ctx, int fd);
  explicit TlsStream(SSL* ssl) : ssl_(ssl) {}
  SSL* ssl_;
};

}  // namespace trialgate::mllp

#endif  // TRIALGATE_GATEWAY_MLLP_BYTE_STREAM_H_
