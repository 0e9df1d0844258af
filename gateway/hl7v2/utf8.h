#ifndef TRIALGATE_GATEWAY_HL7V2_UTF8_H_
#define TRIALGATE_GATEWAY_HL7V2_UTF8_H_

#include <cstddef>
#include <optional>

#include "absl/strings/string_view.h"

namespace trialgate::hl7v2 {

// Offset of the first byte of `text` that does not start or continue a well-formed UTF-8
// sequence (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF); nullopt when
// all of `text` is UTF-8. Pure; does not allocate.
std::optional<size_t> FirstInvalidUtf8(absl::string_view text);

inline bool IsValidUtf8(absl::string_view text) { return !FirstInvalidUtf8(text).has_value(); }

}  // namespace trialgate::hl7v2

#endif  // TRIALGATE_GATEWAY_HL7V2_UTF8_H_
