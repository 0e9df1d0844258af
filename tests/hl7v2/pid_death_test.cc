// PID-29 / PID-30 in the messages the gateway converts (ORU^R01, RAS^O17): a death becomes a
// Patient entry with the identifier and deceasedDateTime only, which maps to SubjectDied.
#include "gateway/hl7v2/pid_death.h"

#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "tests/hl7v2/conversion_test_util.h"

namespace trialgate::hl7v2 {
namespace {

using testing::ConvertText;
using testing::Describe;

// An ORU^R01 of one ANC result whose PID carries name, birth date and `death` (PID-29, PID-30).
std::string Oru(const std::string& death) {
  return "MSH|^~\\&|LIS|HOSPA|TRIALGATE|KRD|202605150900+0200||ORU^R01^ORU_R01|D-1|P|2.5.1\r"
         "PID|1||KRD-001-0002^^^HOSPA&1.2.276.0.76.4.8&ISO^MR||Muster^Erika||19600812|F"
         "|||||||||||||||||||||" + death + "\r"
         "OBR|1|ORD-9|FIL-9|26499-4^ANC^LN|||202605140715+0200\r"
         "OBX|1|NM|751-8^ANC^LN||1.9|10*9/L|1.8-7.7|N|||F|||202605140730+0200\r";
}

const rapidjson::Value* PatientEntry(const rapidjson::Document& bundle) {
  if (!bundle.IsObject() || !bundle.HasMember("entry")) return nullptr;
  for (const rapidjson::Value& entry : bundle["entry"].GetArray()) {
    if (std::string(entry["resource"]["resourceType"].GetString()) == "Patient") return &entry;
  }
  return nullptr;
}

TEST(PidDeathTest, Pid29WithPid30YesBecomesAPatientWithTheIdentifierAndTheDateOnly) {
  // The offset form of the shared ADT fixtures' PID-29.
  const std::string text = Oru("20080825111630+0115|Y");
  absl::StatusOr<Message> parsed = Message::Parse(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->Text("PID", 29), "20080825111630+0115");
  ASSERT_EQ(parsed->Text("PID", 30), "Y");
  ConversionResult result = ConvertText(text);
  ASSERT_FALSE(result.bundle_json.empty()) << Describe(result.issues);
  EXPECT_TRUE(result.issues.empty()) << Describe(result.issues);
  rapidjson::Document bundle;
  bundle.Parse(result.bundle_json.c_str());
  const rapidjson::Value* entry = PatientEntry(bundle);
  ASSERT_NE(entry, nullptr) << result.bundle_json;
  const rapidjson::Value& patient = (*entry)["resource"];
  EXPECT_STREQ(patient["deceasedDateTime"].GetString(), "2008-08-25T11:16:30+01:15");
  EXPECT_STREQ(patient["identifier"][0]["system"].GetString(), "urn:oid:1.2.276.0.76.4.8");
  EXPECT_STREQ(patient["identifier"][0]["value"].GetString(), "KRD-001-0002");
  EXPECT_EQ(patient.MemberCount(), 4u);  // resourceType, id, identifier, deceasedDateTime
  EXPECT_FALSE(absl::StrContains(result.bundle_json, "Muster"));
  EXPECT_FALSE(absl::StrContains(result.bundle_json, "1960"));
  EXPECT_EQ(result.entry_locations.front().ToString(), "PID^1");
  // The same patient in another message is the same resource (a resend replaces it).
  std::string other = text;
  other.replace(other.find("D-1"), 3, "D-2");
  EXPECT_EQ(testing::EntryIds(ConvertText(other).bundle_json), testing::EntryIds(result.bundle_json));

  // Mapped as arriving over MLLP: one SubjectDied, the day as sent, reported as PID-29.
  mappers::MapContext context{mappers::testing::KrdStudy(), "example-hospital"};
  context.from_hl7v2 = true;
  mappers::MapResult mapped = mappers::MapResource(patient, context);
  ASSERT_EQ(mapped.events.size(), 1u) << mappers::testing::DescribeIssues(mapped);
  EXPECT_EQ(mapped.events[0].subject_died().date(), "2008-08-25");
  EXPECT_EQ(mapped.events[0].subject_died().reported_as(), "PID-29");
  EXPECT_EQ(mapped.patient->identifier_value, "KRD-001-0002");
}

TEST(PidDeathTest, ARasO17CarriesTheDeathToo) {
  std::string text = testing::Read(testing::TestDir() / "testdata" / "ras" / "lenalidomide-oral.hl7");
  const size_t pid = text.find("PID|");
  ASSERT_NE(pid, std::string::npos);
  const size_t end = text.find_first_of("\r\n", pid);
  std::string segment = text.substr(pid, end - pid);
  int bars = 0;
  for (char c : segment) bars += c == '|';
  segment.append(std::string(28 - bars, '|')).append("|20260514|Y");
  text.replace(pid, end - pid, segment);
  ConversionResult result = ConvertText(text);
  ASSERT_FALSE(result.bundle_json.empty()) << Describe(result.issues);
  rapidjson::Document bundle;
  bundle.Parse(result.bundle_json.c_str());
  const rapidjson::Value* entry = PatientEntry(bundle);
  ASSERT_NE(entry, nullptr) << result.bundle_json;
  EXPECT_STREQ((*entry)["resource"]["deceasedDateTime"].GetString(), "2026-05-14");
}

TEST(PidDeathTest, InconsistentOrUnreadableDeathFieldsAreWarningsAndNoPatient) {
  for (const std::string& death : {std::string("20080825|N"), std::string("20080825|"),
                                   std::string("|Y"), std::string("2008-08-25|Y")}) {
    SCOPED_TRACE(death);
    ConversionResult result = ConvertText(Oru(death));
    ASSERT_FALSE(result.bundle_json.empty()) << Describe(result.issues);  // still converts
    ASSERT_EQ(result.issues.size(), 1u) << Describe(result.issues);
    EXPECT_EQ(result.issues[0].severity, ConversionIssue::Severity::kWarning);
    EXPECT_EQ(result.issues[0].location.segment, "PID");
    rapidjson::Document bundle;
    bundle.Parse(result.bundle_json.c_str());
    EXPECT_EQ(PatientEntry(bundle), nullptr);
  }
  // Neither field: nothing said, nothing converted.
  ConversionResult plain = ConvertText(Oru(""));
  EXPECT_TRUE(plain.issues.empty()) << Describe(plain.issues);
}

}  // namespace
}  // namespace trialgate::hl7v2
