#include "gateway/hl7v2/mllp_framer.h"

#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace trialgate::hl7v2 {
namespace {

constexpr char kLineFeed = 0x0A;

// Position of the first VT or FS in `data` from `from`, or npos.
size_t FindFraming(absl::string_view data, size_t from) {
  for (size_t i = from; i < data.size(); ++i) {
    if (data[i] == kStartBlock || data[i] == kEndBlock) return i;
  }
  return absl::string_view::npos;
}

}  // namespace

MllpFramer::MllpFramer(MllpFramerOptions options) : options_(options) {
  if (options_.max_message_bytes == 0) options_.max_message_bytes = 1;
}

void MllpFramer::Discard(size_t n) {
  pending_discarded_ += n;
  discarded_since_last_message_ += n;
}

void MllpFramer::FlushDiscarded(std::vector<MllpEvent>& events) {
  if (pending_discarded_ == 0) return;
  events.push_back(MllpEvent{MllpEvent::Kind::kDiscarded, {}, pending_discarded_});
  pending_discarded_ = 0;
}

std::vector<MllpEvent> MllpFramer::Feed(absl::string_view data) {
  std::vector<MllpEvent> events;
  size_t i = 0;
  while (i < data.size()) {
    switch (state_) {
      case State::kAfterEnd:
        // FS ends the frame; CR is expected but a missing one is tolerated.
        state_ = State::kIdle;
        if (data[i] == kCarriageReturn) {
          state_ = State::kAfterEndCr;
          ++i;
        }
        break;
      case State::kAfterEndCr:
        // Some senders end frames with FS CR LF.
        state_ = State::kIdle;
        if (data[i] == kLineFeed) ++i;
        break;
      case State::kIdle: {
        const void* vt = std::memchr(data.data() + i, kStartBlock, data.size() - i);
        if (vt == nullptr) {
          Discard(data.size() - i);
          i = data.size();
          break;
        }
        size_t at = static_cast<const char*>(vt) - data.data();
        Discard(at - i);
        FlushDiscarded(events);
        i = at + 1;
        state_ = State::kInFrame;
        buffer_.clear();
        break;
      }
      case State::kInFrame:
      case State::kTooLarge: {
        size_t at = FindFraming(data, i);
        size_t end = at == absl::string_view::npos ? data.size() : at;
        size_t n = end - i;
        if (state_ == State::kInFrame && buffer_.size() + n > options_.max_message_bytes) {
          too_large_bytes_ = buffer_.size();
          buffer_.clear();
          buffer_.shrink_to_fit();
          state_ = State::kTooLarge;
        }
        if (state_ == State::kInFrame) {
          buffer_.append(data.data() + i, n);
        } else {
          too_large_bytes_ += n;
        }
        i = end;
        if (at == absl::string_view::npos) break;
        ++i;
        if (data[at] == kStartBlock) {
          // A new frame starts before this one ended: this one's end was lost.
          Discard(state_ == State::kInFrame ? buffer_.size() + 1 : too_large_bytes_ + 1);
          FlushDiscarded(events);
          buffer_.clear();
          too_large_bytes_ = 0;
          state_ = State::kInFrame;
          break;
        }
        if (state_ == State::kInFrame) {
          size_t size = buffer_.size();
          events.push_back(MllpEvent{MllpEvent::Kind::kMessage, std::move(buffer_), size});
          buffer_ = std::string();
        } else {
          events.push_back(MllpEvent{MllpEvent::Kind::kTooLarge, {}, too_large_bytes_});
          too_large_bytes_ = 0;
        }
        discarded_since_last_message_ = 0;
        state_ = State::kAfterEnd;
        break;
      }
    }
  }
  FlushDiscarded(events);
  return events;
}

absl::StatusOr<std::string> FrameMessage(absl::string_view payload) {
  for (size_t i = 0; i < payload.size(); ++i) {
    if (payload[i] == kStartBlock || payload[i] == kEndBlock) {
      return absl::InvalidArgumentError(absl::StrCat(
          "byte ", i, " of the message is ", payload[i] == kStartBlock ? "VT (0x0B)" : "FS (0x1C)",
          ", which MLLP reserves for framing; escape it (\\X0B\\ or \\X1C\\) in the message"));
    }
  }
  std::string frame;
  frame.reserve(payload.size() + 3);
  frame.push_back(kStartBlock);
  frame.append(payload.data(), payload.size());
  frame.push_back(kEndBlock);
  frame.push_back(kCarriageReturn);
  return frame;
}

}  // namespace trialgate::hl7v2
