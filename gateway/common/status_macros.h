#ifndef TRIALGATE_GATEWAY_COMMON_STATUS_MACROS_H_
#define TRIALGATE_GATEWAY_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns early from the enclosing function when `expr` (an absl::Status) is not OK.
#define RETURN_IF_ERROR(expr)                      \
  do {                                             \
    ::absl::Status status_macro_status = (expr);   \
    if (!status_macro_status.ok()) return status_macro_status; \
  } while (0)

#define TRIALGATE_CONCAT_INNER(a, b) a##b
#define TRIALGATE_CONCAT(a, b) TRIALGATE_CONCAT_INNER(a, b)

// `lhs` = value of `rexpr` (an absl::StatusOr<T>), or return its status when not OK.
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  ASSIGN_OR_RETURN_IMPL(TRIALGATE_CONCAT(status_or_value_, __LINE__), lhs, rexpr)

#define ASSIGN_OR_RETURN_IMPL(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                          \
  if (!statusor.ok()) return statusor.status();     \
  lhs = std::move(statusor).value()

#endif  // TRIALGATE_GATEWAY_COMMON_STATUS_MACROS_H_
