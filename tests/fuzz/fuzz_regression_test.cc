// Replays, in the ordinary test suite (any compiler, no libFuzzer), what the fuzz targets start
// from and what they once found: every file of tests/fuzz/regressions/ and every seed that
// deploy/fuzz.sh gives them (the repository's FHIR test resources, the public examples in the
// fixtures folder, and the entries of the Bundles among them) goes through ResourceCheck as each
// resource type Submit takes. Each must be accepted or rejected with an OperationOutcome, and
// no stage may break a promise (resource_check.h).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "tests/fixtures.h"
#include "tests/fuzz/resource_check.h"

namespace trialgate::fuzz {
namespace {

namespace fs = std::filesystem;

struct Body {
  std::string name;  // file, and entry for a Bundle entry
  std::string text;
};

// Larger files seed the targets with their Bundle entries only (deploy/fuzz.sh's max_len).
constexpr size_t kMaxSeedBytes = 65536;

const ResourceCheck& Check() {
  static const ResourceCheck* check = new ResourceCheck;
  return *check;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool IsTakenType(const std::string& type) {
  const std::vector<std::string>& types = FuzzedResourceTypes();
  return std::find(types.begin(), types.end(), type) != types.end();
}

// The entries of a Bundle of a type Submit takes, each as a body of its own: deploy/fuzz.sh
// seeds the targets with them too.
void AddEntries(const Body& bundle, std::vector<Body>* bodies) {
  rapidjson::Document document;
  document.Parse<rapidjson::kParseFullPrecisionFlag>(bundle.text.c_str());
  if (document.HasParseError() || !document.IsObject() || !document.HasMember("entry") ||
      !document["entry"].IsArray()) {
    return;
  }
  const rapidjson::Value& entries = document["entry"];
  for (rapidjson::SizeType i = 0; i < entries.Size(); ++i) {
    if (!entries[i].IsObject() || !entries[i].HasMember("resource")) continue;
    const rapidjson::Value& resource = entries[i]["resource"];
    if (!resource.IsObject() || !resource.HasMember("resourceType") ||
        !resource["resourceType"].IsString() ||
        !IsTakenType(resource["resourceType"].GetString())) {
      continue;
    }
    rapidjson::StringBuffer text;
    rapidjson::Writer<rapidjson::StringBuffer> writer(text);
    resource.Accept(writer);
    bodies->push_back({bundle.name + " entry " + std::to_string(i), text.GetString()});
  }
}

// Every file of `dir` whose name ends in `suffix` ("" for all) but not in `except` (golden
// outcomes, READMEs; "" excludes nothing), in name order, and the entries of the Bundles among
// them: as deploy/fuzz.sh seeds the targets.
std::vector<Body> BodiesIn(const fs::path& dir, const std::string& suffix,
                           const std::string& except = "") {
  std::vector<fs::path> paths;
  for (const fs::directory_entry& file : fs::directory_iterator(dir)) {
    const std::string name = file.path().filename().string();
    auto ends_with = [&](const std::string& end) {
      return name.size() >= end.size() &&
             name.compare(name.size() - end.size(), end.size(), end) == 0;
    };
    if (file.is_regular_file() && ends_with(suffix) && (except.empty() || !ends_with(except))) {
      paths.push_back(file.path());
    }
  }
  std::sort(paths.begin(), paths.end());
  std::vector<Body> bodies;
  for (const fs::path& path : paths) {
    Body file{path.string(), ReadFile(path)};
    AddEntries(file, &bodies);
    if (file.text.size() <= kMaxSeedBytes) bodies.push_back(std::move(file));
  }
  return bodies;
}

// Runs each body as each type; returns how many were accepted as some type.
int ExpectAnswered(const std::vector<Body>& bodies) {
  int accepted = 0;
  for (const Body& body : bodies) {
    for (const std::string& type : FuzzedResourceTypes()) {
      const Verdict verdict = Check().Run(type, body.text);
      EXPECT_EQ(verdict.broken, "") << body.name << " as " << type;
      if (verdict.accepted) {
        ++accepted;
      } else {
        EXPECT_NE(verdict.operation_outcome, "") << body.name << " as " << type;
      }
    }
  }
  return accepted;
}

const fs::path kSource = TRIALGATE_SOURCE_DIR;

TEST(FuzzRegressionTest, RegressionsAreAnsweredAsEveryType) {
  const std::vector<Body> bodies = BodiesIn(kSource / "tests/fuzz/regressions", "", ".md");
  ExpectAnswered(bodies);
}

TEST(FuzzRegressionTest, RepositorySeedsAreAnsweredAsEveryType) {
  std::vector<Body> bodies;
  for (const char* dir : {"tests/bench/testdata", "tests/integration/testdata",
                          "tests/mappers/testdata", "tests/validation/testdata",
                          "tests/validation/golden", "tests/fuzz/seeds"}) {
    std::vector<Body> more = BodiesIn(kSource / dir, ".json", ".outcome.json");
    bodies.insert(bodies.end(), more.begin(), more.end());
  }
  ASSERT_GT(bodies.size(), 100u);
  // The seeds are mostly valid resources: a check that accepts nothing checks nothing.
  EXPECT_GT(ExpectAnswered(bodies), 50);
}

TEST(FuzzRegressionTest, FixtureSeedsAreAnsweredAsEveryType) {
  TRIALGATE_REQUIRE_FIXTURES();
  const std::vector<Body> bodies =
      BodiesIn(fs::path(TRIALGATE_FIXTURES_DIR) / "fhir-r4/examples", ".json");
  ASSERT_GT(bodies.size(), 100u);
  ExpectAnswered(bodies);
}

TEST(ResourceCheckTest, AcceptsAStudyDoseAndMapsIt) {
  const Verdict verdict = Check().Run(
      "MedicationAdministration",
      ReadFile(kSource / "tests/mappers/testdata/krd-carfilzomib-dose.json"));
  EXPECT_TRUE(verdict.accepted) << verdict.operation_outcome;
  EXPECT_EQ(verdict.events, 1u);
  EXPECT_EQ(verdict.broken, "");
}

TEST(ResourceCheckTest, GivesTheTargetTypeToABodyWithoutOne) {
  // Without a resourceType the decoded body is made an Observation, so what is missing is what
  // an Observation needs (code), not a type.
  const Verdict verdict = Check().Run("Observation", R"({"status": "final"})");
  EXPECT_FALSE(verdict.accepted);
  EXPECT_NE(verdict.operation_outcome.find("Observation.code"), std::string::npos)
      << verdict.operation_outcome;
  EXPECT_EQ(verdict.broken, "");
}

TEST(ResourceCheckTest, GivesTheTargetTypeInPlaceOfAnother) {
  const Verdict verdict = Check().Run("Procedure", R"({"resourceType": 7, "status": "x"})");
  EXPECT_FALSE(verdict.accepted);
  EXPECT_NE(verdict.operation_outcome.find("Procedure.status"), std::string::npos)
      << verdict.operation_outcome;
  EXPECT_EQ(verdict.broken, "");
}

TEST(ResourceCheckTest, RejectsUndecodableBodiesWithAnOperationOutcome) {
  for (const std::string& body : {std::string(), std::string("[]"), std::string("{\"a\":"),
                                  std::string("{\"a\":\"\xff\"}")}) {
    const Verdict verdict = Check().Run("Bundle", body);
    EXPECT_FALSE(verdict.accepted);
    EXPECT_NE(verdict.operation_outcome, "") << body;
    EXPECT_EQ(verdict.broken, "") << body;
  }
}

}  // namespace
}  // namespace trialgate::fuzz
