#ifndef TRIALGATE_GATEWAY_STORE_WRITE_CHECKS_H_
#define TRIALGATE_GATEWAY_STORE_WRITE_CHECKS_H_

// The checks every store makes of a Commit() request and of its options, before anything is
// written. Internal to gateway/store.

#include <cstddef>
#include <vector>

#include "absl/status/status.h"
#include "gateway/store/event_store.h"
#include "gateway/store/outbox.h"

namespace trialgate::store {

// INVALID_ARGUMENT for an empty source_key or event_id, or versions without a resource_key.
absl::Status ValidateRequest(const std::vector<SourceWrite>& writes);

// INVALID_ARGUMENT for a route without a name or an `accepts`, or two routes with one name.
absl::Status ValidateRoutes(const std::vector<OutboxRoute>& routes);

// Failures of one request's own making (bad writes, a reused message id, a version conflict):
// that request fails alone; any other failure fails its whole group.
bool IsRequestLocal(const absl::Status& status);

// Outbox caller mistakes, answered INVALID_ARGUMENT before anything is written.
absl::Status ValidateSettlement(const DeliverySettlement& settlement);
absl::Status ValidateSelection(const DeadLetterSelection& selection);

size_t CountEvents(const std::vector<SourceWrite>& writes);

}  // namespace trialgate::store

#endif  // TRIALGATE_GATEWAY_STORE_WRITE_CHECKS_H_
