#ifndef TRIALGATE_TESTS_HL7V2_CONVERSION_TEST_UTIL_H_
#define TRIALGATE_TESTS_HL7V2_CONVERSION_TEST_UTIL_H_

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gateway/hl7v2/conversion.h"
#include "gateway/hl7v2/message.h"
#include "gtest/gtest.h"
#include "mappers/mapper.h"
#include "rapidjson/document.h"
#include "tests/mappers/mapper_test_util.h"

// Helpers of the HL7 v2 conversion tests: the study site's options, reading the testdata
// messages, and mapping a converted Bundle with the real mappers.
namespace trialgate::hl7v2::testing {

inline const std::filesystem::path& TestDir() {
  static const std::filesystem::path dir =
      std::filesystem::path(TRIALGATE_SOURCE_DIR) / "tests" / "hl7v2";
  return dir;
}

inline std::string Read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The study's example site: example-hospital in Europe/Berlin.
inline ConvertOptions StudyOptions() {
  ConvertOptions options;
  EXPECT_TRUE(absl::LoadTimeZone("Europe/Berlin", &options.site_zone));
  options.site_id = "example-hospital";
  return options;
}

// Parses `text` and converts it with ConvertMessage.
inline ConversionResult ConvertText(const std::string& text,
                                    const ConvertOptions& options = StudyOptions()) {
  absl::StatusOr<Message> message = Message::Parse(text);
  EXPECT_TRUE(message.ok()) << message.status();
  if (!message.ok()) return {};
  return ConvertMessage(*message, options);
}

// Converts testdata/<kind>/<name>.hl7 ("ras", "lenalidomide-oral").
inline ConversionResult ConvertTestFile(const std::string& kind, const std::string& name) {
  return ConvertText(Read(TestDir() / "testdata" / kind / (name + ".hl7")));
}

inline std::string Describe(const std::vector<ConversionIssue>& issues) {
  std::string out;
  for (const ConversionIssue& issue : issues) {
    out += issue.location.ToString() + " " + std::to_string(issue.hl7_error_code) + " " +
           issue.text + "\n";
  }
  return out;
}

// The events of every entry of a converted Bundle, mapped as example-hospital by the real
// mappers; a mapping error fails the test.
inline std::vector<v1::Event> MapBundleEvents(const std::string& bundle_json) {
  rapidjson::Document bundle;
  bundle.Parse(bundle_json.c_str());
  std::vector<v1::Event> events;
  if (bundle.HasParseError() || !bundle.HasMember("entry")) {
    ADD_FAILURE() << "not a Bundle: " << bundle_json;
    return events;
  }
  for (const rapidjson::Value& entry : bundle["entry"].GetArray()) {
    mappers::MapContext context{mappers::testing::KrdStudy(), "example-hospital"};
    mappers::MapResult result = mappers::MapResource(entry["resource"], context);
    EXPECT_FALSE(result.HasErrors()) << mappers::testing::DescribeIssues(result);
    for (v1::Event& event : result.events) events.push_back(std::move(event));
  }
  return events;
}

// The resource ids of a converted Bundle's entries, in order.
inline std::vector<std::string> EntryIds(const std::string& bundle_json) {
  rapidjson::Document bundle;
  bundle.Parse(bundle_json.c_str());
  std::vector<std::string> ids;
  if (bundle.HasParseError() || !bundle.HasMember("entry")) return ids;
  for (const rapidjson::Value& entry : bundle["entry"].GetArray()) {
    ids.push_back(entry["resource"]["id"].GetString());
  }
  return ids;
}

struct CliRun {
  int exit_code = -1;
  std::vector<std::string> lines;
};

// Runs `trialgate hl7 convert <arguments>` (the real binary) and collects its output lines.
inline CliRun RunConvert(const std::string& arguments) {
  const std::string command =
      std::string(TRIALGATE_BINARY) + " hl7 convert " + arguments + " 2>/dev/null";
  CliRun run;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  std::string out;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  for (absl::string_view line : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
    run.lines.emplace_back(line);
  }
  return run;
}

}  // namespace trialgate::hl7v2::testing

#endif  // TRIALGATE_TESTS_HL7V2_CONVERSION_TEST_UTIL_H_
