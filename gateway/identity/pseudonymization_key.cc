#include "gateway/identity/pseudonymization_key.h"

#include <openssl/rand.h>
#include <sys/stat.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/strings/ascii.h"
#include "gateway/identity/pseudonymizer.h"

namespace trialgate::identity {
namespace {

constexpr size_t kMinBytes = Pseudonymizer::kMinKeyBytes;

bool IsHex(absl::string_view text) {
  if (text.empty() || text.size() % 2 != 0) return false;
  for (char c : text) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

absl::StatusOr<std::string> KeyFromHex(absl::string_view hex, const std::string& origin) {
  if (!IsHex(hex) || hex.size() < 2 * kMinBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": the pseudonymisation key must be hex of at least ", kMinBytes,
                     " bytes (", 2 * kMinBytes, " hex digits)"));
  }
  return absl::HexStringToBytes(hex);
}

const char* Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

absl::StatusOr<std::string> ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read the key file ", path));
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// The development key: generated once into the data directory, owner-only.
absl::StatusOr<std::string> DevelopmentKey(const std::string& data_dir) {
  const std::filesystem::path path = std::filesystem::path(data_dir) / "pseudonymisation.key";
  if (std::filesystem::exists(path)) {
    absl::StatusOr<std::string> hex = ReadWhole(path.string());
    if (!hex.ok()) return hex.status();
    return KeyFromHex(absl::StripAsciiWhitespace(*hex), path.string());
  }
  unsigned char bytes[kMinBytes];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    return absl::InternalError("OpenSSL could not generate a random pseudonymisation key");
  }
  const std::string hex = absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
  // Owner-only permissions before the key is written into it.
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

absl::StatusOr<std::string> CurrentKey(const KeySources& sources, const std::string& data_dir,
                                       bool* generated) {
  *generated = false;
  if (!sources.key_hex.empty() && !sources.key_file.empty()) {
    return absl::InvalidArgumentError(
        "configuration: give pseudonymisationKeyHex or pseudonymisationKeyFile, not both");
  }
  if (!sources.key_hex.empty()) return KeyFromHex(sources.key_hex, "pseudonymisationKeyHex");
  if (!sources.key_file.empty()) return ReadKeyFile(sources.key_file);
  if (const char* hex = Env("TRIALGATE_HMAC_KEY")) return KeyFromHex(hex, "TRIALGATE_HMAC_KEY");
  if (const char* file = Env("TRIALGATE_HMAC_KEY_FILE")) return ReadKeyFile(file);
  if (sources.require_configured_key) {
    return absl::FailedPreconditionError(
        "a gateway on a shared PostgreSQL store needs the pseudonymisation key every replica "
        "shares (pseudonymisationKeyFile or pseudonymisationKeyHex in the config, or "
        "TRIALGATE_HMAC_KEY / TRIALGATE_HMAC_KEY_FILE): a development key generated per data "
        "directory would give the same patient different identities on different replicas");
  }
  *generated = true;
  return DevelopmentKey(data_dir);
}

// Empty when no previous key is configured.
absl::StatusOr<std::string> PreviousKey(const KeySources& sources) {
  if (!sources.previous_key_file.empty()) return ReadKeyFile(sources.previous_key_file);
  if (const char* hex = Env("TRIALGATE_HMAC_PREVIOUS_KEY")) {
    return KeyFromHex(hex, "TRIALGATE_HMAC_PREVIOUS_KEY");
  }
  if (const char* file = Env("TRIALGATE_HMAC_PREVIOUS_KEY_FILE")) return ReadKeyFile(file);
  return std::string();
}

}  // namespace

absl::StatusOr<std::string> ReadKeyFile(const std::string& path) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
    return absl::NotFoundError(absl::StrCat("cannot read the key file ", path));
  }
  if ((info.st_mode & 077) != 0) {
    return absl::PermissionDeniedError(absl::StrCat(
        "the key file ", path, " may be read or written by its group or others: chmod 600 it"));
  }
  absl::StatusOr<std::string> content = ReadWhole(path);
  if (!content.ok()) return content.status();
  const absl::string_view trimmed = absl::StripAsciiWhitespace(*content);
  if (IsHex(trimmed)) return KeyFromHex(trimmed, path);
  if (content->size() < kMinBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": the pseudonymisation key must be at least ", kMinBytes, " raw bytes or ",
        2 * kMinBytes, " hex digits"));
  }
  return *std::move(content);
}

absl::StatusOr<PseudonymizationKeys> LoadPseudonymizationKeys(const KeySources& sources,
                                                              const std::string& data_dir) {
  PseudonymizationKeys keys;
  absl::StatusOr<std::string> key = CurrentKey(sources, data_dir, &keys.generated);
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> previous = PreviousKey(sources);
  if (!previous.ok()) return previous.status();
  if (!previous->empty() && *previous == *key) {
    return absl::InvalidArgumentError(
        "the previous pseudonymisation key is the current key: after a rotation the previous "
        "key is the one replaced");
  }
  keys.key = *std::move(key);
  keys.previous_key = *std::move(previous);
  return keys;
}

}  // namespace trialgate::identity
