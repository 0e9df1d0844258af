#ifndef TRIALGATE_GATEWAY_PIPELINE_BODY_VALIDATOR_H_
#define TRIALGATE_GATEWAY_PIPELINE_BODY_VALIDATOR_H_

#include <string>

#include "absl/strings/string_view.h"
#include "gateway/pipeline/json_decoder.h"
#include "gateway/pipeline/submission.h"
#include "gateway/validation/resource_validator.h"

namespace trialgate::pipeline {

// FHIR's $validate on a body, storing nothing: decode (with the gateway's limits), then validate
// against R4, the profiles it claims and optionally one more. Shared by Pipeline::Validate (the
// server) and `trialgate validate` without --target, so that both judge a file alike.
// Thread-safe.
// The OperationOutcome $validate answers with on every channel: the issues found, or one
// information issue saying the body is valid.
std::string ValidationOutcomeJson(const ValidationResult& result);

class BodyValidator {
 public:
  // `validator` must outlive this object.
  BodyValidator(DecodeLimits limits, const validation::ResourceValidator& validator)
      : limits_(limits), validator_(validator) {}

  // A body that cannot be decoded gives a non-OK status with its issue. With `profile_url`, the
  // body is also held to that profile (the resource itself, or a Bundle's entries of the
  // profile's type); an unknown profile is an error issue. Judges any type the definitions know.
  ValidationResult Validate(absl::string_view body, absl::string_view profile_url = {}) const;

 private:
  const DecodeLimits limits_;
  const validation::ResourceValidator& validator_;
};

}  // namespace trialgate::pipeline

#endif  // TRIALGATE_GATEWAY_PIPELINE_BODY_VALIDATOR_H_
