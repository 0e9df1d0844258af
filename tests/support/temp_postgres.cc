#include "tests/support/temp_postgres.h"

#include <fcntl.h>
#include <pwd.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gateway/common/status_macros.h"
#include "libpq-fe.h"

extern char** environ;

namespace trialgate::testing {
namespace {

// Where Debian's postgresql-NN packages put each major version's server programs.
constexpr char kPostgresLib[] = "/usr/lib/postgresql";
// The socket is private to the directory, so the default port cannot clash.
constexpr int kPort = 5432;
constexpr char kSuperuser[] = "postgres";

// The end of a log for error messages: its last 2 KB, from a line start when there is one.
std::string Tail(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  std::string text = content.str();
  constexpr size_t kBytes = 2048;
  if (text.size() <= kBytes) return text;
  text.erase(0, text.size() - kBytes);
  const size_t newline = text.find('\n');
  if (newline != std::string::npos && newline + 1 < text.size()) text.erase(0, newline + 1);
  return "...\n" + text;
}

// The major (and minor, before 10) version a directory under kPostgresLib is named after;
// empty when it is not a version.
std::vector<int> ParseVersion(const std::string& name) {
  std::vector<int> version;
  for (absl::string_view part : absl::StrSplit(name, '.')) {
    int number = 0;
    if (!absl::SimpleAtoi(part, &number)) return {};
    version.push_back(number);
  }
  return version;
}

// The bin directory of the newest server version installed, as pg_virtualenv picks it.
absl::StatusOr<std::filesystem::path> FindBinDir() {
  std::filesystem::path best;
  std::vector<int> best_version;
  std::error_code error;
  for (std::filesystem::directory_iterator it(kPostgresLib, error), end; !error && it != end;
       it.increment(error)) {
    const std::vector<int> version = ParseVersion(it->path().filename().string());
    const std::filesystem::path bin = it->path() / "bin";
    if (version.empty() || access((bin / "pg_ctl").c_str(), X_OK) != 0 ||
        access((bin / "initdb").c_str(), X_OK) != 0) {
      continue;
    }
    if (best.empty() || version > best_version) {
      best = bin;
      best_version = version;
    }
  }
  if (best.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no PostgreSQL server: no ", kPostgresLib, "/*/bin/pg_ctl; install Debian's package ",
        "postgresql-15 (deploy/install-deps.sh does)"));
  }
  return best;
}

// Characters the path may have: pg_ctl pastes it into a /bin/sh command line inside double
// quotes, and the server splits unix_socket_directories at commas and spaces.
bool IsPlainPath(const std::string& path) {
  for (char c : path) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && std::strchr("/._-+", c) == nullptr) {
      return false;
    }
  }
  return true;
}

// `text` as one word for /bin/sh: pg_ctl runs the server through a shell with -o's text.
std::string ShellQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

// RFC 3986 percent-encoding of everything but the unreserved characters.
std::string PercentEncode(const std::string& text) {
  std::string encoded;
  for (char c : text) {
    const unsigned char byte = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      encoded += c;
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      encoded += '%';
      encoded += kHex[byte >> 4];
      encoded += kHex[byte & 0xF];
    }
  }
  return encoded;
}

}  // namespace

TempPostgres::TempPostgres(TempPostgresOptions options, std::filesystem::path bin_dir)
    : options_(std::move(options)), bin_dir_(std::move(bin_dir)), port_(kPort) {}

TempPostgres::~TempPostgres() {
  if (dir_.empty()) return;
  // Also after a start that failed half-way (pg_ctl gave up waiting on a server that runs).
  std::error_code ignored;
  if (running_ || std::filesystem::exists(dir_ / "data" / "postmaster.pid", ignored)) {
    (void)StopServer(StopMode::kImmediate);
  }
  std::filesystem::remove_all(dir_, ignored);
}

absl::StatusOr<std::unique_ptr<TempPostgres>> TempPostgres::Start(TempPostgresOptions options) {
  ASSIGN_OR_RETURN(std::filesystem::path bin_dir, FindBinDir());
  std::unique_ptr<TempPostgres> server(new TempPostgres(std::move(options), std::move(bin_dir)));
  // On failure the destructor stops whatever started and removes the directory.
  RETURN_IF_ERROR(server->Create());
  return server;
}

absl::Status TempPostgres::Create() {
  uid_t uid = geteuid();
  gid_t gid = getegid();
  if (uid == 0) {
    for (const char* candidate : {"/usr/sbin/runuser", "/sbin/runuser"}) {
      if (access(candidate, X_OK) == 0) {
        runuser_ = candidate;
        break;
      }
    }
    if (runuser_.empty()) {
      return absl::FailedPreconditionError(
          "running as root, the server must run as the postgres user, through runuser "
          "(util-linux), which is missing");
    }
    passwd entry;
    passwd* found = nullptr;
    std::vector<char> buffer(16384);
    if (getpwnam_r(kSuperuser, &entry, buffer.data(), buffer.size(), &found) != 0 ||
        found == nullptr) {
      return absl::FailedPreconditionError(
          "running as root, the server must run as the postgres system user, which does not "
          "exist: install Debian's package postgresql-15 (its postgresql-common creates it)");
    }
    uid = entry.pw_uid;
    gid = entry.pw_gid;
  }

  std::string pattern = std::filesystem::temp_directory_path() / "trialgate-pg-XXXXXX";
  // sun_path holds the socket's path with its NUL: 108 bytes on Linux.
  const size_t socket_path_length =
      pattern.size() + std::strlen("/.s.PGSQL.") + std::to_string(port_).size();
  if (socket_path_length >= sizeof(sockaddr_un::sun_path)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the server's socket under ", pattern, " would have a path of ", socket_path_length,
        " bytes, over the ", sizeof(sockaddr_un::sun_path) - 1,
        " a Unix socket allows: set TMPDIR to a shorter directory"));
  }
  if (!IsPlainPath(pattern)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the temporary directory ", pattern, " has characters pg_ctl's shell command or ",
        "unix_socket_directories would misread: set TMPDIR to a plain path"));
  }
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp ", pattern, ": ", strerror(errno)));
  }
  dir_ = pattern;
  // initdb insists on owning the cluster's parent; 0700: nobody else reaches the socket.
  if (chown(dir_.c_str(), uid, gid) != 0 || chmod(dir_.c_str(), 0700) != 0) {
    return absl::InternalError(absl::StrCat("chown/chmod ", dir_.string(), ": ", strerror(errno)));
  }

  // --no-sync: a throw-away cluster need not survive a power cut.
  RETURN_IF_ERROR(Run({(bin_dir_ / "initdb").string(), "-D", (dir_ / "data").string(), "-A",
                       "trust", "-U", kSuperuser, "-E", "UTF8", "--no-locale", "--no-sync"},
                      "initdb.log"));
  RETURN_IF_ERROR(StartServer());
  return CreateDatabase();
}

absl::Status TempPostgres::StartServer() {
  std::vector<std::string> settings = {
      "listen_addresses=",  // no TCP: the socket only
      absl::StrCat("unix_socket_directories=", dir_.string()),
      absl::StrCat("port=", port_),
  };
  if (!options_.fsync) settings.push_back("fsync=off");
  settings.insert(settings.end(), options_.server_options.begin(),
                  options_.server_options.end());
  std::vector<std::string> words;
  for (const std::string& setting : settings) words.push_back("-c " + ShellQuote(setting));

  absl::Status started = Run({(bin_dir_ / "pg_ctl").string(), "-w", "-D",
                              (dir_ / "data").string(), "-l", (dir_ / "server.log").string(),
                              "-o", absl::StrJoin(words, " "), "start"},
                             "pg_ctl.log");
  if (!started.ok()) {
    // pg_ctl may have given up on a server that still starts.
    std::error_code ignored;
    if (std::filesystem::exists(dir_ / "data" / "postmaster.pid", ignored)) {
      (void)StopServer(StopMode::kImmediate);
    }
    return absl::InternalError(absl::StrCat(started.message(), "\nserver.log:\n",
                                            Tail(dir_ / "server.log")));
  }
  running_ = true;
  return absl::OkStatus();
}

absl::Status TempPostgres::StopServer(StopMode mode) {
  absl::Status stopped =
      Run({(bin_dir_ / "pg_ctl").string(), "-D", (dir_ / "data").string(), "-m",
           mode == StopMode::kFast ? "fast" : "immediate", "-w", "stop"},
          "pg_ctl.log");
  if (stopped.ok()) running_ = false;
  return stopped;
}

absl::Status TempPostgres::Stop(StopMode mode) {
  if (!running_) return absl::FailedPreconditionError("the server is not running");
  return StopServer(mode);
}

absl::Status TempPostgres::Restart(StopMode mode) {
  if (running_) RETURN_IF_ERROR(StopServer(mode));
  return StartServer();
}

absl::Status TempPostgres::CreateDatabase() {
  PGconn* connection = PQconnectdb(Conninfo("postgres").c_str());
  absl::Status status;
  if (PQstatus(connection) != CONNECTION_OK) {
    status = absl::InternalError(
        absl::StrCat("connecting to the new server: ", PQerrorMessage(connection)));
  } else {
    PGresult* result = PQexec(connection, "CREATE DATABASE trialgate");
    if (PQresultStatus(result) != PGRES_COMMAND_OK) {
      status = absl::InternalError(
          absl::StrCat("CREATE DATABASE trialgate: ", PQresultErrorMessage(result)));
    }
    PQclear(result);
  }
  PQfinish(connection);
  return status;
}

absl::Status TempPostgres::Run(std::vector<std::string> argv, const std::string& log_name) const {
  if (!runuser_.empty()) {
    argv.insert(argv.begin(), {runuser_.string(), "-u", kSuperuser, "--"});
  }
  const std::filesystem::path log = dir_ / log_name;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  // The postgres user may not be allowed into our working directory (pg_ctl and initdb look it
  // up); and the daemonised server must not keep our other descriptors (a test runner's pipes)
  // open.
  posix_spawn_file_actions_addchdir_np(&actions, dir_.c_str());
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  std::vector<char*> args;
  for (std::string& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  pid_t pid = -1;
  const int error = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) return absl::InternalError(absl::StrCat(argv[0], ": ", strerror(error)));
  int wait_status = 0;
  while (waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0) {
    return absl::InternalError(absl::StrCat(
        absl::StrJoin(argv, " "), " failed (",
        WIFEXITED(wait_status) ? absl::StrCat("exit status ", WEXITSTATUS(wait_status))
                               : absl::StrCat("signal ", WTERMSIG(wait_status)),
        "); ", log_name, ":\n", Tail(log)));
  }
  return absl::OkStatus();
}

std::string TempPostgres::Conninfo(const std::string& dbname) const {
  // The directory is a plain path (IsPlainPath): no quoting needed.
  return absl::StrCat("host=", dir_.string(), " port=", port_, " user=", kSuperuser,
                      " dbname=", dbname);
}

std::string TempPostgres::conninfo() const { return Conninfo("trialgate"); }

std::string TempPostgres::uri() const {
  return absl::StrCat("postgresql://", kSuperuser, "@/trialgate?host=",
                      PercentEncode(dir_.string()), "&port=", port_);
}

}  // namespace trialgate::testing
