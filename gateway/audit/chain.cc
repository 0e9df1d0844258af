#include "gateway/audit/chain.h"

#include <openssl/evp.h>

#include <memory>

namespace trialgate::audit {
namespace {

constexpr std::string_view kHashMember = ",\"hash\":\"";
constexpr size_t kHexDigits = 64;

bool IsLowerHex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // EVP_Digest is one-shot: no context to keep, safe on any thread.
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(2 * length, '0');
  for (unsigned int i = 0; i < length; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return hex;
}

bool SplitRecordHash(std::string_view line, std::string_view* content, std::string_view* hash) {
  const size_t tail = kHashMember.size() + kHexDigits + 2;  // member, digits, `"}`
  if (line.size() < tail + 1 || line.substr(line.size() - 2) != "\"}") return false;
  const size_t start = line.size() - tail;
  if (line.substr(start, kHashMember.size()) != kHashMember) return false;
  std::string_view digits = line.substr(start + kHashMember.size(), kHexDigits);
  if (!IsLowerHex(digits)) return false;
  *content = line.substr(0, start);
  *hash = digits;
  return true;
}

std::string RecordHash(std::string_view content) {
  std::string covered;
  covered.reserve(content.size() + 1);
  covered.append(content);
  covered.push_back('}');
  return Sha256Hex(covered);
}

}  // namespace trialgate::audit
