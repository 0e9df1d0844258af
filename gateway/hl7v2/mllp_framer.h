#ifndef TRIALGATE_GATEWAY_HL7V2_MLLP_FRAMER_H_
#define TRIALGATE_GATEWAY_HL7V2_MLLP_FRAMER_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

// MLLP (Minimal Lower Layer Protocol) framing: a message travels as VT (0x0B), the message's
// bytes, FS (0x1C), CR (0x0D). Nothing else: no length, no checksum.
//
// MllpFramer is the receiving side's state machine, fed the bytes of one connection as they
// arrive. It is robust to what senders really do (see docs/hl7v2.md): a frame split over many
// reads, several frames in one read, bytes before VT, FS followed by CR LF, and a frame whose
// end never comes. It never buffers more than the size limit: a larger frame is skipped up to
// its FS and reported as too large, so that the listener can answer AR and keep the connection.
// Bytes outside frames are only counted, never kept: a listener reports the count (not the
// bytes, which may hold personal data) and closes a connection that sends too many.
namespace trialgate::hl7v2 {

inline constexpr char kStartBlock = 0x0B;  // VT
inline constexpr char kEndBlock = 0x1C;    // FS
inline constexpr char kCarriageReturn = 0x0D;

struct MllpFramerOptions {
  // Largest message (the bytes between VT and FS) that is delivered; a larger one is skipped
  // and reported as kTooLarge. Must be at least 1.
  size_t max_message_bytes = size_t{16} << 20;  // 16 MiB
};

// One thing the framer found in the byte stream.
struct MllpEvent {
  enum class Kind {
    kMessage,    // a complete message: `payload` holds the bytes between VT and FS
    kTooLarge,   // a frame over the limit ended; `bytes` is its size, nothing was kept
    kDiscarded,  // `bytes` bytes outside any frame (before VT, or a frame cut off by a new VT)
  };
  Kind kind;
  std::string payload;  // kMessage only
  size_t bytes = 0;     // the payload's size for kMessage
};

// Not thread-safe: one framer per connection, fed by one reader.
class MllpFramer {
 public:
  explicit MllpFramer(MllpFramerOptions options = {});

  // Consumes `data`, the next bytes of the stream, and returns what they completed, in stream
  // order. Bytes of a frame not yet ended are kept (up to the limit) for the next call.
  // Discarded bytes are reported as one kDiscarded event per run of them, at the latest at the
  // end of the call, so a stream of garbage yields a bounded count on every call.
  //
  // Rules: bytes before VT are discarded. A frame ends at FS; the CR that should follow, and
  // an LF after that CR, are consumed silently (a missing CR is tolerated). A VT inside a
  // frame means its end was lost: the partial frame is discarded and a new one starts.
  std::vector<MllpEvent> Feed(absl::string_view data);

  // True when a frame has started (VT seen) and not yet ended: what a listener checks before
  // closing on an idle timeout, or at end of stream to report a truncated frame.
  bool in_frame() const { return state_ == State::kInFrame || state_ == State::kTooLarge; }

  // Bytes discarded since the last complete message (kMessage or kTooLarge) or since the
  // start: how a listener tells a sender that sends garbage forever from one that sent a few
  // stray bytes.
  size_t discarded_since_last_message() const { return discarded_since_last_message_; }

 private:
  enum class State { kIdle, kInFrame, kTooLarge, kAfterEnd, kAfterEndCr };

  void Discard(size_t n);
  void FlushDiscarded(std::vector<MllpEvent>& events);

  MllpFramerOptions options_;
  State state_ = State::kIdle;
  std::string buffer_;          // the frame so far (kInFrame)
  size_t too_large_bytes_ = 0;  // the frame so far (kTooLarge)
  size_t pending_discarded_ = 0;
  size_t discarded_since_last_message_ = 0;
};

// Wraps `payload` in an MLLP frame (VT payload FS CR), for senders. InvalidArgument when the
// payload holds a VT or FS byte, which no receiver could tell from framing.
absl::StatusOr<std::string> FrameMessage(absl::string_view payload);

}  // namespace trialgate::hl7v2

#endif  // TRIALGATE_GATEWAY_HL7V2_MLLP_FRAMER_H_
