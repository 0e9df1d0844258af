#include "tests/support/temp_postgres.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libpq-fe.h"

namespace trialgate::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A libpq connection closed at the end of the scope.
struct Connection {
  explicit Connection(const std::string& conninfo) : conn(PQconnectdb(conninfo.c_str())) {}
  ~Connection() { PQfinish(conn); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool ok() const { return PQstatus(conn) == CONNECTION_OK; }
  std::string error() const { return PQerrorMessage(conn); }

  // The first value of the first row of a query; nullopt (and a test failure) on an error.
  std::optional<std::string> Query(const char* sql) {
    PGresult* result = PQexec(conn, sql);
    std::optional<std::string> value;
    const ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_TUPLES_OK && PQntuples(result) > 0) {
      value = PQgetvalue(result, 0, 0);
    } else if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
      value = "";
    } else {
      ADD_FAILURE() << sql << ": " << PQresultErrorMessage(result);
    }
    PQclear(result);
    return value;
  }

  PGconn* conn;
};

std::unique_ptr<TempPostgres> StartOrDie(TempPostgresOptions options = {}) {
  absl::StatusOr<std::unique_ptr<TempPostgres>> server = TempPostgres::Start(std::move(options));
  if (!server.ok()) {
    ADD_FAILURE() << server.status();
    return nullptr;
  }
  return *std::move(server);
}

TEST(TempPostgresTest, ServesTheDatabaseByConninfoAndUriWithTheOptions) {
  std::unique_ptr<TempPostgres> server =
      StartOrDie({.server_options = {"work_mem=8MB", "application_name=it's mine"}});
  ASSERT_NE(server, nullptr);
  EXPECT_TRUE(server->running());
  EXPECT_EQ(server->conninfo(), "host=" + server->dir().string() + " port=" +
                                    std::to_string(server->port()) +
                                    " user=postgres dbname=trialgate");
  EXPECT_LT(server->dir().string().size() + 20, 108u);

  Connection by_conninfo(server->conninfo());
  ASSERT_TRUE(by_conninfo.ok()) << by_conninfo.error();
  EXPECT_EQ(by_conninfo.Query("SELECT 1"), "1");
  EXPECT_EQ(by_conninfo.Query("SELECT current_database()"), "trialgate");
  EXPECT_EQ(by_conninfo.Query("SELECT pg_get_userbyid(datdba) FROM pg_database "
                              "WHERE datname = 'trialgate'"),
            "postgres");
  EXPECT_EQ(by_conninfo.Query("SHOW fsync"), "off");
  EXPECT_EQ(by_conninfo.Query("SHOW listen_addresses"), "");
  // The extra settings arrive, even one with a quote and a space (pg_ctl runs a shell).
  EXPECT_EQ(by_conninfo.Query("SHOW work_mem"), "8MB");
  EXPECT_EQ(by_conninfo.Query("SHOW application_name"), "it's mine");
  EXPECT_EQ(by_conninfo.Query("SHOW server_encoding"), "UTF8");

  EXPECT_THAT(server->uri(), HasSubstr("postgresql://postgres@/trialgate?host=%2F"));
  Connection by_uri(server->uri());
  ASSERT_TRUE(by_uri.ok()) << server->uri() << ": " << by_uri.error();
  EXPECT_EQ(by_uri.Query("SELECT current_database() || ' ' || current_user"),
            "trialgate postgres");
  EXPECT_EQ(std::string(PQhost(by_uri.conn)), server->dir().string());
}

TEST(TempPostgresTest, FsyncOnWhenAsked) {
  TempPostgresOptions options;
  options.fsync = true;
  std::unique_ptr<TempPostgres> server = StartOrDie(std::move(options));
  ASSERT_NE(server, nullptr);
  Connection connection(server->conninfo());
  ASSERT_TRUE(connection.ok()) << connection.error();
  EXPECT_EQ(connection.Query("SHOW fsync"), "on");
}

