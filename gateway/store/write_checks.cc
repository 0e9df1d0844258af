#include "gateway/store/write_checks.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"

namespace trialgate::store {

size_t CountEvents(const std::vector<SourceWrite>& writes) {
  size_t count = 0;
  for (const SourceWrite& write : writes) count += write.events.size();
  return count;
}

bool IsRequestLocal(const absl::Status& status) {
  return absl::IsInvalidArgument(status) || absl::IsAlreadyExists(status) ||
         absl::IsFailedPrecondition(status);
}

absl::Status ValidateRequest(const std::vector<SourceWrite>& writes) {
  for (size_t i = 0; i < writes.size(); ++i) {
    if (writes[i].source_key.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("writes[", i, "] has an empty source_key"));
    }
    if ((writes[i].number_version || writes[i].expected_version.has_value()) &&
        writes[i].resource_key.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("writes[", i, "] numbers or checks versions without a resource_key"));
    }
    for (size_t j = 0; j < writes[i].events.size(); ++j) {
      if (writes[i].events[j].event_id().empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("writes[", i, "].events[", j, "] has an empty event_id"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateRoutes(const std::vector<OutboxRoute>& routes) {
  std::set<std::string> names;
  for (const OutboxRoute& route : routes) {
    if (route.destination.empty() || !route.accepts) {
      return absl::InvalidArgumentError("every outbox route needs a destination and an accepts");
    }
    if (!names.insert(route.destination).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("two outbox routes are named '", route.destination, "'"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateSettlement(const DeliverySettlement& settlement) {
  if (settlement.destination.empty()) {
    return absl::InvalidArgumentError("a settlement needs its destination");
  }
  const std::set<uint64_t> delivered(settlement.delivered.begin(), settlement.delivered.end());
  for (const DeadLetterRecord& dead : settlement.dead) {
    if (!dead.destination.empty() && dead.destination != settlement.destination) {
      return absl::InvalidArgumentError(
          absl::StrCat("dead letter ", dead.sequence, " names destination '", dead.destination,
                       "' in a settlement of '", settlement.destination, "'"));
    }
    if (delivered.count(dead.sequence) != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("sequence ", dead.sequence, " is settled both delivered and dead"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateSelection(const DeadLetterSelection& selection) {
  if (selection.destination.empty()) {
    return absl::InvalidArgumentError("a dead letter selection needs its destination");
  }
  // Refuse the ambiguous rather than guess: an action on dead letters cannot be undone.
  if (selection.all == !selection.sequences.empty()) {
    return absl::InvalidArgumentError(
        "a dead letter selection takes either sequences or all, not both and not neither");
  }
  if (!selection.subject_id.empty() && !selection.all) {
    return absl::InvalidArgumentError("a dead letter selection by subject needs all");
  }
  return absl::OkStatus();
}

}  // namespace trialgate::store
