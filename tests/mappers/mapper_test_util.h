#ifndef TRIALGATE_TESTS_MAPPERS_MAPPER_TEST_UTIL_H_
#define TRIALGATE_TESTS_MAPPERS_MAPPER_TEST_UTIL_H_

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "mappers/mapper.h"
#include "mappers/study.h"
#include "tests/fixtures.h"



namespace trialgate::mappers::testing {

// The embedded KRD-ASCT2 study, loaded once.
const Study& KrdStudy();

// Reads a whole file; fails the test (and returns "") when it cannot be read.
std::string ReadFileOrDie(const std::string& path);

// Maps a resource given as JSON text, as sent by `site_id`, with the numbers' source texts as
// the gateway's decoder keeps them, reporting under `root_path` (MapContext::root_path). Fails
// the test on invalid JSON.
MapResult MapJson(const std::string& json, const std::string& site_id = "example-hospital",
                  const std::string& root_path = "");

// Maps tests/mappers/testdata/<name>.
MapResult MapTestdata(const std::string& name, const std::string& site_id = "example-hospital");

// Maps the shared fixture examples/<file> (the official FHIR R4 examples).
MapResult MapFixture(const std::string& file);

// The first issue with this expression (and severity), or nullptr.
const Issue* FindIssue(const MapResult& result, const std::string& expression,
                       Issue::Severity severity = Issue::Severity::kError);

// True when the single event carries a finding with this code.
bool HasFinding(const MapResult& result, const std::string& code);

// All issues, one per line, for failure messages.
std::string DescribeIssues(const MapResult& result);

}  // namespace trialgate::mappers::testing

#endif  // TRIALGATE_TESTS_MAPPERS_MAPPER_TEST_UTIL_H_