TEST(TempPostgresTest, DataSurvivesRestartsAndStopEndsTheServer) {
  std::unique_ptr<TempPostgres> server = StartOrDie();
  ASSERT_NE(server, nullptr);
  const std::filesystem::path dir = server->dir();
  {
    Connection connection(server->conninfo());
    ASSERT_TRUE(connection.ok()) << connection.error();
    connection.Query("CREATE TABLE events (id int PRIMARY KEY, body text)");
    connection.Query("INSERT INTO events VALUES (1, 'first')");
  }

  // Like a crash: the committed row comes back through WAL replay.
  ASSERT_TRUE(server->Restart(TempPostgres::StopMode::kImmediate).ok());
  {
    Connection connection(server->conninfo());
    ASSERT_TRUE(connection.ok()) << connection.error();
    EXPECT_EQ(connection.Query("SELECT body FROM events WHERE id = 1"), "first");
    connection.Query("INSERT INTO events VALUES (2, 'second')");
  }
  ASSERT_TRUE(server->Restart(TempPostgres::StopMode::kFast).ok());
  {
    Connection connection(server->conninfo());
    ASSERT_TRUE(connection.ok()) << connection.error();
    EXPECT_EQ(connection.Query("SELECT string_agg(body, ',' ORDER BY id) FROM events"),
              "first,second");
  }

  ASSERT_TRUE(server->Stop(TempPostgres::StopMode::kFast).ok());
  EXPECT_FALSE(server->running());
  EXPECT_EQ(server->Stop(TempPostgres::StopMode::kFast).code(),
            absl::StatusCode::kFailedPrecondition);
  {
    Connection connection(server->conninfo());
    EXPECT_FALSE(connection.ok());
  }
  // A stopped server starts again.
  ASSERT_TRUE(server->Restart(TempPostgres::StopMode::kFast).ok());
  {
    Connection connection(server->conninfo());
    ASSERT_TRUE(connection.ok()) << connection.error();
    EXPECT_EQ(connection.Query("SELECT count(*) FROM events"), "2");
  }

  EXPECT_TRUE(std::filesystem::exists(dir / "server.log"));
  server.reset();
  EXPECT_FALSE(std::filesystem::exists(dir));
}

// A temporary directory of its own (TMPDIR, for the time of the test), to see that a failed
// start leaves nothing in it. Searchable by all: as root, the server's user must reach into it.
class PrivateTmpdir {
 public:
  PrivateTmpdir() {
    const char* old = getenv("TMPDIR");
    if (old != nullptr) old_ = old;
    std::string pattern = "/tmp/tg-tmpdir-XXXXXX";
    EXPECT_NE(mkdtemp(pattern.data()), nullptr);
    chmod(pattern.c_str(), 0711);
    path_ = pattern;
    setenv("TMPDIR", path_.c_str(), 1);
  }
  ~PrivateTmpdir() {
    if (old_.has_value()) {
      setenv("TMPDIR", old_->c_str(), 1);
    } else {
      unsetenv("TMPDIR");
    }
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::optional<std::string> old_;
  std::filesystem::path path_;
};

TEST(TempPostgresTest, FailedStartSaysWhyAndLeavesNothingBehind) {
  PrivateTmpdir tmpdir;
  absl::StatusOr<std::unique_ptr<TempPostgres>> server =
      TempPostgres::Start({.server_options = {"no_such_setting=1"}});
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInternal);
  // The server's own complaint, from the end of its log.
  EXPECT_THAT(server.status().message(), HasSubstr("no_such_setting"));
  std::vector<std::filesystem::path> left;
  for (const auto& entry : std::filesystem::directory_iterator(tmpdir.path())) {
    left.push_back(entry.path());
  }
  EXPECT_THAT(left, IsEmpty());
}

TEST(TempPostgresTest, RefusesATemporaryDirectoryTooLongForASocket) {
  PrivateTmpdir tmpdir;
  const std::filesystem::path deep = tmpdir.path() / std::string(90, 'd');
  std::filesystem::create_directories(deep);
  setenv("TMPDIR", deep.c_str(), 1);
  absl::StatusOr<std::unique_ptr<TempPostgres>> server = TempPostgres::Start();
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(server.status().message(), HasSubstr("TMPDIR"));
  EXPECT_TRUE(std::filesystem::is_empty(deep));
}

}  // namespace
}  // namespace trialgate::testing
