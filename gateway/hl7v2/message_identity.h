#ifndef TRIALGATE_GATEWAY_HL7V2_MESSAGE_IDENTITY_H_
#define TRIALGATE_GATEWAY_HL7V2_MESSAGE_IDENTITY_H_

#include <string>

#include "absl/strings/string_view.h"
#include "gateway/hl7v2/message.h"

// Who sent a message and what it said, for recognising it again: its sending system, read
// before anything else (the sender's settings decide how the rest is decoded), and a digest of
// its content that a resend reproduces.
namespace trialgate::hl7v2 {

// The first segment of raw message bytes (up to the first CR or LF), when it is an MSH
// segment; "" otherwise. A leading byte-order mark or blank lines are skipped.
std::string RawHeaderSegment(absl::string_view raw);

// "APPLICATION@FACILITY" from the namespace ids of MSH-3 and MSH-4 of the raw bytes' header
// ("LIS@HOSPA"); "" when there is no parsable MSH. The ids are ASCII in every character set the
// gateway reads, so this works before decoding.
std::string RawSendingSystem(absl::string_view raw);

// Hex SHA-256 of the message's segments as parsed, CR-separated, with MSH-7 (the time of the
// message) left out: senders that resend after a lost ACK often stamp a new time, and other
// segment endings (LF, CR LF) do not make another message either.
std::string ContentDigest(const Message& message);

}  // namespace trialgate::hl7v2

#endif  // TRIALGATE_GATEWAY_HL7V2_MESSAGE_IDENTITY_H_
