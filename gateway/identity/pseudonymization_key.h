#ifndef TRIALGATE_GATEWAY_IDENTITY_PSEUDONYMIZATION_KEY_H_
#define TRIALGATE_GATEWAY_IDENTITY_PSEUDONYMIZATION_KEY_H_

#include <string>

#include "absl/status/statusor.h"

namespace trialgate::identity {

// Where the pseudonymisation key may come from (configuration file keys; empty: not given).
struct KeySources {
  std::string key_hex;            // pseudonymisationKeyHex
  std::string key_file;           // pseudonymisationKeyFile
  std::string previous_key_file;  // pseudonymisationPreviousKeyFile
  // Refuse the development key (FAILED_PRECONDITION): replicas sharing a database must share
  // one key, which a key generated per data directory would silently not be.
  bool require_configured_key = false;
};

struct PseudonymizationKeys {
  std::string key;
  std::string previous_key;  // empty unless a rotation's previous key is configured
  bool generated = false;    // the development key in the data directory is used: warn
};

// The key, from the first of: `sources.key_hex`, `sources.key_file`, the environment variable
// TRIALGATE_HMAC_KEY (hex), the environment variable TRIALGATE_HMAC_KEY_FILE; else a
// development key generated once and kept in `data_dir`/pseudonymisation.key (mode 0600).
// Giving both key_hex and key_file is an error. The previous key, from
// `sources.previous_key_file`, else TRIALGATE_HMAC_PREVIOUS_KEY (hex), else
// TRIALGATE_HMAC_PREVIOUS_KEY_FILE; it must differ from the key. INVALID_ARGUMENT or
// PERMISSION_DENIED names the source without quoting any key material.
absl::StatusOr<PseudonymizationKeys> LoadPseudonymizationKeys(const KeySources& sources,
                                                              const std::string& data_dir);

// A key file: its content read as hex when it is only hex digits (surrounding whitespace
// ignored, as `openssl rand -hex 32 > file` writes it), else as raw bytes (`openssl rand 32`).
// Either way at least 32 bytes. A file that its group or others may read or write is refused
// (PERMISSION_DENIED), as ssh refuses such a private key: chmod 600 (or 400) it.
absl::StatusOr<std::string> ReadKeyFile(const std::string& path);

}  // namespace trialgate::identity

#endif  // TRIALGATE_GATEWAY_IDENTITY_PSEUDONYMIZATION_KEY_H_
