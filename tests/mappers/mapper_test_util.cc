#include "tests/mappers/mapper_test_util.h"

#include <fstream>
#include <sstream>

#include "fhir-profiles/embedded.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "rapidjson/reader.h"

namespace trialgate::mappers::testing {

const Study& KrdStudy() {
  static const std::shared_ptr<const Study>* study = [] {
    auto loaded = Study::FromFiles(profiles::EmbeddedStudyFiles("krd-asct2"));
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.status();
      std::abort();
    }
    return new std::shared_ptr<const Study>(*loaded);
  }();
  return **study;
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

namespace {

// Records the text of every number in document order, as the decoder's handler does.
struct NumberRecorder : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, NumberRecorder> {
  explicit NumberRecorder(NumberTexts* texts) : texts(texts) {}
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    texts->Record(std::string_view(s, n));
    return true;
  }
  NumberTexts* texts;
};

}  // namespace

MapResult MapJson(const std::string& json, const std::string& site_id,
                  const std::string& root_path) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(json.data(), json.size());
  EXPECT_FALSE(doc.HasParseError()) << "invalid JSON: " << json.substr(0, 200);
  NumberTexts numbers;
  NumberRecorder recorder(&numbers);
  rapidjson::Reader reader;
  rapidjson::StringStream in(json.c_str());
  reader.Parse<rapidjson::kParseNumbersAsStringsFlag>(in, recorder);
  EXPECT_TRUE(numbers.Attach(doc));
  return MapResource(doc, MapContext{KrdStudy(), site_id, &numbers, root_path});
}

MapResult MapTestdata(const std::string& name, const std::string& site_id) {
  return MapJson(
      ReadFileOrDie(std::string(TRIALGATE_SOURCE_DIR) + "/tests/mappers/testdata/" + name),
      site_id);
}

MapResult MapFixture(const std::string& file) {
  return MapJson(ReadFileOrDie(std::string(TRIALGATE_FIXTURES_DIR) + "/fhir-r4/examples/" + file),
                 "");
}

const Issue* FindIssue(const MapResult& result, const std::string& expression,
                       Issue::Severity severity) {
  for (const Issue& issue : result.issues) {
    if (issue.expression == expression && issue.severity == severity) return &issue;
  }
  return nullptr;
}

bool HasFinding(const MapResult& result, const std::string& code) {
  if (result.events.size() != 1) return false;
  for (const v1::Finding& finding : result.events[0].findings()) {
    if (finding.code() == code) return true;
  }
  return false;
}

std::string DescribeIssues(const MapResult& result) {
  std::string out;
  for (const Issue& issue : result.issues) {
    const char* severity = issue.severity == Issue::Severity::kError     ? "error"
                           : issue.severity == Issue::Severity::kWarning ? "warning"
                                                                         : "info";
    out += std::string(severity) + " " + issue.code + " @ " + issue.expression + ": " +
           issue.diagnostics + "\n";
  }
  return out;
}

}  // namespace trialgate::mappers::testing
