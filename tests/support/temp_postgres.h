#ifndef TRIALGATE_TESTS_SUPPORT_TEMP_POSTGRES_H_
#define TRIALGATE_TESTS_SUPPORT_TEMP_POSTGRES_H_

// A throw-away PostgreSQL server for tests and benchmarks: its own cluster in a fresh temporary
// directory, reachable only through a Unix socket in that directory, gone with the object.
//
// The server binaries are found as Debian's pg_virtualenv finds them: the newest
// /usr/lib/postgresql/<version>/bin (postgresql-15). Not whatever pg_ctl is on PATH, which need
// not be the server's.
//
// Why no port clash: the socket lives in the private directory, so every server can use the
// same port number (it only names the socket file) and concurrent tests cannot see each other.
//
// As root: initdb and the server refuse to run as root, so they run as the `postgres` system
// user (which postgresql-common creates) through runuser, and the directory is that user's. It
// must then be able to reach the directory: $TMPDIR, if set, has to be searchable by it.
//
// The directory (dir()): data/ the cluster; server.log the server's log; initdb.log and
// pg_ctl.log the tools' output; the socket .s.PGSQL.<port>.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace trialgate::testing {

struct TempPostgresOptions {
  // Off, tests do not need durability and commit much faster without it; benchmarks turn it on
  // to measure what a real server pays.
  bool fsync = false;
  // More server settings, each "name=value" (passed as `-c name=value`).
  std::vector<std::string> server_options;
};

// One server, with a database `trialgate` owned by the superuser `postgres` (trust
// authentication: no password). Not thread-safe. The destructor stops the server (immediate
// mode) if it runs and removes the directory.
class TempPostgres {
 public:
  enum class StopMode {
    kFast,       // `pg_ctl -m fast`: sessions end, then a clean shutdown with a checkpoint
    kImmediate,  // `pg_ctl -m immediate`: like a crash; the next start replays the WAL
  };

  // Creates the directory and the cluster, starts the server and creates the database.
  // FAILED_PRECONDITION when the server or, as root, the postgres user or runuser is missing, or
  // the temporary directory's path is unusable for a socket; INTERNAL when initdb, the server or
  // the database fails (the message quotes the end of the log). A failed start leaves no server
  // and no directory.
  static absl::StatusOr<std::unique_ptr<TempPostgres>> Start(TempPostgresOptions options = {});
  ~TempPostgres();
  TempPostgres(const TempPostgres&) = delete;
  TempPostgres& operator=(const TempPostgres&) = delete;

  // `pg_ctl stop -w` in `mode`. FAILED_PRECONDITION when the server is not running.
  absl::Status Stop(StopMode mode);
  // Stops the server in `mode` if it runs, then starts it again on the same directory and port
  // with the same options: the data survives (after kImmediate, through WAL replay).
  absl::Status Restart(StopMode mode);
  bool running() const { return running_; }

  // libpq's key/value connection string of the database: "host=<dir> port=<port> user=postgres
  // dbname=trialgate".
  std::string conninfo() const;
  // The same as a URI: "postgresql://postgres@/trialgate?host=<dir, percent-encoded>&port=<port>".
  std::string uri() const;
  const std::filesystem::path& dir() const { return dir_; }
  int port() const { return port_; }

 private:
  TempPostgres(TempPostgresOptions options, std::filesystem::path bin_dir);
  absl::Status Create();
  absl::Status StartServer();
  absl::Status StopServer(StopMode mode);
  absl::Status CreateDatabase();
  // Runs a server program to its end as the server's user, output appended to dir/`log_name`.
  absl::Status Run(std::vector<std::string> argv, const std::string& log_name) const;
  std::string Conninfo(const std::string& dbname) const;

  TempPostgresOptions options_;
  std::filesystem::path bin_dir_;
  std::filesystem::path dir_;
  int port_;
  // Root only: the tools run through runuser as the postgres user.
  std::filesystem::path runuser_;
  bool running_ = false;
};

}  // namespace trialgate::testing

#endif  // TRIALGATE_TESTS_SUPPORT_TEMP_POSTGRES_H_
