#ifndef TRIALGATE_GATEWAY_HL7V2_ACK_H_
#define TRIALGATE_GATEWAY_HL7V2_ACK_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/hl7v2/escapes.h"
#include "gateway/hl7v2/message.h"
#include "gateway/hl7v2/oru_converter.h"

// HL7 v2 acknowledgements (ACK): building the ACK a receiver returns for an inbound message,
// and reading one (for a sender). Pure (no I/O, no clock: the caller passes the time and the
// ACK's own control id), thread-safe.
//
// Which ACK, if any (HL7 v2.5.1 chapter 2.9, table 0155; docs/hl7v2.md "Acknowledgements"):
//   - original mode, MSH-15 and MSH-16 both empty: always an ACK, MSA-1 AA / AE / AR;
//   - enhanced mode, either valued: the accept ACK, MSA-1 CA / CE / CR, sent as MSH-15 asks:
//     AL always, NE never, ER only for an error or reject, SU only for an accept. MSH-15 empty
//     (only MSH-16 valued) or not in table 0155 counts as AL: the field is required in
//     enhanced mode, so its absence is the sender's mistake rather than a wish for no ACK, and
//     an MLLP sender waits on the socket: an ACK it did not ask for costs it nothing, a missing
//     one stalls it until its timeout and makes it resend. The application ACK MSH-16 asks for
//     is not built here (it is a later, separate message on a return route).
namespace trialgate::hl7v2 {

// What the inbound message's MSH says, as far as an ACK needs it. Fields are as sent (escape
// sequences intact, in the message's own delimiters, which the ACK reuses); "" when absent.
// A default-constructed header stands for a message with no usable MSH: the ACK then has the
// default delimiters and empty sender, receiver and MSA-2.
struct InboundHeader {
  Delimiters delimiters;              // MSH-1, MSH-2
  std::string sending_application;    // MSH-3
  std::string sending_facility;       // MSH-4
  std::string receiving_application;  // MSH-5
  std::string receiving_facility;     // MSH-6
  std::string trigger_event;          // MSH-9.2 ("R01")
  std::string control_id;             // MSH-10
  std::string processing_id;          // MSH-11 (whole field)
  std::string version_id;             // MSH-12 (whole field, "2.5.1" or "2.5.1^...")
  std::string accept_ack_type;        // MSH-15 (table 0155: AL, NE, ER, SU)
  std::string application_ack_type;   // MSH-16
};

// The header of a parsed message.
InboundHeader HeaderOf(const Message& message);

// The header of a message that may not parse as a whole (a bad segment further on, a second
// MSH, bytes that are not in its character set): its first MSH segment is parsed on its own.
// When even that fails (no MSH, invalid MSH-1/MSH-2) the result is a default InboundHeader.
// Never fails. The fields are copied as bytes: pass the UTF-8 text when there is one.
InboundHeader ReadInboundHeader(absl::string_view text);

// What the receiver did with the message.
enum class AckOutcome {
  kAccept,  // AA / CA: taken (possibly with warnings)
  kError,   // AE / CE: content error; the sender should fix the message and resend
  kReject,  // AR / CR: MSH-9, MSH-11 or MSH-12 not supported, or a receiver-side failure
            // (storage down: the sender should resend unchanged later)
};

// HL7 table 0516.
enum class AckSeverity { kError, kWarning, kInformation };

// One ERR segment. `location` is ERR-2 (ERL; field 0 = the whole segment, component 0 = the
// whole field; empty segment = no location); `code` is HL7 table 0357 (ERR-3): 0 message
// accepted, 100 segment sequence error, 101 required field missing, 102 data type error,
// 103 table value not found, 104 value too long, 200 unsupported message type, 201
// unsupported event code, 202 unsupported processing id, 203 unsupported version id, 204
// unknown key identifier, 205 duplicate key identifier, 206 application record locked, 207
// application internal error. `text` is plain text (escaped when written), for ERR-7 and
// ERR-8; it must never quote personal data.
struct AckError {
  Hl7Location location;
  int code = 207;
  AckSeverity severity = AckSeverity::kError;
  std::string text;
};

// ConversionIssue -> AckError (error -> E, warning -> W).
std::vector<AckError> AckErrorsFrom(const std::vector<ConversionIssue>& issues);

// The text of a table 0357 code ("Data type error"), "" for a code not in the table.
absl::string_view Hl7ErrorCodeText(int code);

enum class AckMode { kOriginal, kEnhanced };

// Whether and how to acknowledge a message with `header` that had `outcome`.
struct AckDecision {
  AckMode mode = AckMode::kOriginal;
  bool send = true;          // false: enhanced mode, and MSH-15 (NE, ER, SU) asks for none
  std::string code;          // MSA-1: AA AE AR (original) or CA CE CR (enhanced)
};
AckDecision DecideAck(const InboundHeader& header, AckOutcome outcome);

struct AckParams {
  AckOutcome outcome = AckOutcome::kAccept;
  std::vector<AckError> errors;
  // MSH-7, written as YYYYMMDDHHMMSS+ZZZZ in `zone`.
  absl::Time now;
  absl::TimeZone zone = absl::UTCTimeZone();
  // MSH-10 of the ACK: unique per ACK (see AckControlIds). Written escaped.
  std::string control_id;
  // MSH-11 and MSH-12 when the inbound message has none (no usable MSH): the ACK needs them.
  std::string default_processing_id = "P";
  std::string default_version_id = "2.5.1";
};

// The ACK for a message with `header`: segments MSH, MSA and ERR, each ending in CR, in the
// inbound message's delimiters. MSH-3/4 are the inbound MSH-5/6 and MSH-5/6 the inbound
// MSH-3/4; MSH-9 is ACK^<trigger>^ACK; MSH-11 and MSH-12 mirror the inbound ones. MSA-1 is
// DecideAck's code (whether to send it at all is DecideAck's `send`: the text is built
// regardless), MSA-2 the inbound MSH-10, MSA-3 a short summary (at most 80 characters) for
// receivers that do not read ERR.
// Errors: from v2.5 (and for a version that cannot be read) one ERR per error with ERR-2
// (segment^sequence^field^repetition^component, repetition 1), ERR-3 (code^text^HL70357),
// ERR-4 (E/W/I), ERR-7 and ERR-8 (the text, escaped). Before v2.5 (no ERR-2..8): one ERR
// whose ERR-1 (ELD) repeats per error: segment^sequence^field^code&text&HL70357.
std::string BuildAck(const InboundHeader& header, const AckParams& params);

// Generates ACK control ids (MSH-10) unique across processes and restarts with high
// probability: a prefix, 8 random hex digits drawn at construction, a counter ("TG3f9a0c1d7";
// at most 20 characters with the default prefix, MSH-10's length before v2.7).
// Thread-safe.
class AckControlIds {
 public:
  explicit AckControlIds(std::string prefix = "TG");
  std::string Next();

