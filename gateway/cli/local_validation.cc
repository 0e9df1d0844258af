#include "gateway/cli/local_validation.h"

#include <utility>

#include "gateway/config/config.h"
#include "gateway/server/submit_response.h"

namespace trialgate::cli {

absl::StatusOr<std::unique_ptr<LocalValidation>> LocalValidation::Load(
    const std::string& study_dir, bool require_study_profiles) {
  config::Config config;  // the defaults `serve` runs with: study and decode limits
  config.study_dir = study_dir;
  absl::StatusOr<std::shared_ptr<const mappers::Study>> study = config::LoadStudy(config);
  if (!study.ok()) return study.status();
  absl::StatusOr<validation::StudyValidator> loaded =
      validation::LoadStudyValidator(**study, require_study_profiles);
  if (!loaded.ok()) return loaded.status();
  return std::unique_ptr<LocalValidation>(new LocalValidation(*std::move(loaded)));
}

LocalValidation::LocalValidation(validation::StudyValidator loaded)
    : loaded_(std::move(loaded)), body_validator_(config::Config().limits, *loaded_.validator) {}

v1::ValidateResponse LocalValidation::Validate(const v1::ValidateRequest& request) const {
  return server::ToValidateResponse(body_validator_.Validate(request.body(), request.profile()));
}

}  // namespace trialgate::cli
