#ifndef TRIALGATE_GATEWAY_VALIDATION_RESOURCE_TYPES_H_
#define TRIALGATE_GATEWAY_VALIDATION_RESOURCE_TYPES_H_

#include "absl/strings/string_view.h"

namespace trialgate::validation {

// True for the names of the resource types of FHIR R4 (4.0.1).
bool IsR4ResourceType(absl::string_view name);

// True for the R4 resource types derived from DomainResource (narrative, contained resources,
// extensions): every one but Binary, Bundle and Parameters, which derive from Resource directly.
bool IsR4DomainResourceType(absl::string_view name);

}  // namespace trialgate::validation

#endif  // TRIALGATE_GATEWAY_VALIDATION_RESOURCE_TYPES_H_
