// The embedded files: byte-exact copies of fhir-profiles/, and the R4 base definitions complete
// enough for a validator (every referenced type and every required value set is there).
#include "fhir-profiles/embedded.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace trialgate::profiles {
namespace {

namespace fs = std::filesystem;

constexpr char kBase[] = "http://hl7.org/fhir/StructureDefinition/";
const char* const kAcceptedResources[] = {"MedicationAdministration", "Observation", "AdverseEvent",
                                          "ResearchSubject", "Procedure", "Patient", "Consent",
                                          "Encounter", "Bundle"};

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// path relative to `dir` -> content, for every .json file under dir.
std::map<std::string, std::string> JsonFilesUnder(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") {
      files.emplace(entry.path().lexically_relative(dir).generic_string(), ReadFile(entry.path()));
    }
  }
  return files;
}

std::string WithoutVersion(const std::string& canonical) {
  return canonical.substr(0, canonical.find('|'));
}

// The embedded R4 files, parsed once for the whole suite.
class R4DefinitionsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    files_ = new std::map<std::string, std::string>(EmbeddedR4Definitions());
    docs_ = new std::map<std::string, rapidjson::Document>();
    for (const auto& [path, content] : *files_) {
      rapidjson::Document& doc = (*docs_)[path];
      doc.Parse(content.data(), content.size());
    }
  }
  static void TearDownTestSuite() {
    delete docs_;
    delete files_;
  }

  // The StructureDefinition with this canonical url, or nullptr.
  static const rapidjson::Value* ByUrl(const std::string& url) {
    for (const auto& [path, doc] : *docs_) {
      if (doc.IsObject() && doc.HasMember("url") && doc["url"].IsString() &&
          doc["url"].GetString() == url && path.starts_with("StructureDefinition-")) {
        return &doc;
      }
    }
    return nullptr;
  }

  static std::map<std::string, std::string>* files_;
  static std::map<std::string, rapidjson::Document>* docs_;
};

std::map<std::string, std::string>* R4DefinitionsTest::files_ = nullptr;
std::map<std::string, rapidjson::Document>* R4DefinitionsTest::docs_ = nullptr;

TEST_F(R4DefinitionsTest, MatchesTheSourceFolderByteForByte) {
  const auto on_disk = JsonFilesUnder(fs::path(TRIALGATE_SOURCE_DIR) / "fhir-profiles" / "r4");
  ASSERT_FALSE(on_disk.empty());
  EXPECT_EQ(*files_, on_disk);
}

TEST_F(R4DefinitionsTest, EveryFileIsAJsonObject) {
  ASSERT_FALSE(docs_->empty());
  for (const auto& [path, doc] : *docs_) {
    EXPECT_FALSE(doc.HasParseError()) << path << ": parse error " << doc.GetParseError()
                                      << " at offset " << doc.GetErrorOffset();
    EXPECT_TRUE(doc.IsObject()) << path;
  }
}

TEST_F(R4DefinitionsTest, HasTheAcceptedResourceTypesWithSnapshots) {
  for (const std::string type : kAcceptedResources) {
    SCOPED_TRACE(type);
    auto it = docs_->find("StructureDefinition-" + type + ".json");
    ASSERT_NE(it, docs_->end());
    const rapidjson::Document& sd = it->second;
    ASSERT_TRUE(sd.IsObject());
    EXPECT_STREQ(sd["resourceType"].GetString(), "StructureDefinition");
    EXPECT_EQ(std::string(sd["url"].GetString()), kBase + type);
    EXPECT_STREQ(sd["fhirVersion"].GetString(), "4.0.1");
    EXPECT_STREQ(sd["kind"].GetString(), "resource");
    EXPECT_EQ(std::string(sd["type"].GetString()), type);
    ASSERT_TRUE(sd.HasMember("snapshot"));
    const rapidjson::Value& elements = sd["snapshot"]["element"];
    ASSERT_TRUE(elements.IsArray());
    ASSERT_GT(elements.Size(), 10u);
    EXPECT_EQ(std::string(elements[0]["path"].GetString()), type);
  }
}

TEST_F(R4DefinitionsTest, EveryReferencedTypeAndProfileIsPresent) {
  int checked = 0;
  for (const auto& [path, sd] : *docs_) {
    if (!path.starts_with("StructureDefinition-")) continue;
    if (sd.HasMember("baseDefinition")) {
      EXPECT_NE(ByUrl(sd["baseDefinition"].GetString()), nullptr)
          << path << " baseDefinition " << sd["baseDefinition"].GetString();
    }
    for (const auto& element : sd["snapshot"]["element"].GetArray()) {
      if (!element.HasMember("type")) continue;
      for (const auto& type : element["type"].GetArray()) {
        const std::string code = type["code"].GetString();
        // Primitive values are typed with FHIRPath system types, not StructureDefinitions.
        if (!code.starts_with("http://hl7.org/fhirpath/System.")) {
          EXPECT_NE(ByUrl(kBase + code), nullptr) << element["path"].GetString() << ": " << code;
          ++checked;
        }
        if (type.HasMember("profile")) {
          for (const auto& profile : type["profile"].GetArray()) {
            EXPECT_NE(ByUrl(WithoutVersion(profile.GetString())), nullptr)
                << element["path"].GetString() << ": profile " << profile.GetString();
            ++checked;
          }
        }
      }
    }
  }
  EXPECT_GT(checked, 500);
}

