#include "gateway/security/caller.h"

#include <utility>

namespace trialgate::security {

Caller DevelopmentCaller(std::string peer) {
  Caller caller;
  caller.identity = "insecure-development";
  caller.roles = {Role::kSite, Role::kWarehouse, Role::kRegistryAdmin, Role::kAuditor,
                  Role::kMonitor};
  caller.peer = std::move(peer);
  caller.development = true;
  return caller;
}

}  // namespace trialgate::security
