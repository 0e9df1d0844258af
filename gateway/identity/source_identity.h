#ifndef TRIALGATE_GATEWAY_IDENTITY_SOURCE_IDENTITY_H_
#define TRIALGATE_GATEWAY_IDENTITY_SOURCE_IDENTITY_H_

#include <cstddef>
#include <string>
#include "absl/strings/string_view.h"

#include "gateway/identity/pseudonymizer.h"
#include "rapidjson/document.h"

namespace trialgate::identity {

// Lowercase hex SHA-256 of `bytes`.
std::string Sha256Hex(absl::string_view bytes);

// The resource's compact JSON serialisation (member order as sent), so the same content sent
// with different whitespace has the same bytes.
std::string CompactJson(const rapidjson::Value& resource);

// Hex SHA-256 of CompactJson(resource). Unkeyed, so it stays inside the gateway (source keys):
// it would let anyone holding a guess of the resource confirm it.
std::string ContentSha256(const rapidjson::Value& resource);

// The key of one resource from one sending system, all its versions alike: the start of each
// of their source keys.
std::string ResourceKey(absl::string_view system, absl::string_view resource_type,
                        absl::string_view logical_id);

// The source key of a resource's version named by `version_part` ("version=3", "sha256=...").
std::string SourceKeyOf(absl::string_view resource_key, absl::string_view version_part);

// The idempotency key of one version of one resource from one sending system: the versionId
// when the sender gives one, else the content hash.
std::string SourceKey(absl::string_view system, absl::string_view resource_type,
                      absl::string_view logical_id, absl::string_view version_id,
                      absl::string_view content_sha256);

// The id of the index-th event mapped from the source: deterministic, so a resubmission of the
// same source version yields the same id on every gateway replica. For sources made of study
// ids only (the schedule engine's derived events): it is an unkeyed hash of the key.
std::string EventId(absl::string_view source_key, size_t index);

// The same for a hospital's resource, whose source key holds the hospital's resource id: keyed
// (HMAC with the pseudonymisation key), so the id cannot be confirmed by hashing guesses.
std::string PseudonymousEventId(const Pseudonymizer& pseudonymizer,
                                absl::string_view source_key, size_t index);

}  // namespace trialgate::identity

#endif  // TRIALGATE_GATEWAY_IDENTITY_SOURCE_IDENTITY_H_
