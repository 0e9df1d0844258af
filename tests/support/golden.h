#ifndef TRIALGATE_TESTS_SUPPORT_GOLDEN_H_
#define TRIALGATE_TESTS_SUPPORT_GOLDEN_H_

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "rapidjson/document.h"

namespace trialgate::testing {

// The golden-file check of the validator's and the mappers' golden cases: `actual` (JSON) must
// equal, as JSON, the file at `expected_path`. With TRIALGATE_UPDATE_GOLDEN set, writes `actual`
// there instead, for a person to review the diff after a deliberate change.
inline void ExpectMatchesGolden(const std::string& name, const std::string& expected_path,
                                const std::string& actual) {
  if (std::getenv("TRIALGATE_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(expected_path, std::ios::binary) << actual;
    return;
  }
  std::ifstream in(expected_path, std::ios::binary);
  ASSERT_TRUE(in) << "cannot read " << expected_path;
  std::stringstream expected;
  expected << in.rdbuf();
  rapidjson::Document expected_doc;
  rapidjson::Document actual_doc;
  expected_doc.Parse(expected.str().c_str());
  actual_doc.Parse(actual.c_str());
  ASSERT_FALSE(expected_doc.HasParseError()) << expected_path;
  EXPECT_TRUE(expected_doc == actual_doc) << name << "\nexpected:\n" << expected.str()
                                          << "actual:\n" << actual;
}

}  // namespace trialgate::testing

#endif  // TRIALGATE_TESTS_SUPPORT_GOLDEN_H_
