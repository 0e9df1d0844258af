#ifndef TRIALGATE_GATEWAY_IDENTITY_HMAC_SHA256_H_
#define TRIALGATE_GATEWAY_IDENTITY_HMAC_SHA256_H_

// HMAC-SHA256 under one key, keyed once. OpenSSL 3's one-shot HMAC() looks the algorithm up and
// derives the key's pads on every call, which was a seventh of the server's CPU on the streamed
// ingest path (docs/performance.md); this keys a context once, and each thread resets its own
// copy of it for each message (a thread keeps copies of the last four keys it used, until it
// ends). Thread-safe.

#include <initializer_list>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"

namespace trialgate::identity {

class HmacSha256 {
 public:
  // Aborts when OpenSSL cannot provide HMAC-SHA256 (a broken installation, not an input).
  explicit HmacSha256(absl::string_view key);
  ~HmacSha256();
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;

  // Lowercase hex HMAC of the concatenation of `pieces` (hashed in turn, never joined).
  std::string Hex(std::initializer_list<absl::string_view> pieces) const;

 private:
  struct Keyed;
  std::unique_ptr<Keyed> keyed_;
};

}  // namespace trialgate::identity

#endif  // TRIALGATE_GATEWAY_IDENTITY_HMAC_SHA256_H_
