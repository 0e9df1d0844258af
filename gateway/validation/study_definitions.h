#ifndef TRIALGATE_GATEWAY_VALIDATION_STUDY_DEFINITIONS_H_
#define TRIALGATE_GATEWAY_VALIDATION_STUDY_DEFINITIONS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/validation/profile_set.h"
#include "gateway/validation/validator.h"
#include "mappers/study.h"

namespace trialgate::validation {

// The study's value sets as FHIR ValueSet resources (JSON), one per study.json "valueSets"
// entry, each listing the codes of its code table (compose.include per system). Built from the
// tables so that no code is written twice.
std::vector<std::string> StudyValueSetResources(const mappers::Study& study);

// Everything the validator needs: the embedded FHIR R4 base definitions, the study's
// StructureDefinitions (profiles/*.json) and its value sets. Fails when a study profile cannot
// be compiled, or when a profile of study.json "profiles" is not among them.
absl::StatusOr<std::unique_ptr<ProfileSet>> LoadDefinitions(const mappers::Study& study);

// The study's definitions and a validator on them, as the gateway runs them (the server and
// `trialgate validate` without a server alike).
struct StudyValidator {
  std::unique_ptr<ProfileSet> definitions;
  std::unique_ptr<Validator> validator;  // refers to *definitions: destroy it first
};

// LoadDefinitions, then a Validator; with `require_study_profiles` (the config's
// requireStudyProfiles) every resource of a type the study profiles is held to that profile.
absl::StatusOr<StudyValidator> LoadStudyValidator(const mappers::Study& study,
                                                  bool require_study_profiles);

}  // namespace trialgate::validation

#endif  // TRIALGATE_GATEWAY_VALIDATION_STUDY_DEFINITIONS_H_
