// Every file of the shared HL7 v2 fixtures (../shared/fixtures/hl7v2, real sample messages
// from public repositories, listed with their message type in MANIFEST.tsv) decodes and parses.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gateway/hl7v2/charset.h"
#include "gateway/hl7v2/message.h"
#include "gateway/hl7v2/mllp_framer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace trialgate::hl7v2 {
namespace {

namespace fs = std::filesystem;

fs::path FixturesDir() { return fs::path(TRIALGATE_FIXTURES_DIR) / "hl7v2"; }

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The messages of a sample file: a new one at each line that starts with MSH; batch header
// and trailer lines (FHS, BHS, BTS, FTS) are not part of any message. A file is a sender's
// view, not what arrives in one MLLP frame.
std::vector<std::string> SplitFile(const std::string& file) {
  std::vector<std::string> messages;
  for (absl::string_view line : absl::StrSplit(file, absl::ByAnyChar("\r\n"))) {
    if (absl::StartsWith(line, "\xEF\xBB\xBF")) line.remove_prefix(3);
    absl::string_view id = line.substr(0, 3);
    if (id == "FHS" || id == "BHS" || id == "BTS" || id == "FTS") continue;
    if (id == "MSH") messages.emplace_back();
    if (messages.empty() || line.empty()) continue;
    messages.back().append(line.data(), line.size());
    messages.back().push_back('\r');
  }
  return messages;
}

// MANIFEST.tsv: file -> message type ("" when the manifest's scan found no message).
std::map<std::string, std::string> ReadManifest() {
  std::map<std::string, std::string> types;
  std::string manifest = ReadFile(FixturesDir() / "MANIFEST.tsv");
  for (absl::string_view line : absl::StrSplit(manifest, '\n', absl::SkipEmpty())) {
    std::vector<std::string> columns = absl::StrSplit(line, '\t');
    if (columns.size() >= 5 && columns[0] != "file") types[columns[0]] = columns[4];
  }
  return types;
}

class FixturesTest : public testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(FixturesDir())) {
      GTEST_SKIP() << "HL7 v2 fixtures not found at " << FixturesDir();
    }
  }
};

TEST_F(FixturesTest, EveryFileDecodesAndParsesWithASupportedVersion) {
  std::map<std::string, std::string> manifest = ReadManifest();
  int files = 0, messages = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(FixturesDir())) {
    if (entry.path().extension() != ".hl7") continue;
    ++files;
    std::string name = entry.path().filename().string();
    std::vector<std::string> parts = SplitFile(ReadFile(entry.path()));
    EXPECT_FALSE(parts.empty()) << name;
    for (const std::string& part : parts) {
      ++messages;
      absl::StatusOr<Decoded> decoded = DecodeToUtf8(part);
      ASSERT_TRUE(decoded.ok()) << name << ": " << decoded.status();
      absl::StatusOr<Message> message = Message::Parse(decoded->text);
      ASSERT_TRUE(message.ok()) << name << ": " << message.status();
      EXPECT_FALSE(message->message_code().empty()) << name;
      EXPECT_TRUE(CheckVersion(message->version()).ok()) << name << ": " << message->version();
      // Every part of every field reads without a crash.
      for (const Segment& segment : message->segments()) {
        for (int f = 1; f <= segment.field_count(); ++f) {
          for (int r = 1; r <= segment.RepetitionCount(f); ++r) {
            (void)segment.Text(f, 0, 0, r);
            (void)segment.Text(f, 1, 1, r);
          }
        }
      }
      // The manifest's type, where its scan found one, is MSH-9's code^event.
      auto listed = manifest.find(name);
      ASSERT_NE(listed, manifest.end()) << name << " is not in MANIFEST.tsv";
      if (!listed->second.empty() && parts.size() == 1) {
        EXPECT_EQ(message->message_code() + "^" + message->trigger_event(), listed->second)
            << name;
      }
    }
  }
  EXPECT_EQ(files, 141);     // MANIFEST.tsv lists 141 files;
  EXPECT_EQ(messages, 142);  // one of them is a batch of two

}

TEST_F(FixturesTest, ReadsKnownMessageTypesAndVersions) {
  struct Known {
    const char* file;
    const char* type;
    const char* version;
  };
  const Known known[] = {
      {"fhirconv-data_SampleData_Hl7v2_ADT-A01-01.hl7", "ADT^A01", "2.8"},
      {"fhirconv-data_SampleData_Hl7v2_ADT01-23.hl7", "ADT^A01", "2.3"},
      {"fhirconv-data_SampleData_Hl7v2_LAB-ORU-1.hl7", "ORU^R01", "2.5"},
      {"fhirconv-data_SampleData_Hl7v2_VXU.hl7", "VXU^V04", "2.5.1"},
      {"fhirconv-data_SampleData_Hl7v2_PC1-Problem-Add-v2.3.1.hl7", "PPR^PC1", "2.3.1"},
  };
  for (const Known& k : known) {
    std::vector<std::string> parts = SplitFile(ReadFile(FixturesDir() / k.file));
    ASSERT_EQ(parts.size(), 1u) << k.file;
    absl::StatusOr<Decoded> decoded = DecodeToUtf8(parts[0]);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    absl::StatusOr<Message> message = Message::Parse(decoded->text);
    ASSERT_TRUE(message.ok()) << message.status();
    EXPECT_EQ(message->message_code() + "^" + message->trigger_event(), k.type) << k.file;
    EXPECT_EQ(message->version(), k.version) << k.file;
  }
}

TEST_F(FixturesTest, ABatchFileHoldsTwoMessagesAndIsRefusedWhole) {
  std::string file = ReadFile(
      FixturesDir() /
      "fhirconv-src_Microsoft.Health.Fhir.Liquid.Converter.UnitTests_TestData_Expected_"
      "BundleToHl7v2.hl7");
  EXPECT_EQ(SplitFile(file).size(), 2u);
  absl::StatusOr<Message> whole = Message::Parse(file);
  ASSERT_FALSE(whole.ok());
  EXPECT_THAT(std::string(whole.status().message()), testing::HasSubstr("batch"));
}

TEST_F(FixturesTest, EveryMessageSurvivesMllpFramingSplitAtEveryChunkSize) {
  std::vector<std::string> all;
  for (const fs::directory_entry& entry : fs::directory_iterator(FixturesDir())) {
    if (entry.path().extension() != ".hl7") continue;
    for (std::string& part : SplitFile(ReadFile(entry.path()))) all.push_back(std::move(part));
  }
  std::string stream;
  for (const std::string& message : all) {
    absl::StatusOr<std::string> frame = FrameMessage(message);
    ASSERT_TRUE(frame.ok()) << frame.status();
    stream += *frame;
  }
  for (size_t chunk : {1, 7, 512, 65536}) {
    MllpFramer framer;
    std::vector<std::string> received;
    for (size_t i = 0; i < stream.size(); i += chunk) {
      for (MllpEvent& event : framer.Feed(absl::string_view(stream).substr(i, chunk))) {
        ASSERT_EQ(event.kind, MllpEvent::Kind::kMessage);
        received.push_back(std::move(event.payload));
      }
    }
    EXPECT_EQ(received, all) << "chunk " << chunk;
  }
}

}  // namespace
}  // namespace trialgate::hl7v2
