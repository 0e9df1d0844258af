#ifndef TRIALGATE_GATEWAY_VALIDATION_VALIDATOR_H_
#define TRIALGATE_GATEWAY_VALIDATION_VALIDATOR_H_

#include <string>
#include <vector>

#include "gateway/validation/profile_set.h"
#include "mappers/issue.h"
#include "rapidjson/document.h"

namespace trialgate::validation {

// Validates FHIR R4 JSON resources against the compiled definitions of a ProfileSet, which must
// outlive it. Stateless and thread-safe: one Validator serves every request.
//
// Every problem found is reported (not only the first), each as an Issue with the FHIRPath of
// the offending element in the instance (`Bundle.entry[3].resource.dosage.dose.unit`; a choice
// element as `Observation.value.ofType(Quantity)`), a code from FHIR's issue-type value set and a
// diagnostics text that names the element and the rule.
//
// Checked: resourceType present and known; unknown elements (also `_name` primitive extensions);
// JSON null, empty strings, objects and arrays; cardinality (min, max, array vs single value);
// types, including choice types (one choice at most); every primitive's format (CheckPrimitive);
// required bindings on code, Coding and CodeableConcept; fixed[x] and pattern[x]; the resource
// type of relative and absolute References against targetProfile; contained resources and Bundle
// entries against their own type; the R4 invariants of CheckInvariants (invariants.h). Not yet:
// slicing, resolution of references inside a Bundle.
class Validator {
 public:
  explicit Validator(const ProfileSet& profiles) : profiles_(profiles) {}

  // Validates `resource` against the base definition of its resourceType and appends one Issue
  // per problem to *issues (nothing when it is valid). `root_path` is the FHIRPath of the
  // resource itself ("Bundle.entry[2].resource"); empty means its resourceType.
  void Validate(const rapidjson::Value& resource, const std::string& root_path,
                std::vector<mappers::Issue>* issues) const;

 private:
  const ProfileSet& profiles_;
};

}  // namespace trialgate::validation

#endif  // TRIALGATE_GATEWAY_VALIDATION_VALIDATOR_H_
