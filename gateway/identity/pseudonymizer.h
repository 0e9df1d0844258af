#ifndef TRIALGATE_GATEWAY_IDENTITY_PSEUDONYMIZER_H_
#define TRIALGATE_GATEWAY_IDENTITY_PSEUDONYMIZER_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "gateway/identity/hmac_sha256.h"

namespace trialgate::identity {

// Keyed HMAC-SHA256 digests of whatever would identify a hospital's patient or record: patient
// identifiers (so that the store can match a patient across submissions without holding the
// identifier) and the resource ids, content hashes and event ids that leave the gateway (so that
// nobody without the key can confirm a guess of them). Each use hashes in its own domain, so
// the digests of one use say nothing about another's. Thread-safe.
class Pseudonymizer {
 public:
  // REQUIRES: key (and previous_key when not empty) is at least kMinKeyBytes long.
  // `previous_key` is the key before a rotation: it is only used to find patients enrolled
  // under it (PseudonymizeWithPreviousKey), never for anything new.
  explicit Pseudonymizer(std::string key, std::string previous_key = {});

  static constexpr size_t kMinKeyBytes = 32;

  // Lowercase hex HMAC-SHA256(key, site_id + '\n' + patient_key). Scoping by site keeps equal
  // local identifiers of two hospitals apart.
  std::string Pseudonymize(absl::string_view site_id, absl::string_view patient_key) const;

  // The same under the previous key; nullopt when no previous key is configured.
  std::optional<std::string> PseudonymizeWithPreviousKey(absl::string_view site_id,
                                                         absl::string_view patient_key) const;

  // Lowercase hex HMAC-SHA256(key, "resource-id\n" + system + '\n' + resource_type + '/' + id):
  // what an event carries instead of the hospital's Resource.id.
  std::string PseudonymizeResourceId(absl::string_view system, absl::string_view resource_type,
                                     absl::string_view id) const;

  // Lowercase hex HMAC-SHA256(key, domain + '\n' + bytes): a digest only the key's holder can
  // recompute (e.g. of a resource's content, which holds names and identifiers).
  std::string Digest(absl::string_view domain, absl::string_view bytes) const;

 private:
  // Shared: a Pseudonymizer is copied into the pipeline and the servers; the keyed contexts are
  // only read.
  std::shared_ptr<const HmacSha256> key_;
  std::shared_ptr<const HmacSha256> previous_key_;  // null without a previous key
};

}  // namespace trialgate::identity

#endif  // TRIALGATE_GATEWAY_IDENTITY_PSEUDONYMIZER_H_
