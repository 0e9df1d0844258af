#include "gateway/identity/pseudonymizer.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace trialgate::identity {

Pseudonymizer::Pseudonymizer(std::string key) : key_(std::move(key)) {}

std::string Pseudonymizer::Pseudonymize(absl::string_view site_id,
                                        absl::string_view patient_key) const {
  std::string message = absl::StrCat(site_id, "\n", patient_key);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), length));
}

namespace {

absl::StatusOr<std::string> KeyFromHex(const std::string& hex, const std::string& origin) {
  std::string key;
  bool valid = hex.size() % 2 == 0;
  for (char c : hex) valid = valid && std::isxdigit(static_cast<unsigned char>(c));
  if (valid) key = absl::HexStringToBytes(hex);
  if (!valid || key.size() < Pseudonymizer::kMinKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": the pseudonymisation key must be hex of at least ",
                     Pseudonymizer::kMinKeyBytes, " bytes (", 2 * Pseudonymizer::kMinKeyBytes,
                     " hex digits)"));
  }
  return key;
}

}  // namespace

absl::StatusOr<std::string> LoadPseudonymizationKey(const std::string& key_hex,
                                                    const std::string& data_dir,
                                                    bool* generated) {
  *generated = false;
  if (!key_hex.empty()) return KeyFromHex(key_hex, "configuration");
  if (const char* env = std::getenv("TRIALGATE_HMAC_KEY"); env != nullptr && *env != '\0') {
    return KeyFromHex(env, "TRIALGATE_HMAC_KEY");
  }

  *generated = true;
  const std::filesystem::path path = std::filesystem::path(data_dir) / "pseudonymisation.key";
  if (std::ifstream in(path); in) {
    std::stringstream text;
    text << in.rdbuf();
    std::string hex = text.str();
    while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.back()))) hex.pop_back();
    return KeyFromHex(hex, path.string());
  }
  unsigned char bytes[Pseudonymizer::kMinKeyBytes];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    return absl::InternalError("OpenSSL could not generate a random pseudonymisation key");
  }
  std::string hex = absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
  // Created with owner-only permissions before the key is written into it.
  const std::string tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", tmp));
    ::chmod(tmp.c_str(), 0600);
    out << hex << "\n";
    out.flush();
    if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", tmp));
  }
  std::error_code error;
  std::filesystem::rename(tmp, path, error);
  if (error) return absl::UnavailableError(absl::StrCat("cannot create ", path.string()));
  return KeyFromHex(hex, path.string());
}

}  // namespace trialgate::identity
