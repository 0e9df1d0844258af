#ifndef TRIALGATE_GATEWAY_CLI_LOCAL_VALIDATION_H_
#define TRIALGATE_GATEWAY_CLI_LOCAL_VALIDATION_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gateway/pipeline/body_validator.h"
#include "gateway/validation/study_definitions.h"
#include "trialgate/v1/gateway.pb.h"

namespace trialgate::cli {

// `trialgate validate` without a server: the study's definitions compiled in this process and
// the server's own decode + validate (pipeline::BodyValidator), answered in the wire form of
// Gateway.Validate so that both ways print the same lines. Thread-safe once loaded.
class LocalValidation {
 public:
  // Loads the embedded study `krd-asct2`, or the study folder `study_dir` when not empty (as the
  // config's studyDir); `require_study_profiles` as the config's requireStudyProfiles. Fails
  // when the study or its profiles cannot be loaded.
  static absl::StatusOr<std::unique_ptr<LocalValidation>> Load(const std::string& study_dir,
                                                               bool require_study_profiles);

  // What Gateway.Validate answers for `request` on a gateway with the same study and settings.
  v1::ValidateResponse Validate(const v1::ValidateRequest& request) const;

 private:
  explicit LocalValidation(validation::StudyValidator loaded);

  validation::StudyValidator loaded_;
  pipeline::BodyValidator body_validator_;  // refers to *loaded_.validator
};

}  // namespace trialgate::cli

#endif  // TRIALGATE_GATEWAY_CLI_LOCAL_VALIDATION_H_
