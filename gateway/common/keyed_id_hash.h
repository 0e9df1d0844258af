#ifndef TRIALGATE_GATEWAY_COMMON_KEYED_ID_HASH_H_
#define TRIALGATE_GATEWAY_COMMON_KEYED_ID_HASH_H_

// A hash for the gateway's ids (event ids, logical ids): keyed HMAC-SHA256s written in hex, as
// random in their first 16 characters as in all 64, so only those are hashed. The timeline and
// the study report look up every event of every subject by its id, and hashing the whole id was
// a visible part of that. Any other text still works (a shorter one is hashed whole); ids that
// share their first 16 characters only collide, and equality still compares them whole.

#include <cstddef>

#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"

namespace trialgate {

struct KeyedIdHash {
  size_t operator()(absl::string_view id) const {
    return absl::Hash<absl::string_view>()(id.substr(0, 16));
  }
};

}  // namespace trialgate

#endif  // TRIALGATE_GATEWAY_COMMON_KEYED_ID_HASH_H_
