#include "gateway/pipeline/body_validator.h"

#include <string>
#include <string_view>

#include "gateway/pipeline/operation_outcome.h"

namespace trialgate::pipeline {

std::string ValidationOutcomeJson(const ValidationResult& result) {
  if (!result.issues.empty()) return OperationOutcomeJson(result.issues);
  return OperationOutcomeJson(
      {{Issue::Severity::kInformation, "informational", "", "valid FHIR R4: no issues found"}});
}

ValidationResult BodyValidator::Validate(absl::string_view body,
                                         absl::string_view profile_url) const {
  ValidationResult result;
  rapidjson::Document document;
  if (absl::Status decoded = DecodeJson(body, limits_, &document); !decoded.ok()) {
    result.status = decoded;
    result.issues.push_back(IssueFromStatus(decoded));
    return result;
  }
  if (profile_url.empty()) {
    validator_.Validate(document, "", &result.issues);
    return result;
  }
  if (absl::Status known = validator_.ValidateAgainstProfile(
          document, std::string_view(profile_url.data(), profile_url.size()), &result.issues);
      !known.ok()) {
    result.issues.push_back(Issue{Issue::Severity::kError, "not-found", "",
                                  std::string(known.message())});
  }
  return result;
}

}  // namespace trialgate::pipeline
