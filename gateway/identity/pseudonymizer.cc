#include "gateway/identity/pseudonymizer.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace trialgate::identity {
namespace {

std::string HmacSha256Hex(const std::string& key, absl::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), length));
}

}  // namespace

Pseudonymizer::Pseudonymizer(std::string key, std::string previous_key)
    : key_(std::move(key)), previous_key_(std::move(previous_key)) {}

std::string Pseudonymizer::Pseudonymize(absl::string_view site_id,
                                        absl::string_view patient_key) const {
  return HmacSha256Hex(key_, absl::StrCat(site_id, "\n", patient_key));
}

std::optional<std::string> Pseudonymizer::PseudonymizeWithPreviousKey(
    absl::string_view site_id, absl::string_view patient_key) const {
  if (previous_key_.empty()) return std::nullopt;
  return HmacSha256Hex(previous_key_, absl::StrCat(site_id, "\n", patient_key));
}

std::string Pseudonymizer::PseudonymizeResourceId(absl::string_view system,
                                                  absl::string_view resource_type,
                                                  absl::string_view id) const {
  return Digest("resource-id", absl::StrCat(system, "\n", resource_type, "/", id));
}

std::string Pseudonymizer::Digest(absl::string_view domain, absl::string_view bytes) const {
  return HmacSha256Hex(key_, absl::StrCat(domain, "\n", bytes));
}

}  // namespace trialgate::identity
