#ifndef TRIALGATE_TESTS_SUPPORT_ACCEPTING_VALIDATOR_H_
#define TRIALGATE_TESTS_SUPPORT_ACCEPTING_VALIDATOR_H_

#include <string>
#include <string_view>
#include <vector>

#include "gateway/validation/resource_validator.h"

namespace trialgate::testing {

// A validator that finds nothing wrong: for unit tests of the stages after validation, whose
// inputs are known to be valid FHIR (the real validator has tests of its own).
class AcceptingValidator final : public validation::ResourceValidator {
 public:
  void Validate(const rapidjson::Value&, const std::string&, std::vector<Issue>*) const override {}
  void ValidateBundle(const rapidjson::Value&, std::vector<Issue>*,
                      std::vector<std::vector<Issue>>*) const override {}
  absl::Status ValidateAgainstProfile(const rapidjson::Value&, std::string_view,
                                      std::vector<Issue>*) const override {
    return absl::OkStatus();
  }
};

}  // namespace trialgate::testing

#endif  // TRIALGATE_TESTS_SUPPORT_ACCEPTING_VALIDATOR_H_
