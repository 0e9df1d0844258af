#ifndef TRIALGATE_TESTS_DERIVATION_CASE_FILE_H_
#define TRIALGATE_TESTS_DERIVATION_CASE_FILE_H_

// Reading the hand-adjudicated case files of tests/derivation/testdata/.

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "rapidjson/document.h"

namespace trialgate::derivation {

// The text of tests/derivation/testdata/<name>; empty when it cannot be read (the parse fails).
inline std::string ReadCaseFile(const std::string& name) {
  std::ifstream in(std::string(TRIALGATE_SOURCE_DIR) + "/tests/derivation/testdata/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// `object[key]` as a number, nullopt when absent.
inline std::optional<double> OptionalNumber(const rapidjson::Value& object, const char* key) {
  if (!object.HasMember(key)) return std::nullopt;
  return object[key].GetDouble();
}

}  // namespace trialgate::derivation

#endif  // TRIALGATE_TESTS_DERIVATION_CASE_FILE_H_
