#ifndef TRIALGATE_GATEWAY_MLLP_MLLP_LISTENER_H_
#define TRIALGATE_GATEWAY_MLLP_MLLP_LISTENER_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/security/caller.h"
#include "gateway/security/identity.h"
#include "openssl/ssl.h"

// The MLLP listener: accepts TCP (or mutual-TLS) connections, reassembles the MLLP frames of
// each with hl7v2::MllpFramer, hands every complete message to a handler and frames its answer
// back. One thread per connection: a sender waits for each ACK before it sends the next message,
// so a connection has one message in flight, and a hospital has tens of feeds, not thousands.
namespace trialgate::mllp {

// What a listener does with the messages (implemented by Hl7Receiver).
class MllpHandler {
 public:
  virtual ~MllpHandler() = default;
  // One complete message (the bytes between VT and FS, as received) from `caller`. Returns the
  // answer to frame back (an ACK), or "" to send none. Runs on the connection's thread; the
  // messages of one connection one at a time, in order. May block (until the commit).
  virtual std::string OnMessage(const security::Caller& caller, absl::string_view message) = 0;
  // A frame over the size limit (`bytes` long, not kept). Returns the answer, as above.
  virtual std::string OnTooLarge(const security::Caller& caller, size_t bytes) = 0;
};

struct MllpListenerOptions {
  std::string listen = "127.0.0.1:2575";  // host:port; port 0 picks a free one
  size_t max_message_bytes = size_t{16} << 20;
  // A connection silent this long is closed (between messages or inside one).
  absl::Duration idle_timeout = absl::Minutes(10);
  absl::Duration keepalive = absl::Seconds(60);  // TCP keepalive probes; zero: off
  size_t max_connections = 256;                   // more are accepted and closed at once
  // Bytes outside frames a connection may send since its last message before it is closed:
  // a few stray bytes are normal, a sender that speaks something else is not.
  size_t max_discarded_bytes = size_t{64} << 10;
  // Mutual TLS; null: plaintext (serve --insecure only). Not owned; must outlive the listener.
  SSL_CTX* tls = nullptr;
  // With TLS: the identities client certificates map to; only those with the site role may
  // send (a certificate is a sending facility's identity).
  std::vector<security::Identity> identities;
};

class MllpListener {
 public:
  // Binds and starts accepting. UNAVAILABLE when the address cannot be bound; INVALID_ARGUMENT
  // for an address that is not host:port. The handler must outlive the listener.
  static absl::StatusOr<std::unique_ptr<MllpListener>> Start(MllpListenerOptions options,
                                                             MllpHandler* handler);
  virtual ~MllpListener() = default;

  virtual int port() const = 0;
  virtual std::string address() const = 0;  // "host:port" actually listened on
  // How many connections are open now.
  virtual size_t connections() const = 0;

  // Stops accepting; each connection finishes the message it is handling (its ACK is sent),
  // then closes; a connection whose peer does not take its ACK within 5 s is cut. Blocks until
  // every connection thread has ended. Idempotent.
  virtual void Shutdown() = 0;
};

}  // namespace trialgate::mllp

#endif  // TRIALGATE_GATEWAY_MLLP_MLLP_LISTENER_H_
