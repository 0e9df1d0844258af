#ifndef TRIALGATE_GATEWAY_HL7V2_MESSAGE_H_
#define TRIALGATE_GATEWAY_HL7V2_MESSAGE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/hl7v2/escapes.h"

// A parsed HL7 v2 message: segments -> fields -> repetitions -> components -> sub-components,
// split on the delimiters the message declares in MSH-1 and MSH-2.
//
// Numbering is HL7's, 1-based everywhere: PID-3 is field 3 of PID; in MSH, field 1 is the field
// separator itself and field 2 the encoding characters (so MSH-9 is the message type, as in
// the standard, although it is the 8th piece of text after "MSH"). Every accessor answers ""
// for a part that is absent (a field past the segment's end, a second repetition of a field
// that has one, component 7 of a CX that has four), so that callers read optional fields
// without checks. Values come in two forms: Raw*() is the text as sent (escape sequences
// intact, cheap: a view into the message), Text() the value with its escape sequences decoded.
//
// Parse takes text that is already UTF-8 (see charset.h); the delimiters are ASCII in every
// character set the gateway accepts, so nothing here depends on the character set.
namespace trialgate::hl7v2 {

// One segment. Holds views into its Message's text: valid while the Message lives.
// Immutable, so thread-safe.
class Segment {
 public:
  // The segment id: "MSH", "PID", "OBX", "ZXY".
  absl::string_view name() const { return name_; }

  // Number of the last field present (0 for a segment with none). For MSH at least 2.
  int field_count() const { return static_cast<int>(fields_.size()) - 1; }

  // Field `field` as sent, with its repetitions and escapes; "" when absent or field < 1.
  absl::string_view RawField(int field) const;

  // How many repetitions field `field` has: 0 when it is absent or empty, else 1 + the number
  // of repetition separators in it. MSH-1 and MSH-2 never repeat.
  int RepetitionCount(int field) const;

  // One part of field `field`, as sent: repetition `repetition` (1-based); within it component
  // `component` (0 = the whole repetition); within that sub-component `subcomponent` (0 = the
  // whole component). "" when the part is absent. MSH-1 and MSH-2 are never split: their only
  // part is the whole (repetition 1, component 0 or 1, sub-component 0 or 1).
  absl::string_view Raw(int field, int component = 0, int subcomponent = 0,
                        int repetition = 1) const;

  // The same part with its escape sequences decoded (see Unescape); problems with escapes, if
  // any, are appended to *problems (when not null). MSH-1 and MSH-2 are returned as sent.
  std::string Text(int field, int component = 0, int subcomponent = 0, int repetition = 1,
                   std::vector<std::string>* problems = nullptr) const;

 private:
  friend class Message;
  Segment(absl::string_view name, std::vector<absl::string_view> fields,
          const Delimiters* delimiters)
      : name_(name), fields_(std::move(fields)), delimiters_(delimiters) {}
  bool IsMshHeader(int field) const;

  absl::string_view name_;
  std::vector<absl::string_view> fields_;  // [0] is the name; [i] is field i
  const Delimiters* delimiters_;           // owned by the Message
};

// Immutable once parsed, so thread-safe; movable, not copyable (segments point into it).
class Message {
 public:
  // Parses `text` (UTF-8, one message). Segments end with CR, LF or CR LF; empty lines are
  // skipped, as is a leading UTF-8 byte-order mark. InvalidArgument, with a reason a person can
  // act on and never a piece of the message's text, when:
  // the message does not start with MSH (a batch's FHS or BHS says so), MSH-2 does not declare
  // 4 or 5 distinct encoding characters distinct from the field separator, a segment id is not
  // three upper-case letters or digits, or a second MSH appears (one message per frame).
  // The version (MSH-12) is not checked here: see CheckVersion.
  static absl::StatusOr<Message> Parse(std::string text);

  Message(Message&&) = default;
  Message& operator=(Message&&) = default;

  const Delimiters& delimiters() const { return *delimiters_; }

  // All segments in message order; the first is MSH.
  const std::vector<Segment>& segments() const { return segments_; }

  // The `occurrence`-th (1-based) segment named `name`; nullptr when there are fewer.
  const Segment* Find(absl::string_view name, int occurrence = 1) const;

  // Segments named `name`, in message order.
  std::vector<const Segment*> FindAll(absl::string_view name) const;

  // Shorthand for Find(segment)->Text(...): "" when the segment is absent.
  std::string Text(absl::string_view segment, int field, int component = 0,
                   int subcomponent = 0, int repetition = 1) const;

  // MSH-9 as sent ("ORU^R01^ORU_R01"), its message code ("ORU") and trigger event ("R01").
  absl::string_view message_type() const { return msh().Raw(9); }
  std::string message_code() const { return msh().Text(9, 1); }
  std::string trigger_event() const { return msh().Text(9, 2); }
  // MSH-10, the sender's control id; MSH-12.1, the version id ("2.5.1").
  std::string control_id() const { return msh().Text(10); }
  std::string version() const { return msh().Text(12, 1); }

  const Segment& msh() const { return segments_.front(); }

  // The whole message text (UTF-8, as parsed, without a byte-order mark).
  absl::string_view text() const { return *text_; }

 private:
  Message() = default;

  std::unique_ptr<std::string> text_;  // heap, so views survive a move
  std::unique_ptr<Delimiters> delimiters_;
  std::vector<Segment> segments_;
};

// OK when `version` (MSH-12.1) is one the gateway reads: 2.3 to 2.8 with any sub-release
// ("2.3.1", "2.5.1", "2.8.2"). Otherwise InvalidArgument naming the version if it is short
// printable text (the ACK for it is AR with error 203, unsupported version id).
absl::Status CheckVersion(absl::string_view version);

// `text` quoted for a log or an error when it is at most `max` printable ASCII characters,
// else a description ("12 bytes that are not printable ASCII"). For values that are codes
// (versions, charsets, message types), never for personal data.
std::string QuoteCode(absl::string_view text, size_t max = 24);

}  // namespace trialgate::hl7v2

#endif  // TRIALGATE_GATEWAY_HL7V2_MESSAGE_H_
