#ifndef TRIALGATE_GATEWAY_SECURITY_SITE_AUTHORIZATION_H_
#define TRIALGATE_GATEWAY_SECURITY_SITE_AUTHORIZATION_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/security/caller.h"

namespace trialgate::security {

// Decides which site a submission's events belong to, for every channel alike. An
// authenticated caller submits for its own site only, whatever the request or the body claims;
// a sending system configured for another site is refused. On a plaintext development listener
// the site comes from the sending system: the configured map, or, with no map, the system id
// itself. Thread-safe (immutable).
class SiteAuthorization {
 public:
  // `site_by_system`: sending system id -> site. Empty: every sending system is its own site.
  // Otherwise a development caller's system that is not listed is refused.
  explicit SiteAuthorization(std::map<std::string, std::string> site_by_system);

  // The site of `source_system`'s submission by `caller`. INVALID_ARGUMENT: the system id is not
  // 1-128 characters of letters, digits, inner spaces and - _ . : / @ (it becomes part of keys
  // and logs; @ joins an HL7 v2 sending application and facility, "LIS@HOSPA", whose namespace
  // ids may hold spaces).
  // PERMISSION_DENIED: the system belongs to another site than the caller's, or to none.
  absl::StatusOr<std::string> SiteFor(const Caller& caller, absl::string_view source_system) const;

 private:
  std::map<std::string, std::string> site_by_system_;
};

}  // namespace trialgate::security

#endif  // TRIALGATE_GATEWAY_SECURITY_SITE_AUTHORIZATION_H_
