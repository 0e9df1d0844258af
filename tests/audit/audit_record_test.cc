#include "gateway/audit/audit_record.h"

#include "gateway/audit/chain.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "tests/audit/audit_test_support.h"

namespace trialgate::audit {
namespace {

TEST(AuditRecordTest, WritesEveryMemberInOrderAsOneJsonLine) {
  AuditRecord record = testing::SampleRecord(7);
  record.target.push_back({"resourceTypes", std::map<std::string, uint64_t>{{"Observation", 2}}});
  record.target.push_back({"sequences", std::vector<std::string>{"4", "5"}});
  record.target.push_back({"all", false});
  record.code = "PERMISSION_DENIED";
  record.message = "no";
  const std::string line = FormatAuditLine(record, 3, kGenesisHash);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line,
            "{\"seq\":3,\"time\":\"2026-11-18T11:06:40.007Z\",\"identity\":\"site01-epic\","
            "\"roles\":[\"site\"],\"site\":\"site-01\",\"peer\":\"ipv4:127.0.0.1:5000\","
            "\"rpc\":\"/trialgate.v1.Gateway/Submit\",\"target\":{\"sourceSystem\":"
            "\"site01-epic\",\"n\":7,\"resourceTypes\":{\"Observation\":2},\"sequences\":"
            "[\"4\",\"5\"],\"all\":false},\"code\":\"PERMISSION_DENIED\",\"message\":\"no\","
            "\"durationUs\":1500,\"prev\":\"" + std::string(kGenesisHash) + "\",\"hash\":\"" +
                Sha256Hex(line.substr(0, line.find(",\"hash\":")) + "}") + "\"}");
}

TEST(AuditRecordTest, HashCoversTheRecordWithoutItsHashMember) {
  const std::string line = FormatAuditLine(testing::SampleRecord(1), 1, kGenesisHash);
  std::string_view content, hash;
  ASSERT_TRUE(SplitRecordHash(line, &content, &hash));
  EXPECT_EQ(RecordHash(content), hash);
  EXPECT_EQ(std::string(content) + "}", line.substr(0, line.rfind(",\"hash\"")) + "}");
}

TEST(AuditRecordTest, CutsLongMessagesAtACharacterAndReplacesInvalidUtf8) {
  AuditRecord record = testing::SampleRecord(1);
  record.message = std::string(kMaxMessageBytes - 1, 'x') + "\xc3\xa9";  // é crosses the limit
  record.identity = "bad\xff";
  const std::string line = FormatAuditLine(record, 1, kGenesisHash);
  rapidjson::Document parsed;
  parsed.Parse<rapidjson::kParseValidateEncodingFlag>(line.c_str());
  ASSERT_FALSE(parsed.HasParseError());
  EXPECT_EQ(std::string(parsed["message"].GetString()), std::string(kMaxMessageBytes - 1, 'x'));
  EXPECT_EQ(std::string(parsed["identity"].GetString()), "bad\xef\xbf\xbd");
}

TEST(ChainTest, Sha256OfKnownInput) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace trialgate::audit
