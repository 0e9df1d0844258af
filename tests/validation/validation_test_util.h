#ifndef TRIALGATE_TESTS_VALIDATION_VALIDATION_TEST_UTIL_H_
#define TRIALGATE_TESTS_VALIDATION_VALIDATION_TEST_UTIL_H_

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "gateway/validation/profile_set.h"
#include "gateway/validation/validator.h"
#include "gateway/common/issue.h"
#include "tests/fixtures.h"


namespace trialgate::validation::testing {

// The definitions as the gateway loads them (LoadDefinitions): the embedded FHIR R4 base
// definitions plus the default study's profiles and value sets, compiled once.
const ProfileSet& R4();

// Validates JSON text (parsed with full-precision numbers) against the base definitions.
// A parse error is a test failure and yields one "structure" issue.
std::vector<Issue> ValidateJson(const std::string& json);

// Reads a whole file; fails the test (and returns "") when it cannot be read.
std::string ReadFileOrDie(const std::string& path);

// The issues, one per line, for failure messages.
std::string Describe(const std::vector<Issue>& issues);

// The issues with severity error.
std::vector<Issue> Errors(const std::vector<Issue>& issues);

}  // namespace trialgate::validation::testing

#endif  // TRIALGATE_TESTS_VALIDATION_VALIDATION_TEST_UTIL_H_
