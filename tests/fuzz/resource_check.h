#ifndef TRIALGATE_TESTS_FUZZ_RESOURCE_CHECK_H_
#define TRIALGATE_TESTS_FUZZ_RESOURCE_CHECK_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "gateway/validation/profile_set.h"
#include "gateway/validation/validator.h"
#include "gateway/common/issue.h"
#include "mappers/study.h"

namespace trialgate::fuzz {

// The resource types Submit takes, each fuzzed by its own target: those mapped to events
// (Patient among them: a death at most) and Bundle.
const std::vector<std::string>& FuzzedResourceTypes();

// What one body came to.
struct Verdict {
  bool accepted = false;              // decoded, valid FHIR R4 and study profiles, mapped
  std::vector<Issue> issues;  // all that decoding, validation and mapping reported
  std::string operation_outcome;      // the OperationOutcome of `issues`, as a sender sees it
  size_t events = 0;                  // mapped events (all Bundle entries together)
  // Empty when the stages kept their promises (see ResourceCheck::Run); else what broke. A fuzz
  // target aborts on it, the regression test fails.
  std::string broken;
};

// Runs bodies through the gateway's stages for one resource type as the pipeline does: JSON
// decoding (json_decoder.h), validation against FHIR R4 and against the study's profiles
// (validator.h, in both of the gateway's modes) and mapping to events (mappers/mapper.h), with
// the embedded default study. Construction compiles the definitions (about a second): make one
// and reuse it. Thread-compatible (Run is const and touches no shared state).
class ResourceCheck {
 public:
  ResourceCheck();

  // Checks `body` as a resource of `type` (one of FuzzedResourceTypes()). A decoded object whose
  // resourceType is missing or different is given `type`, so that mutations explore that type's
  // validation and mapping instead of stopping at the type check. Every body must end accepted,
  // or rejected with an OperationOutcome that holds at least one error, each issue with a code,
  // diagnostics and an expression rooted at its resource's type; mapping must drop every event
  // of a resource with errors; every mapped event must survive a protobuf round trip (the store
  // and the feed do one). Anything else is described in Verdict::broken. A Bundle's entries of
  // mapped types are mapped one by one.
  Verdict Run(const std::string& type, absl::string_view body) const;

 private:
  std::shared_ptr<const mappers::Study> study_;
  std::unique_ptr<validation::ProfileSet> definitions_;
  std::unique_ptr<validation::Validator> base_validator_;
  std::unique_ptr<validation::Validator> study_validator_;  // study profiles required
};

}  // namespace trialgate::fuzz

#endif  // TRIALGATE_TESTS_FUZZ_RESOURCE_CHECK_H_
