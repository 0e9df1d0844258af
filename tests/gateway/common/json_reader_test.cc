#include "gateway/common/json_reader.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace trialgate {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

JsonFile Parse(const std::string& text) {
  absl::StatusOr<JsonFile> file = JsonFile::Parse("trialgate.json", text);
  EXPECT_TRUE(file.ok()) << file.status();
  return *std::move(file);
}

template <typename T>
std::string ErrorOf(const absl::StatusOr<T>& result) {
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(result.status().message());
}

std::string ErrorOf(const absl::Status& status) { return ErrorOf(absl::StatusOr<int>(status)); }

TEST(JsonReaderTest, ErrorsNameTheFileAndThePath) {
  const JsonFile file = Parse(R"({"destinations": [{}, {}, {"tls": {"certFile": 7}}]})");
  absl::StatusOr<std::vector<JsonObject>> destinations =
      file.top().RequiredObjects("destinations");
  ASSERT_TRUE(destinations.ok());
  absl::StatusOr<JsonObject> tls = (*destinations)[2].RequiredObject("tls");
  ASSERT_TRUE(tls.ok());
  EXPECT_EQ(tls->path(), "destinations[2].tls");
  EXPECT_EQ(ErrorOf(tls->RequiredString("certFile")),
            "trialgate.json: destinations[2].tls.certFile must be a string");
  EXPECT_EQ(ErrorOf(tls->RequiredString("keyFile")),
            "trialgate.json: destinations[2].tls.keyFile is missing");
  EXPECT_EQ(ErrorOf(tls->Problem("the name 'a' is used twice")),
            "trialgate.json: destinations[2].tls: the name 'a' is used twice");
  EXPECT_EQ(ErrorOf(tls->Error("needs a \"name\"")),
            "trialgate.json: destinations[2].tls needs a \"name\"");
}

TEST(JsonReaderTest, ParseErrorsNameTheFile) {
  EXPECT_EQ(ErrorOf(JsonFile::Parse("study.json", "{\"a\": ")).substr(0, 37),
            "study.json: invalid JSON at offset 6:");
  EXPECT_EQ(ErrorOf(JsonFile::Parse("study.json", "[1]")),
            "study.json: the top level must be an object");
  EXPECT_EQ(ErrorOf(JsonFileError("codes/labs.json", "missing")), "codes/labs.json: missing");
  EXPECT_EQ(ErrorOf(JsonFileError("schedule.json", "maintenance", "dose 12 is not one")),
            "schedule.json: maintenance: dose 12 is not one");
}

TEST(JsonReaderTest, OptionalMembersFallBackOnlyWhenAbsent) {
  const JsonFile file = Parse(R"({"listen": "0.0.0.0:1", "insecure": true, "port": "x"})");
  const JsonObject& top = file.top();
  EXPECT_EQ(*top.OptionalString("listen", "default"), "0.0.0.0:1");
  EXPECT_EQ(*top.OptionalString("dataDir", "default"), "default");
  EXPECT_EQ(*top.OptionalBool("insecure", false), true);
  EXPECT_EQ(*top.OptionalBool("recordDeviations", true), true);
  EXPECT_EQ(*top.OptionalInt("batchSize", 100), 100);
  EXPECT_EQ(ErrorOf(top.OptionalInt("port", 1)), "trialgate.json: port must be an integer");
  EXPECT_EQ(*top.OptionalNumber("tolerance", 10.5), 10.5);
  EXPECT_FALSE(top.OptionalObject("tls")->has_value());
  EXPECT_TRUE(top.OptionalArray("sites")->empty());
  EXPECT_TRUE(top.OptionalObjects("sites")->empty());
  EXPECT_TRUE(top.OptionalStrings("sites")->empty());
  EXPECT_EQ(ErrorOf(top.OptionalObject("listen")), "trialgate.json: listen must be an object");
  EXPECT_EQ(ErrorOf(top.RequiredBool("missing")), "trialgate.json: missing is missing");
}

TEST(JsonReaderTest, IntegersAndNumbersSayTheirRange) {
  const JsonFile file = Parse(R"({"zero": 0, "minus": -1, "big": 100001, "half": 0.5})");
  const JsonObject& top = file.top();
  EXPECT_EQ(ErrorOf(top.RequiredInt("zero", Sign::kPositive)),
            "trialgate.json: zero must be a positive integer");
  EXPECT_EQ(ErrorOf(top.RequiredInt("minus", Sign::kZeroOrMore)),
            "trialgate.json: minus must be an integer >= 0");
  EXPECT_EQ(ErrorOf(top.RequiredInt("big", Sign::kZeroOrMore, 100000)),
            "trialgate.json: big must be an integer 0-100000");
  EXPECT_EQ(ErrorOf(top.RequiredInt("half")), "trialgate.json: half must be an integer");
  EXPECT_EQ(*top.RequiredInt("zero", Sign::kZeroOrMore, 100000), 0);
  EXPECT_EQ(ErrorOf(top.RequiredNumber("zero", Sign::kPositive)),
            "trialgate.json: zero must be a number > 0");
  EXPECT_EQ(ErrorOf(top.RequiredNumber("minus", Sign::kZeroOrMore)),
            "trialgate.json: minus must be a number >= 0");
  EXPECT_EQ(*top.RequiredNumber("half", Sign::kPositive), 0.5);
  EXPECT_EQ(*top.RequiredNumber("minus"), -1);
}

