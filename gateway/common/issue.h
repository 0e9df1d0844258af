#ifndef TRIALGATE_GATEWAY_COMMON_ISSUE_H_
#define TRIALGATE_GATEWAY_COMMON_ISSUE_H_

#include <string>
#include <vector>

namespace trialgate {

// One problem found in a resource, in FHIR OperationOutcome terms. Data problems are issues;
// they are reported to the sender, never thrown.
struct Issue {
  enum class Severity { kError, kWarning, kInformation };
  Severity severity = Severity::kError;
  // FHIR IssueType code: "structure", "required", "value", "invalid", "not-supported",
  // "code-invalid", "not-found", "processing", "too-costly", "conflict", "duplicate", ...
  std::string code;
  // FHIRPath of the element, starting at the root the caller named: the resource type for a
  // resource on its own ("Observation.code.coding[0]"), the entry inside a Bundle
  // ("Bundle.entry[3].resource.code.coding[0]").
  std::string expression;
  std::string diagnostics;  // human-readable: what is wrong and, where useful, what to send
};

inline bool HasErrors(const std::vector<Issue>& issues) {
  for (const Issue& issue : issues) {
    if (issue.severity == Issue::Severity::kError) return true;
  }
  return false;
}

}  // namespace trialgate

#endif  // TRIALGATE_GATEWAY_COMMON_ISSUE_H_
