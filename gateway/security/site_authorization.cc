#include "gateway/security/site_authorization.h"

#include <cctype>
#include <utility>

#include "absl/strings/str_cat.h"

namespace trialgate::security {
namespace {

// Sending-system ids become part of keys and logs: keep them to a plain, bounded alphabet.
// Spaces inside are allowed: HL7 v2 namespace ids have them ("NIST Test Lab APP@NIST Lab").
bool IsValidSystemId(absl::string_view id) {
  if (id.empty() || id.size() > 128 || id.front() == ' ' || id.back() == ' ') return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' &&
        c != ':' && c != '/' && c != '@' && c != ' ') {
      return false;
    }
  }
  return true;
}

}  // namespace

SiteAuthorization::SiteAuthorization(std::map<std::string, std::string> site_by_system)
    : site_by_system_(std::move(site_by_system)) {}

absl::StatusOr<std::string> SiteAuthorization::SiteFor(const Caller& caller,
                                                       absl::string_view source_system) const {
  if (!IsValidSystemId(source_system)) {
    return absl::InvalidArgumentError(
        "source_system must be 1-128 characters of letters, digits, inner spaces and "
        "- _ . : / @");
  }
  auto it = site_by_system_.find(std::string(source_system));
  if (!caller.development) {
    if (it != site_by_system_.end() && it->second != caller.site) {
      return absl::PermissionDeniedError(absl::StrCat(
          "sending system '", source_system, "' belongs to site '", it->second,
          "'; this caller submits for site '", caller.site, "' only"));
    }
    return caller.site;
  }
  if (site_by_system_.empty()) return std::string(source_system);
  if (it == site_by_system_.end()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "sending system '", source_system, "' belongs to no configured site"));
  }
  return it->second;
}

}  // namespace trialgate::security
