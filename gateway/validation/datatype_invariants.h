#ifndef TRIALGATE_GATEWAY_VALIDATION_DATATYPE_INVARIANTS_H_
#define TRIALGATE_GATEWAY_VALIDATION_DATATYPE_INVARIANTS_H_

#include <string_view>

#include "gateway/validation/profile_set.h"

namespace trialgate::validation {

// The native implementation of an R4 (4.0.1) invariant that sits on a data type or an element
// and judges one value alone, by its key, or nullptr. The ProfileSet attaches it to every element
// definition carrying the constraint, and the validator runs it on each value of that element
// (and on each value of a type whose root carries it), so it applies wherever the type is used,
// extensions included. Implemented: ext-1, qty-3, age-1, cnt-3, dis-1,
// drt-1, mqty-1, att-1, cpt-2, per-1, rng-2, rat-1, pat-1, tim-1, tim-2, tim-4..tim-10, txt-2,
// exp-1, drq-1, drq-2, trd-1..trd-3. Not here: ele-1 and sqty-1 (the structural checks cover them:
// no empty values or objects; SimpleQuantity.comparator has max 0), txt-1 (the XHTML element and attribute whitelist: not checked), ref-1 and
// the resource-level rules (invariants.h: they need the whole resource).
NativeInvariant FindR4ElementInvariant(std::string_view key);

}  // namespace trialgate::validation

#endif  // TRIALGATE_GATEWAY_VALIDATION_DATATYPE_INVARIANTS_H_
