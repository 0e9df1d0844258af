#include "gateway/security/access_policy.h"

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace trialgate::security {
namespace {

// By service ("/package.Service/") or by full method. A site's data calls carry their site
// checks at the service (the site comes from the caller, see Caller::MayActFor).
const std::map<std::string, AccessRule, std::less<>>& Rules() {
  static const auto* rules = new std::map<std::string, AccessRule, std::less<>>{
      {"/trialgate.v1.Gateway/", {{Role::kSite}}},
      // A site reads its own subjects, a monitor every site's (StudyService, the dashboard).
      {"/trialgate.v1.Study/", {{Role::kSite, Role::kMonitor}}},
      {"/trialgate.v1.EventFeed/", {{Role::kWarehouse}}},
      {"/trialgate.v1.Delivery/", {{Role::kRegistryAdmin}}},
      {"/trialgate.v1.Audit/", {{Role::kAuditor}}},
      // The HTTP listener's own (the FHIR interactions are the Gateway methods above): the
      // CapabilityStatement, health and readiness, and the metrics, which carry no subject ids.
      {"/trialgate.http/Capabilities", {{}, true}},
      {"/trialgate.http/Health", {{}, true}},
      {"/trialgate.http/Metrics", {{}, true}},
      // The study dashboard (GET /study...): as Study, a site sees its own subjects only.
      {"/trialgate.http/Dashboard", {{Role::kSite, Role::kMonitor}}},
      // gRPC's own: serving status and the service schema, nothing about patients.
      {"/grpc.health.v1.Health/", {{}, true}},
      {"/grpc.reflection.v1alpha.ServerReflection/", {{}, true}},
  };
  return *rules;
}

}  // namespace

const AccessRule* RuleFor(absl::string_view method) {
  if (auto it = Rules().find(method); it != Rules().end()) return &it->second;
  const size_t slash = method.rfind('/');
  if (slash == absl::string_view::npos || slash == 0) return nullptr;
  auto it = Rules().find(method.substr(0, slash + 1));
  return it == Rules().end() ? nullptr : &it->second;
}

absl::Status Authorize(absl::string_view identity, const std::set<Role>& roles,
                       absl::string_view method) {
  const AccessRule* rule = RuleFor(method);
  if (rule == nullptr) {
    return absl::PermissionDeniedError(
        absl::StrCat("identity '", identity, "' may not call ", method,
                     ": the gateway serves no such method"));
  }
  if (rule->any_identity) return absl::OkStatus();
  for (Role role : roles) {
    if (rule->roles.count(role) != 0) return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat(
      "identity '", identity, "' (roles: ", roles.empty() ? "none" : RoleNames(roles),
      ") may not call ", method, "; it needs the role ", RoleNames(rule->roles)));
}

}  // namespace trialgate::security
