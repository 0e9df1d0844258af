#ifndef TRIALGATE_TESTS_FIXTURES_H_
#define TRIALGATE_TESTS_FIXTURES_H_

#include <cstdlib>
#include <filesystem>
#include <string>

// The public FHIR R4 examples live outside the repository (../shared/fixtures). Where they are
// absent (a machine with only this repository) the tests that read them are skipped, with the
// reason; in CI (CI set in the environment) their absence is a failure.
#define TRIALGATE_REQUIRE_FIXTURES()                                                   \
  do {                                                                                 \
    if (!std::filesystem::exists(std::string(TRIALGATE_FIXTURES_DIR) + "/fhir-r4")) {  \
      if (std::getenv("CI") != nullptr) {                                              \
        FAIL() << "fixtures missing: " << TRIALGATE_FIXTURES_DIR;                      \
      }                                                                                \
      GTEST_SKIP() << "fixtures not found at " << TRIALGATE_FIXTURES_DIR;              \
    }                                                                                  \
  } while (0)

#endif  // TRIALGATE_TESTS_FIXTURES_H_
