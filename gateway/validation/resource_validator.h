#ifndef TRIALGATE_GATEWAY_VALIDATION_RESOURCE_VALIDATOR_H_
#define TRIALGATE_GATEWAY_VALIDATION_RESOURCE_VALIDATOR_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "gateway/common/issue.h"
#include "rapidjson/document.h"

namespace trialgate::validation {

// The validate stage as the pipeline sees it: checks decoded FHIR R4 JSON against the base
// definitions and the study's profiles. Data problems are appended as issues, each born at its
// FHIRPath under the root the caller names; they never make a call fail. Thread-safe.
class ResourceValidator {
 public:
  virtual ~ResourceValidator() = default;

  // Appends one issue per problem of `resource`, whose own FHIRPath is `root_path`
  // ("Bundle.entry[2].resource"; empty: its resourceType). Nothing when it is valid.
  virtual void Validate(const rapidjson::Value& resource, const std::string& root_path,
                        std::vector<Issue>* issues) const = 0;

  // Validates a Bundle whose entries are judged one by one: each issue under Bundle.entry[i]
  // (the entry's resource, fullUrl, request...) is appended to (*entry_issues)[i], the rest to
  // *bundle_issues. REQUIRES: entry_issues has one list per element of Bundle.entry.
  virtual void ValidateBundle(const rapidjson::Value& bundle, std::vector<Issue>* bundle_issues,
                              std::vector<std::vector<Issue>>* entry_issues) const = 0;

  // As Validate (root: the resourceType), and also against the profile `profile_url` (FHIR's
  // $validate?profile=): the resource itself, or a Bundle's entries of the profile's type.
  // NOT_FOUND, and no issues, when no profile of that URL is loaded.
  virtual absl::Status ValidateAgainstProfile(const rapidjson::Value& resource,
                                              std::string_view profile_url,
                                              std::vector<Issue>* issues) const = 0;
};

}  // namespace trialgate::validation

#endif  // TRIALGATE_GATEWAY_VALIDATION_RESOURCE_VALIDATOR_H_
