#ifndef TRIALGATE_GATEWAY_AUDIT_CALLER_RECORD_H_
#define TRIALGATE_GATEWAY_AUDIT_CALLER_RECORD_H_

#include "absl/time/time.h"
#include "gateway/audit/audit_record.h"
#include "gateway/security/caller.h"

namespace trialgate::audit {

// A record of a call by `caller` that started at `started`: who (identity, roles, site, peer)
// and when, the same on every channel; the caller fills in what and how it ended.
AuditRecord RecordFor(const security::Caller& caller, absl::Time started);

}  // namespace trialgate::audit

#endif  // TRIALGATE_GATEWAY_AUDIT_CALLER_RECORD_H_
