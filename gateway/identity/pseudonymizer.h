#ifndef TRIALGATE_GATEWAY_IDENTITY_PSEUDONYMIZER_H_
#define TRIALGATE_GATEWAY_IDENTITY_PSEUDONYMIZER_H_

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace trialgate::identity {

// Turns hospital patient identifiers into keyed HMAC-SHA256 digests, so that the store can
// match a patient across submissions without ever holding the identifier itself.
// Thread-safe.
class Pseudonymizer {
 public:
  // REQUIRES: key is at least kMinKeyBytes long.
  explicit Pseudonymizer(std::string key);

  static constexpr size_t kMinKeyBytes = 32;

  // Lowercase hex HMAC-SHA256(key, site_id + '\n' + patient_key). Scoping by site keeps equal
  // local identifiers of two hospitals apart.
  std::string Pseudonymize(absl::string_view site_id, absl::string_view patient_key) const;

 private:
  std::string key_;
};

// The pseudonymisation key: from `key_hex` when not empty (hex, at least 32 bytes), else from
// the environment variable TRIALGATE_HMAC_KEY, else a development key generated once and kept in
// `data_dir`/pseudonymisation.key (mode 0600). `*generated` tells whether the development key
// was used, so the caller can warn.
absl::StatusOr<std::string> LoadPseudonymizationKey(const std::string& key_hex,
                                                    const std::string& data_dir,
                                                    bool* generated);

}  // namespace trialgate::identity

#endif  // TRIALGATE_GATEWAY_IDENTITY_PSEUDONYMIZER_H_
