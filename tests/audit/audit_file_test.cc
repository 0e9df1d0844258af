#include "gateway/audit/audit_file.h"

#include <sys/stat.h>

#include "gateway/audit/audit_log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/audit/audit_test_support.h"

namespace trialgate::audit {
namespace {

using ::testing::HasSubstr;

void WriteRecords(const std::string& path, int count) {
  absl::StatusOr<std::unique_ptr<AuditLog>> log = AuditLog::Open(path);
  ASSERT_TRUE(log.ok()) << log.status();
  for (int i = 0; i < count; ++i) ASSERT_TRUE((*log)->Append(testing::SampleRecord(i)).ok());
}

TEST(AuditFileTest, NewLogIsPrivateToItsOwner) {
  testing::ScratchDir dir;
  absl::StatusOr<OpenedAuditFile> file = OpenAuditFile(dir.File("audit.log"));
  ASSERT_TRUE(file.ok()) << file.status();
  struct stat info;
  ASSERT_EQ(stat(dir.File("audit.log").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(file->position.records, 0u);
  EXPECT_EQ(file->position.head, kGenesisHash);
}

TEST(AuditFileTest, SecondOpenerIsRefusedWhileTheFirstHoldsTheLog) {
  testing::ScratchDir dir;
  absl::StatusOr<OpenedAuditFile> first = OpenAuditFile(dir.File("audit.log"));
  ASSERT_TRUE(first.ok());
  absl::StatusOr<OpenedAuditFile> second = OpenAuditFile(dir.File("audit.log"));
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(second.status().message(), HasSubstr("in use"));
  first->sink.reset();
  EXPECT_TRUE(OpenAuditFile(dir.File("audit.log")).ok());
}

TEST(AuditFileTest, TornLastLineIsCutAndTheChainContinues) {
  testing::ScratchDir dir;
  const std::string path = dir.File("audit.log");
  WriteRecords(path, 3);
  const std::string whole = testing::ReadAll(path);
  testing::WriteAll(path, whole + whole.substr(0, 50));  // a crash 50 bytes into record 4
  WriteRecords(path, 2);
  absl::StatusOr<ChainReport> report = VerifyChainFile(path);
  EXPECT_TRUE(report->intact) << report->problem;
  EXPECT_EQ(report->good.records, 5u);
  EXPECT_EQ(testing::ReadAll(path).substr(0, whole.size()), whole);
}

TEST(AuditFileTest, DamagedLogRefusesToOpenAndIsLeftAlone) {
  testing::ScratchDir dir;
  const std::string path = dir.File("audit.log");
  WriteRecords(path, 3);
  std::vector<std::string> lines = testing::Lines(testing::ReadAll(path));
  lines.erase(lines.begin() + 1);
  const std::string tampered = testing::Join(lines);
  testing::WriteAll(path, tampered);
  absl::StatusOr<OpenedAuditFile> file = OpenAuditFile(path);
  EXPECT_EQ(file.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(file.status().message(), HasSubstr("line 2"));
  EXPECT_THAT(file.status().message(), HasSubstr("move it aside"));
  EXPECT_EQ(testing::ReadAll(path), tampered);
}

}  // namespace
}  // namespace trialgate::audit
