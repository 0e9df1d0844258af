// PgPipeline's prepared statements against a real PostgreSQL: each connection prepares a
// statement once, in the round trip that first runs it, and a Parse the server skipped (after
// an earlier statement failed) is sent again next time.

#include <memory>
#include <string>
#include <vector>

#include "gateway/store/postgres_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_postgres.h"

namespace trialgate::store {
namespace {

constexpr PgStatement kDouble{"test_double", "SELECT $1::bigint * 2"};

// One server for the test process: each test opens connections (sessions) of its own.
class PgPipelineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<testing::TempPostgres>> server = testing::TempPostgres::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(server_, nullptr); }

  PgConnPtr Connect() {
    absl::StatusOr<PgConnPtr> conn = PgConnect(server_->conninfo());
    EXPECT_TRUE(conn.ok()) << conn.status();
    return conn.ok() ? *std::move(conn) : nullptr;
  }

  // How many statements the connection's session has prepared (the server's own view).
  static int64_t PreparedCount(PGconn* conn) {
    absl::StatusOr<PgResultPtr> count =
        PgExec(conn, "SELECT count(*) FROM pg_prepared_statements", {}, "count");
    EXPECT_TRUE(count.ok()) << count.status();
    return count.ok() ? PgInt(count->get(), 0, 0) : -1;
  }

  static testing::TempPostgres* server_;
};

testing::TempPostgres* PgPipelineTest::server_ = nullptr;

TEST_F(PgPipelineTest, AStatementIsPreparedOnceAndRunByNameAfter) {
  PgConnPtr conn = Connect();
  ASSERT_NE(conn, nullptr);
  for (int64_t i = 1; i <= 3; ++i) {
    absl::StatusOr<std::vector<PgResultPtr>> results =
        PgPipeline().Add(kDouble, PgParams().Int(i)).Run(conn.get(), "double");
    ASSERT_TRUE(results.ok()) << results.status();
    ASSERT_EQ(results->size(), 1u);
    EXPECT_EQ(PgInt((*results)[0].get(), 0, 0), 2 * i);
  }
  EXPECT_EQ(PreparedCount(conn.get()), 1);
}

TEST_F(PgPipelineTest, TwiceInOnePipelineIsOneParse) {
  PgConnPtr conn = Connect();
  ASSERT_NE(conn, nullptr);
  absl::StatusOr<std::vector<PgResultPtr>> results = PgPipeline()
                                                         .Add(kDouble, PgParams().Int(5))
                                                         .Add(kDouble, PgParams().Int(7))
                                                         .Run(conn.get(), "double");
  ASSERT_TRUE(results.ok()) << results.status();  // a second Parse: "already exists"
  ASSERT_EQ(results->size(), 2u);
  EXPECT_EQ(PgInt((*results)[0].get(), 0, 0), 10);
  EXPECT_EQ(PgInt((*results)[1].get(), 0, 0), 14);
}

TEST_F(PgPipelineTest, AParseSkippedAfterAFailureIsSentAgain) {
  PgConnPtr conn = Connect();
  ASSERT_NE(conn, nullptr);
  absl::StatusOr<std::vector<PgResultPtr>> failed = PgPipeline()
                                                        .Add("SELECT 1 / 0")
                                                        .Add(kDouble, PgParams().Int(1))
                                                        .Run(conn.get(), "divide");
  ASSERT_FALSE(failed.ok());
  EXPECT_THAT(std::string(failed.status().message()),
              ::testing::HasSubstr("statement 1 of 2"));
  EXPECT_EQ(PreparedCount(conn.get()), 0) << "the server skipped the Parse";

  absl::StatusOr<std::vector<PgResultPtr>> again =
      PgPipeline().Add(kDouble, PgParams().Int(21)).Run(conn.get(), "double");
  ASSERT_TRUE(again.ok()) << again.status();  // not "prepared statement does not exist"
  EXPECT_EQ(PgInt((*again)[0].get(), 0, 0), 42);
}

TEST_F(PgPipelineTest, APreparedStatementOutlivesARolledBackTransaction) {
  PgConnPtr conn = Connect();
  ASSERT_NE(conn, nullptr);
  absl::StatusOr<std::vector<PgResultPtr>> failed = PgPipeline()
                                                        .Add("BEGIN")
                                                        .Add(kDouble, PgParams().Int(1))
                                                        .Add("SELECT 1 / 0")
                                                        .Run(conn.get(), "divide");
  ASSERT_FALSE(failed.ok());
  PgRollback(conn.get());
  EXPECT_EQ(PreparedCount(conn.get()), 1);
  absl::StatusOr<std::vector<PgResultPtr>> again =
      PgPipeline().Add(kDouble, PgParams().Int(4)).Run(conn.get(), "double");
  ASSERT_TRUE(again.ok()) << again.status();  // not "already exists" either
  EXPECT_EQ(PgInt((*again)[0].get(), 0, 0), 8);
}

TEST_F(PgPipelineTest, EachConnectionPreparesItsOwn) {
  PgConnPtr first = Connect();
  ASSERT_NE(first, nullptr);
  ASSERT_TRUE(PgPipeline().Add(kDouble, PgParams().Int(1)).Run(first.get(), "double").ok());
  first.reset();
  PgConnPtr second = Connect();  // may reuse the first's address: its names must not carry over
  ASSERT_NE(second, nullptr);
  absl::StatusOr<std::vector<PgResultPtr>> results =
      PgPipeline().Add(kDouble, PgParams().Int(3)).Run(second.get(), "double");
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ(PgInt((*results)[0].get(), 0, 0), 6);
  EXPECT_EQ(PreparedCount(second.get()), 1);
}

}  // namespace
}  // namespace trialgate::store