 private:
  std::string prefix_;
  std::atomic<uint64_t> counter_{0};
};

// One ERR segment of an ACK as read back.
struct ReadAckError {
  std::string location;  // ERR-2 as written ("OBX^2^5^1^1"), or ELD segment^sequence^field
  Hl7Location parsed_location;  // the same, parsed (repetition dropped)
  int code = 0;                 // ERR-3.1 or ELD.4.1; 0 when absent or not a number
  std::string severity;         // ERR-4 ("E", "W", "I"); "" before v2.5
  std::string text;             // ERR-8, else ERR-7, else the code's text (ERR-3.2, ELD.4.2)
};

struct AckReport {
  std::string code;        // MSA-1: AA AE AR CA CE CR
  std::string control_id;  // MSA-2: the acknowledged message's MSH-10
  std::string text;        // MSA-3
  std::vector<ReadAckError> errors;
  bool accepted() const { return code == "AA" || code == "CA"; }
};

// Reads an ACK (UTF-8 text). InvalidArgument when it does not parse or has no MSA segment.
// The message type is not checked: some receivers answer ACK^R01, others plain ACK.
absl::StatusOr<AckReport> ReadAck(absl::string_view text);

}  // namespace trialgate::hl7v2

#endif  // TRIALGATE_GATEWAY_HL7V2_ACK_H_