TEST_F(R4DefinitionsTest, EveryRequiredBindingHasItsValueSetOrIsListedAsNotExpandable) {
  std::map<std::string, const rapidjson::Value*> value_sets;
  for (const auto& [path, doc] : *docs_) {
    if (path.starts_with("ValueSet-")) value_sets[doc["url"].GetString()] = &doc;
  }
  std::set<std::string> not_expandable;
  for (const auto& vs : (*docs_)["value-sets-not-expandable.json"]["valueSets"].GetArray()) {
    not_expandable.insert(vs["url"].GetString());
    EXPECT_TRUE(vs.HasMember("reason")) << vs["url"].GetString();
  }
  std::set<std::string> bound;
  for (const auto& [path, sd] : *docs_) {
    if (!path.starts_with("StructureDefinition-")) continue;
    for (const auto& element : sd["snapshot"]["element"].GetArray()) {
      if (!element.HasMember("binding")) continue;
      const rapidjson::Value& binding = element["binding"];
      if (std::string(binding["strength"].GetString()) != "required") continue;
      const std::string url = WithoutVersion(binding["valueSet"].GetString());
      bound.insert(url);
      auto it = value_sets.find(url);
      if (it == value_sets.end()) {
        EXPECT_TRUE(not_expandable.contains(url)) << element["path"].GetString() << ": " << url;
        continue;
      }
      const rapidjson::Value& codes = (*it->second)["codes"];
      ASSERT_TRUE(codes.IsArray()) << url;
      EXPECT_GT(codes.Size(), 0u) << url;
      for (const auto& code : codes.GetArray()) {
        EXPECT_TRUE(code["system"].IsString() && code["code"].IsString()) << url;
      }
    }
  }
  EXPECT_GE(bound.size(), 30u);
  // No value set file is there without a required binding that needs it.
  for (const auto& [url, vs] : value_sets) EXPECT_TRUE(bound.contains(url)) << url;
}

TEST_F(R4DefinitionsTest, ObservationStatusIsRequiredToItsEightCodes) {
  const rapidjson::Value& elements =
      (*docs_)["StructureDefinition-Observation.json"]["snapshot"]["element"];
  std::string value_set;
  for (const auto& element : elements.GetArray()) {
    if (std::string(element["path"].GetString()) == "Observation.status") {
      EXPECT_STREQ(element["binding"]["strength"].GetString(), "required");
      value_set = element["binding"]["valueSet"].GetString();
    }
  }
  EXPECT_EQ(value_set, "http://hl7.org/fhir/ValueSet/observation-status|4.0.1");
  std::vector<std::string> codes;
  for (const auto& code : (*docs_)["ValueSet-observation-status.json"]["codes"].GetArray()) {
    EXPECT_STREQ(code["system"].GetString(), "http://hl7.org/fhir/observation-status");
    codes.push_back(code["code"].GetString());
  }
  EXPECT_THAT(codes, ::testing::ElementsAre("registered", "preliminary", "final", "amended",
                                            "corrected", "cancelled", "entered-in-error",
                                            "unknown"));
}

TEST(EmbeddedStudyFilesTest, MatchesTheStudyFolderByteForByte) {
  const auto files = EmbeddedStudyFiles(kDefaultStudy);
  EXPECT_TRUE(files.contains("study.json"));
  EXPECT_TRUE(files.contains("codes/drugs.json"));
  EXPECT_EQ(files, JsonFilesUnder(fs::path(TRIALGATE_SOURCE_DIR) / "fhir-profiles" / "studies" /
                                  kDefaultStudy));
}

TEST(EmbeddedStudyFilesTest, UnknownStudyIsEmpty) {
  EXPECT_TRUE(EmbeddedStudyFiles("no-such-study").empty());
  EXPECT_TRUE(EmbeddedStudyFiles("").empty());
}

TEST(EmbeddedHl7v2MappingTest, MatchesTheSourceFilesByteForByte) {
  const fs::path dir = fs::path(TRIALGATE_SOURCE_DIR) / "fhir-profiles" / "hl7v2";
  const auto files = JsonFilesUnder(dir);
  EXPECT_TRUE(files.contains("oru_r01.json"));
  EXPECT_TRUE(files.contains("ras_o17.json"));
  for (const auto& [name, content] : files) EXPECT_EQ(EmbeddedHl7v2Mapping(name), content) << name;
  EXPECT_EQ(EmbeddedHl7v2Mapping("no-such-file.json"), "");
}

}  // namespace
}  // namespace trialgate::profiles
