#ifndef TRIALGATE_TESTS_VALIDATION_VALIDATION_TEST_UTIL_H_
#define TRIALGATE_TESTS_VALIDATION_VALIDATION_TEST_UTIL_H_

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "gateway/validation/profile_set.h"
#include "gateway/validation/validator.h"
#include "mappers/issue.h"

// The public FHIR R4 examples live outside the repository (../shared/fixtures). Where they are
// absent the tests that read them are skipped, with the reason; in CI their absence is a failure.
#define TRIALGATE_REQUIRE_FIXTURES()                                                   \
  do {                                                                                 \
    if (!std::filesystem::exists(std::string(TRIALGATE_FIXTURES_DIR) + "/fhir-r4")) {  \
      if (std::getenv("CI") != nullptr) {                                              \
        FAIL() << "fixtures missing: " << TRIALGATE_FIXTURES_DIR;                      \
      }                                                                                \
      GTEST_SKIP() << "fixtures not found at " << TRIALGATE_FIXTURES_DIR;              \
    }                                                                                  \
  } while (0)

namespace trialgate::validation::testing {

// The embedded FHIR R4 base definitions, compiled once.
const ProfileSet& R4();

// Validates JSON text (parsed with full-precision numbers) against the base definitions.
// A parse error is a test failure and yields one "structure" issue.
std::vector<mappers::Issue> ValidateJson(const std::string& json);

// Reads a whole file; fails the test (and returns "") when it cannot be read.
std::string ReadFileOrDie(const std::string& path);

// The issues, one per line, for failure messages.
std::string Describe(const std::vector<mappers::Issue>& issues);

// The issues with severity error.
std::vector<mappers::Issue> Errors(const std::vector<mappers::Issue>& issues);

}  // namespace trialgate::validation::testing

#endif  // TRIALGATE_TESTS_VALIDATION_VALIDATION_TEST_UTIL_H_
