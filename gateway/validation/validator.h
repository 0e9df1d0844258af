#ifndef TRIALGATE_GATEWAY_VALIDATION_VALIDATOR_H_
#define TRIALGATE_GATEWAY_VALIDATION_VALIDATOR_H_

#include <map>
#include <string>
#include <vector>

#include "gateway/validation/entry_issues.h"
#include "gateway/validation/profile_set.h"
#include "gateway/validation/resource_validator.h"
#include "gateway/common/issue.h"
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
// entries against their own type; profiles: slices (by one value/pattern discriminator),
// minValue/maxValue of numbers, types a profile excludes, and profile invariants with a native
// implementation. The R4 invariants are checked by CheckInvariants (invariants.h).
class Validator final : public ResourceValidator {
 public:
  // `required_profiles`: resource type -> canonical URL of a profile every resource of that type
  // is checked against (instead of the base definition), e.g. a study's profiles when the
  // gateway is configured to require them. Unknown URLs are ignored (see RequiredProfilesMissing).
  explicit Validator(const ProfileSet& profiles,
                     const std::map<std::string, std::string>& required_profiles = {});

  // See ResourceValidator. Each resource (also Bundle entries and contained resources) is
  // checked against the base definition of its type, or instead against the profiles that apply
  // to it: those it claims in meta.profile (a claimed profile that is not loaded is an
  // information issue; one of another type an error) and its type's required profile.
  void Validate(const rapidjson::Value& resource, const std::string& root_path,
                std::vector<Issue>* issues) const override;
  void ValidateBundle(const rapidjson::Value& bundle, std::vector<Issue>* bundle_issues,
                      std::vector<std::vector<Issue>>* entry_issues) const override;
  absl::Status ValidateAgainstProfile(const rapidjson::Value& resource,
                                      std::string_view profile_url,
                                      std::vector<Issue>* issues) const override;

  // As Validate, and also against `profile` when not null (applied to the resource itself and
  // to Bundle entries of the profile's type, not to contained resources).
  void ValidateAgainst(const rapidjson::Value& resource, const std::string& root_path,
                       std::vector<Issue>* issues, const TypeDef* profile) const;

  const ProfileSet& profiles() const { return profiles_; }

  // The URLs of required_profiles that are not loaded (a configuration error).
  const std::vector<std::string>& RequiredProfilesMissing() const { return missing_; }

 private:
  void Walk(const rapidjson::Value& resource, const std::string& root_path, IssueRouting routing,
            const TypeDef* profile) const;

  const ProfileSet& profiles_;
  std::map<std::string, const TypeDef*, std::less<>> required_;
  std::vector<std::string> missing_;
};

}  // namespace trialgate::validation

#endif  // TRIALGATE_GATEWAY_VALIDATION_VALIDATOR_H_
