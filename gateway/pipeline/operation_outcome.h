#ifndef TRIALGATE_GATEWAY_PIPELINE_OPERATION_OUTCOME_H_
#define TRIALGATE_GATEWAY_PIPELINE_OPERATION_OUTCOME_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gateway/common/issue.h"

namespace trialgate::pipeline {

// A FHIR R4 OperationOutcome (compact JSON) with one issue per entry of `issues`, each with
// severity, code, diagnostics and, when known, expression. Empty string when `issues` is empty.
std::string OperationOutcomeJson(const std::vector<Issue>& issues);

// The issue that reports a non-OK status of a whole body or call: the FHIR issue code follows
// the status code (RESOURCE_EXHAUSTED -> too-costly, INVALID_ARGUMENT -> structure, ...).
Issue IssueFromStatus(const absl::Status& status, std::string expression = "");

}  // namespace trialgate::pipeline

#endif  // TRIALGATE_GATEWAY_PIPELINE_OPERATION_OUTCOME_H_
