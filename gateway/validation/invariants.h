#ifndef TRIALGATE_GATEWAY_VALIDATION_INVARIANTS_H_
#define TRIALGATE_GATEWAY_VALIDATION_INVARIANTS_H_

#include <string>
#include <vector>

#include "gateway/common/issue.h"
#include "rapidjson/document.h"

namespace trialgate::validation {

// Checks the FHIR R4 (4.0.1) invariants that structure alone cannot express, as native code
// rather than through a FHIRPath engine (a handful of rules, each a few lines, evaluated in
// microseconds): obs-3, obs-6, obs-7 (Observation), mad-1 (MedicationAdministration.dosage),
// dom-2..dom-5 (contained resources of any DomainResource), dom-6 (narrative) and bdl-1..bdl-5,
// bdl-7..bdl-12 (Bundle), descending into contained resources and Bundle entries. Each broken
// rule is one issue of code "invariant" with the rule's severity (error; warning for dom-6, a
// best practice, not checked on contained resources) whose diagnostics start with the rule's key.
// `path` is the FHIRPath of `resource` ("Bundle.entry[2].resource"). Not checked: ele-1 (covered
// by the structural ban on empty values). With `entry_issues` (one list per entry of the Bundle
// `resource`), what concerns entry i is appended to (*entry_issues)[i] instead of *issues.
void CheckInvariants(const rapidjson::Value& resource, const std::string& path,
                     std::vector<Issue>* issues,
                     std::vector<std::vector<Issue>>* entry_issues = nullptr);

}  // namespace trialgate::validation

#endif  // TRIALGATE_GATEWAY_VALIDATION_INVARIANTS_H_
