#include "tests/validation/validation_test_util.h"

#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "fhir-profiles/embedded.h"
#include "gateway/validation/study_definitions.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"


namespace trialgate::validation::testing {
const ProfileSet& R4() {
  static const ProfileSet* const set = [] {
    auto study = mappers::Study::FromFiles(profiles::EmbeddedStudyFiles(profiles::kDefaultStudy));
    if (!study.ok()) {
      ADD_FAILURE() << study.status();
      std::abort();
    }
    auto created = LoadDefinitions(**study);
    if (!created.ok()) {
      ADD_FAILURE() << created.status();
      std::abort();
    }
    return created->release();
  }();
  return *set;
}

std::vector<Issue> ValidateJson(const std::string& json) {
  rapidjson::Document document;
  document.Parse<rapidjson::kParseFullPrecisionFlag>(json.data(), json.size());
  if (document.HasParseError()) {
    ADD_FAILURE() << "malformed JSON at offset " << document.GetErrorOffset();
    return {{Issue::Severity::kError, "structure", "", "malformed JSON"}};
  }
  std::vector<Issue> issues;
  Validator(R4()).Validate(document, "", &issues);
  return issues;
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    return "";
  }
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

std::string Describe(const std::vector<Issue>& issues) {
  std::string out;
  for (const Issue& issue : issues) {
    out += (issue.severity == Issue::Severity::kError     ? "error"
            : issue.severity == Issue::Severity::kWarning ? "warning"
                                                                    : "information");
    out += " [" + issue.code + "] " + issue.expression + " -- " + issue.diagnostics + "\n";
  }
  return out;
}

std::vector<Issue> Errors(const std::vector<Issue>& issues) {
  std::vector<Issue> errors;
  for (const Issue& issue : issues) {
    if (issue.severity == Issue::Severity::kError) errors.push_back(issue);
  }
  return errors;
}

}  // namespace trialgate::validation::testing
