#ifndef TRIALGATE_GATEWAY_HL7V2_CHARSET_H_
#define TRIALGATE_GATEWAY_HL7V2_CHARSET_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

// The character set of an HL7 v2 message (MSH-18, HL7 table 0211) and its conversion to
// UTF-8, the only form the parser and everything after it see. Uses glibc's iconv.
//
// MSH-18 is read from the raw bytes before any conversion: in every character set accepted
// here (ASCII and the ASCII-compatible single-byte sets, UTF-8) the delimiters and "MSH" are
// the ASCII bytes. Multi-byte sets (UTF-16/32, the CJK sets) are refused: their bytes can be
// 0x0B/0x1C (MLLP framing) or a delimiter, so they cannot be framed or split safely.
// Thread-safe: each call opens its own iconv descriptor.
namespace trialgate::hl7v2 {

struct DecodeOptions {
  // What to decode with when MSH-18 is empty or holds a value outside table 0211: an iconv
  // name such as "WINDOWS-1252", configured per sending facility for systems that send
  // Windows text without saying so. Empty: the bytes must be UTF-8.
  std::string fallback_charset;
};

struct Decoded {
  std::string text;     // UTF-8, without a byte-order mark
  std::string charset;  // the iconv name the bytes were decoded with ("ISO-8859-15", "UTF-8")
  bool used_fallback = false;  // true when MSH-18 did not name a set and the fallback was used
};

// The first repetition's first component of MSH-18 in the raw `message` bytes, or "" when the
// message has none (or does not start with MSH).
std::string ReadMsh18(absl::string_view message);

// The iconv name for a table 0211 value: "ASCII" (also "ISO IR6"), "UNICODE UTF-8",
// "8859/1" ... "8859/9", "8859/15" (also "ISO IR100" for 8859/1). "" when `msh18` is not one of
// them.
std::string IconvNameFor(absl::string_view msh18);

// Converts one message's bytes to UTF-8 by MSH-18, else the fallback, else as UTF-8 checked
// for validity. A leading UTF-8 byte-order mark is dropped. InvalidArgument when:
// a byte is not valid in the set (the error gives its offset and value, never the text
// around it: "byte 0x81 at offset 212 is not a character in WINDOWS-1252 (MSH-18 is empty,
// the sender's fallback)"), MSH-18 names a set that cannot be framed (UTF-16/32, CJK), or the
// fallback is not a name iconv knows.
absl::StatusOr<Decoded> DecodeToUtf8(absl::string_view message,
                                     const DecodeOptions& options = {});

}  // namespace trialgate::hl7v2

#endif  // TRIALGATE_GATEWAY_HL7V2_CHARSET_H_
