#include "gateway/security/identity.h"

#include <algorithm>

namespace trialgate::security {

const Identity* MatchIdentity(const std::vector<Identity>& identities,
                              const CertificateNames& names) {
  for (const Identity& identity : identities) {
    if (!identity.subject.empty() && identity.subject == names.subject) return &identity;
    if (!identity.san.empty() &&
        std::find(names.sans.begin(), names.sans.end(), identity.san) != names.sans.end()) {
      return &identity;
    }
  }
  return nullptr;
}

}  // namespace trialgate::security
