#ifndef TRIALGATE_GATEWAY_CLI_MLLP_CLIENT_H_
#define TRIALGATE_GATEWAY_CLI_MLLP_CLIENT_H_

#include <deque>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/hl7v2/mllp_framer.h"

// The sending side of MLLP: one TCP connection, plain or TLS (OpenSSL; mutual TLS when a client
// certificate is given), over which messages are sent one at a time, each waiting for the one
// frame (the ACK) that answers it, or a few ahead (Send/Receive). For `trialgate hl7 send`,
// `trialgate bench --mode mllp` and tests.
namespace trialgate::cli {

inline constexpr char kDefaultMllpTarget[] = "127.0.0.1:2575";

struct MllpClientOptions {
  std::string target = kDefaultMllpTarget;  // "host:port", "[::1]:port"
  // TLS when ca_file or cert_file is set (as for the gRPC commands): the server's certificate
  // must chain to ca_file (else to the system's CAs) and name server_name (else the target's
  // host, DNS name or IP address). cert_file + key_file: the client's identity (mutual TLS).
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;
  // Bound on connecting (TCP and TLS handshake) and on each Exchange (send and answer).
  absl::Duration timeout = absl::Seconds(30);
  // Largest answer accepted (the frame's payload).
  size_t max_answer_bytes = size_t{1} << 20;
};

// Not thread-safe: one exchange at a time. Closes the connection when destroyed.
// REQUIRES (TLS): SIGPIPE ignored by the process; OpenSSL writes with write(2), which raises
// SIGPIPE when the server has closed. Plain TCP uses MSG_NOSIGNAL and needs nothing.
class MllpClient {
 public:
  // Connects (and for TLS, handshakes and verifies the server). Errors: InvalidArgument for a
  // bad target or unreadable TLS files, Unavailable when the server cannot be reached or the
  // handshake fails (the reason, e.g. the verification error, in the message),
  // DeadlineExceeded after options.timeout.
  static absl::StatusOr<std::unique_ptr<MllpClient>> Connect(const MllpClientOptions& options);

  ~MllpClient();
  MllpClient(const MllpClient&) = delete;
  MllpClient& operator=(const MllpClient&) = delete;

  // Sends `message` in one MLLP frame and returns the payload of the next frame received,
  // however many reads it takes. Bytes outside frames are skipped. InvalidArgument when the
  // message holds VT or FS; DeadlineExceeded when no whole frame arrives within the timeout;
  // Unavailable when the connection fails or closes first, or the answer is over
  // max_answer_bytes. After any error other than InvalidArgument the connection is unusable.
  absl::StatusOr<std::string> Exchange(absl::string_view message);

  // The two halves of Exchange, for a sender that keeps several messages in flight (the
  // receiver answers in order): Send writes one framed message, Receive returns the payload of
  // the next frame not yet returned, each with its own timeout and Exchange's errors. A caller
  // that sends ahead must keep what is unanswered within the socket buffers, or both sides
  // may block on a full buffer until the timeout.
  absl::Status Send(absl::string_view message);
  absl::StatusOr<std::string> Receive();

  struct Tls;  // the OpenSSL objects; opaque

 private:
  MllpClient(int fd, std::unique_ptr<Tls> tls, const MllpClientOptions& options);

  absl::Status SendBefore(absl::string_view message, absl::Time deadline);
  absl::StatusOr<std::string> ReceiveBefore(absl::Time deadline);
  absl::Status WriteAll(absl::string_view bytes, absl::Time deadline);
  // Reads what is available (at least one byte) into *out; Unavailable at end of stream.
  absl::Status ReadSome(std::string* out, absl::Time deadline);

  int fd_;
  std::unique_ptr<Tls> tls_;
  MllpClientOptions options_;
  hl7v2::MllpFramer framer_;
  std::deque<std::string> pending_;  // frames that arrived before they were asked for
  bool broken_ = false;
};

}  // namespace trialgate::cli

#endif  // TRIALGATE_GATEWAY_CLI_MLLP_CLIENT_H_
