#include "gateway/audit/caller_record.h"

namespace trialgate::audit {

AuditRecord RecordFor(const security::Caller& caller, absl::Time started) {
  AuditRecord record;
  record.time = started;
  record.identity = caller.identity;
  for (security::Role role : caller.roles) record.roles.emplace_back(security::RoleName(role));
  record.site = caller.site;
  record.peer = caller.peer;
  return record;
}

}  // namespace trialgate::audit
