#ifndef TRIALGATE_GATEWAY_AUDIT_CHAIN_H_
#define TRIALGATE_GATEWAY_AUDIT_CHAIN_H_

#include <string>
#include <string_view>

namespace trialgate::audit {

// The `prev` of the first record of a log: 64 zeros.
inline constexpr char kGenesisHash[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

// Lowercase hex SHA-256 of `bytes` (OpenSSL EVP). Thread-safe.
std::string Sha256Hex(std::string_view bytes);

// A record line ends with `,"hash":"` + 64 hex digits + `"}`. Its hash covers the record
// without that member: the line up to (not including) `,"hash":` followed by `}`.
// Returns false when `line` does not end that way; else sets *content to those covered bytes'
// first part (the line before `,"hash":`) and *hash to the stored hex digits.
bool SplitRecordHash(std::string_view line, std::string_view* content, std::string_view* hash);

// The hash a record line stores: Sha256Hex(content + "}"), `content` as SplitRecordHash gives.
std::string RecordHash(std::string_view content);

}  // namespace trialgate::audit

#endif  // TRIALGATE_GATEWAY_AUDIT_CHAIN_H_
