#ifndef TRIALGATE_TESTS_SUPPORT_GATEWAY_HARNESS_H_
#define TRIALGATE_TESTS_SUPPORT_GATEWAY_HARNESS_H_

// Helpers for integration tests: a real gateway on loopback port 0 (in this process or as a
// child process of the real binary) and a real gRPC client.

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gateway/config/config.h"
#include "gateway/server/gateway_server.h"
#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"
#include "rapidjson/document.h"
#include "trialgate/v1/feed.grpc.pb.h"
#include "trialgate/v1/gateway.grpc.pb.h"

namespace trialgate::testing {

// A fresh directory under the system temp dir, removed when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The contents of tests/integration/testdata/<name>.
std::string TestData(const std::string& name);
// Its path.
std::string TestDataPath(const std::string& name);

// The whole of a file (a log, a sink's output); "" when it cannot be read.
std::string ReadFile(const std::filesystem::path& path);

// A client of a gateway at `address`.
class GatewayClient {
 public:
  explicit GatewayClient(const std::string& address);  // plaintext
  GatewayClient(const std::string& address, std::shared_ptr<grpc::ChannelCredentials> credentials);

  // Unary Submit; *status receives the call's status.
  v1::SubmitResponse Submit(const std::string& body, const std::string& source,
                            grpc::Status* status);
  // Submit that must succeed at the call level (entries may still be rejected).
  v1::SubmitResponse SubmitOk(const std::string& body, const std::string& source = "hospital-a");
  // Pull without follow.
  std::vector<v1::Event> Pull(uint64_t after = 0, uint64_t limit = 0);

  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  v1::Gateway::Stub& gateway() { return *gateway_; }
  v1::EventFeed::Stub& feed() { return *feed_; }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Gateway::Stub> gateway_;
  std::unique_ptr<v1::EventFeed::Stub> feed_;
};

// A gateway running in this process on 127.0.0.1:0 with its data in `data_dir`, reading `clock`
// (which must outlive it; tests that move time pass a ManualClock).
std::unique_ptr<server::GatewayServer> StartInProcess(const std::filesystem::path& data_dir,
                                                      config::Config config = {},
                                                      const Clock& clock = SystemClock());

// The real `trialgate` binary run with `args` as a child process that prints one line
// `<listening_prefix>ADDRESS` on stdout once it listens. Its log (stderr) goes to `log_file`
// (appended to when `append_log`, else truncated) when one is given, else to the test's stderr.
// Killed with SIGKILL when destroyed, unless stopped before.
class ListeningProcess {
 public:
  ListeningProcess(std::vector<std::string> args, const std::filesystem::path& log_file,
                   bool append_log, const std::string& listening_prefix);
  ~ListeningProcess();

  const std::string& address() const { return address_; }
  // The MLLP listener's address, for a gateway that printed one.
  const std::string& mllp_address() const { return mllp_address_; }
  // The HTTP listener's address, for a gateway that printed one.
  const std::string& http_address() const { return http_address_; }
  // Ends the process with `signal` and waits for it; returns its wait status.
  int Stop(int signal);

 private:
  pid_t pid_ = -1;
  std::string address_;
  std::string mllp_address_;
  std::string http_address_;
};

// `trialgate serve` on 127.0.0.1:0; `config_file`, when given, is passed as --config.
class GatewayProcess : public ListeningProcess {
 public:
  explicit GatewayProcess(const std::filesystem::path& data_dir,
                          const std::filesystem::path& log_file = {},
                          const std::filesystem::path& config_file = {},
                          bool insecure = true);  // serve --insecure (plaintext)
};

// Polls `condition` every few milliseconds until it holds or 20 s pass; returns whether it holds.
// For state that changes on other threads or processes (delivery, a receiver).
bool Eventually(const std::function<bool()>& condition);

// What a run of the `trialgate` binary printed on stdout, line by line, and its exit code (-1
// when it did not exit normally). Its stderr is discarded.
struct CliRun {
  int exit_code;
  std::vector<std::string> lines;
};
CliRun RunCli(const std::string& arguments);

// Parses an OperationOutcome JSON string; fails the test if it is not one.
rapidjson::Document ParseOutcome(const std::string& json);

// The first issue of an OperationOutcome with `severity` ("error", "warning", ...), or nullptr.
// Validation warnings (e.g. dom-6, no narrative) may come before the issue a test is about.
const rapidjson::Value* FirstIssue(const rapidjson::Value& outcome, const std::string& severity);

// The OperationOutcome carried in a failed call's status details ("" if none).
std::string OutcomeOfStatus(const grpc::Status& status);

}  // namespace trialgate::testing

#endif  // TRIALGATE_TESTS_SUPPORT_GATEWAY_HARNESS_H_
