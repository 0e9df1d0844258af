#ifndef TRIALGATE_GATEWAY_VALIDATION_PROFILE_INVARIANTS_H_
#define TRIALGATE_GATEWAY_VALIDATION_PROFILE_INVARIANTS_H_

#include <string_view>

#include "gateway/validation/profile_set.h"

namespace trialgate::validation {

// The native implementation of a profile invariant, looked up by its FHIRPath expression
// (whitespace ignored), or nullptr when there is none. Keyed by the expression rather than the
// key so that another study's profile using the same rule needs no code: trialgate has no
// FHIRPath engine, and a study's rules are few. Known expressions:
//
//   ($this as dateTime).toString().length() >= 10 or ($this as Period).start.toString().length() >= 10
//       a date/dateTime/instant, or a Period's start, given at least to the day
NativeInvariant FindNativeInvariant(std::string_view expression);

}  // namespace trialgate::validation

#endif  // TRIALGATE_GATEWAY_VALIDATION_PROFILE_INVARIANTS_H_