TEST(JsonReaderTest, ArraysNameTheItemAtFault) {
  const JsonFile file =
      Parse(R"({"empty": [], "kinds": ["a", 2], "sites": [{"id": "x"}, "y"], "days": [1, 8]})");
  const JsonObject& top = file.top();
  EXPECT_EQ(ErrorOf(top.RequiredArray("empty", Items::kAtLeastOne)),
            "trialgate.json: empty must be a non-empty array");
  EXPECT_TRUE(top.RequiredArray("empty")->empty());
  EXPECT_EQ(ErrorOf(top.RequiredStrings("kinds")), "trialgate.json: kinds[1] must be a string");
  EXPECT_EQ(ErrorOf(top.RequiredObjects("sites")), "trialgate.json: sites[1] must be an object");
  EXPECT_EQ(ErrorOf(top.RequiredArray("sites", Items::kAny)->at(0).String()),
            "trialgate.json: sites[0] must be a string");
  EXPECT_EQ(ErrorOf(top.RequiredStrings("days")), "trialgate.json: days[0] must be a string");
  EXPECT_EQ(ErrorOf(top.OptionalObjects("days")), "trialgate.json: days[0] must be an object");
}

TEST(JsonReaderTest, StringsChoicesAndMembers) {
  const JsonFile file =
      Parse(R"({"name": "", "unit": "g", "aggregate": "max", "zones": {"b": "B", "a": "A"}})");
  const JsonObject& top = file.top();
  EXPECT_EQ(ErrorOf(top.RequiredNonEmptyString("name")),
            "trialgate.json: name must be a non-empty string");
  EXPECT_EQ(*top.OptionalNonEmptyString("title", "fallback"), "fallback");
  EXPECT_EQ(*top.RequiredString("name"), "");
  EXPECT_EQ(ErrorOf(top.RequiredOneOf("unit", {"mg", "mg/m2"})),
            "trialgate.json: unit must be mg or mg/m2");
  EXPECT_EQ(ErrorOf(top.RequiredOneOf("unit", {"a", "b", "c"})),
            "trialgate.json: unit must be a, b or c");
  EXPECT_EQ(*top.RequiredOneOf("aggregate", {"sum", "max"}), "max");
  const JsonObject zones = *top.RequiredObject("zones");
  std::vector<std::pair<std::string, std::string>> members;
  for (const auto& [key, value] : zones.Members()) members.emplace_back(key, value.path());
  EXPECT_THAT(members, ElementsAre(Pair("b", "zones.b"), Pair("a", "zones.a")));
}

TEST(JsonReaderTest, UnknownKeysAreErrorsWhereAReaderAsksForIt) {
  const JsonFile file = Parse(R"({"tls": {"certFile": "c", "certfile": "d"}})");
  const JsonObject tls = *file.top().RequiredObject("tls");
  EXPECT_EQ(ErrorOf(tls.OnlyKeys({"certFile", "keyFile"})),
            "trialgate.json: unknown key tls.certfile");
  EXPECT_TRUE(tls.OnlyKeys({"certFile", "certfile"}).ok());
  EXPECT_TRUE(file.top().OnlyKeys({"tls"}).ok());
}

TEST(JsonReaderTest, ReadEachStopsAtTheFirstError) {
  const JsonFile file = Parse(R"({"agents": [{"agent": "a"}, {}, {"agent": 3}]})");
  const std::vector<JsonObject> agents = *file.top().RequiredObjects("agents");
  auto agent = [](const JsonObject& object) { return object.RequiredString("agent"); };
  EXPECT_EQ(ErrorOf(ReadEach<std::string>(agents, agent)),
            "trialgate.json: agents[1].agent is missing");
  EXPECT_THAT(*ReadEach<std::string>(std::vector<JsonObject>{agents[0]}, agent),
              ElementsAre("a"));
}

TEST(JsonReaderTest, AFileCanBeMovedWithoutLosingItsValues) {
  JsonFile first = Parse(R"({"study": "krd"})");
  std::vector<JsonFile> files;
  files.push_back(std::move(first));
  files.push_back(Parse(R"({"study": "other"})"));
  EXPECT_EQ(*files[0].top().RequiredString("study"), "krd");
  EXPECT_EQ(files[0].name(), "trialgate.json");
}

}  // namespace
}  // namespace trialgate
