#include "tests/support/gateway_harness.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "gtest/gtest.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace trialgate::testing {

TempDir::TempDir() {
  std::random_device random;
  path_ = std::filesystem::temp_directory_path() /
          ("trialgate-test-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TestDataPath(const std::string& name) {
  return std::string(TRIALGATE_SOURCE_DIR) + "/tests/integration/testdata/" + name;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

std::string TestData(const std::string& name) {
  const std::string path = TestDataPath(name);
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing test data " << path;
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

GatewayClient::GatewayClient(const std::string& address)
    : GatewayClient(address, grpc::InsecureChannelCredentials()) {}

GatewayClient::GatewayClient(const std::string& address,
                             std::shared_ptr<grpc::ChannelCredentials> credentials) {
  grpc::ChannelArguments arguments;
  arguments.SetMaxSendMessageSize(-1);
  arguments.SetMaxReceiveMessageSize(-1);
  channel_ = grpc::CreateCustomChannel(address, std::move(credentials), arguments);
  gateway_ = v1::Gateway::NewStub(channel_);
  feed_ = v1::EventFeed::NewStub(channel_);
}

v1::SubmitResponse GatewayClient::Submit(const std::string& body, const std::string& source,
                                         grpc::Status* status) {
  v1::SubmitRequest request;
  request.set_source_system(source);
  request.set_body(body);
  v1::SubmitResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  *status = gateway_->Submit(&context, request, &response);
  return response;
}

v1::SubmitResponse GatewayClient::SubmitOk(const std::string& body, const std::string& source) {
  grpc::Status status;
  v1::SubmitResponse response = Submit(body, source, &status);
  EXPECT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
  return response;
}

std::vector<v1::Event> GatewayClient::Pull(uint64_t after, uint64_t limit) {
  v1::PullRequest request;
  request.set_after(after);
  request.set_limit(limit);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  auto reader = feed_->Pull(&context, request);
  std::vector<v1::Event> events;
  v1::Event event;
  while (reader->Read(&event)) events.push_back(event);
  const grpc::Status status = reader->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
  return events;
}

std::unique_ptr<server::GatewayServer> StartInProcess(const std::filesystem::path& data_dir,
                                                      config::Config config,
                                                      const Clock& clock) {
  config.listen = "127.0.0.1:0";
  if (config.mllp.enabled()) config.mllp.listen = "127.0.0.1:0";
  if (config.http.enabled()) config.http.listen = "127.0.0.1:0";
  config.data_dir = data_dir.string();
  if (!config.tls.configured()) config.insecure = true;
  absl::StatusOr<std::unique_ptr<server::GatewayServer>> server =
      server::GatewayServer::Start(config, clock);
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

namespace {

std::vector<std::string> ServeArgs(const std::filesystem::path& data_dir,
                                   const std::filesystem::path& config_file, bool insecure) {
  std::vector<std::string> args = {"serve",          "--listen",      "127.0.0.1:0",
                                   "--mllp-listen",  "127.0.0.1:0",   "--http-listen",
                                   "127.0.0.1:0",    "--data",        data_dir.string()};
  if (!config_file.empty()) args.insert(args.end(), {"--config", config_file.string()});
  if (insecure) args.push_back("--insecure");
  return args;
}

}  // namespace

ListeningProcess::ListeningProcess(std::vector<std::string> args,
                                   const std::filesystem::path& log_file, bool append_log,
                                   const std::string& listening_prefix) {
  int out[2];
  if (::pipe(out) != 0) {
    ADD_FAILURE() << "pipe failed";
    return;
  }
  args.insert(args.begin(), TRIALGATE_BINARY);
  pid_ = ::fork();
  if (pid_ == 0) {
    if (!log_file.empty()) {
      const int log = ::open(log_file.c_str(),
                             O_WRONLY | O_CREAT | (append_log ? O_APPEND : O_TRUNC), 0600);
      if (log < 0) ::_exit(126);
      ::dup2(log, STDERR_FILENO);
      ::close(log);
    }
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    ::execv(TRIALGATE_BINARY, argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  // Once it listens, the process prints `<listening_prefix>ADDRESS` as its last line on stdout;
  // a gateway prints its MLLP and HTTP addresses before it.
  FILE* stream = ::fdopen(out[0], "r");
  char buffer[512] = {0};
  constexpr std::string_view kMllpPrefix = "trialgate mllp listening on ";
  constexpr std::string_view kHttpPrefix = "trialgate http listening on ";
  while (std::fgets(buffer, sizeof buffer, stream) != nullptr) {
    std::string line(buffer);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (line.starts_with(kMllpPrefix)) {
      mllp_address_ = line.substr(kMllpPrefix.size());
      continue;
    }
    if (line.starts_with(kHttpPrefix)) {
      http_address_ = line.substr(kHttpPrefix.size());
      continue;
    }
    if (line.starts_with(listening_prefix)) address_ = line.substr(listening_prefix.size());
    break;
  }
  std::fclose(stream);
  EXPECT_FALSE(address_.empty()) << "`trialgate " << args[1] << "` did not report its address";
}

ListeningProcess::~ListeningProcess() {
  if (pid_ > 0) Stop(SIGKILL);
}

int ListeningProcess::Stop(int signal) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, signal);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

GatewayProcess::GatewayProcess(const std::filesystem::path& data_dir,
                               const std::filesystem::path& log_file,
                               const std::filesystem::path& config_file, bool insecure)
    : ListeningProcess(ServeArgs(data_dir, config_file, insecure), log_file,
                       /*append_log=*/false, "trialgate listening on ") {}

bool Eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

CliRun RunCli(const std::string& arguments) {
  const std::string command = std::string(TRIALGATE_BINARY) + " " + arguments + " 2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  CliRun run{-1, {}};
  if (pipe == nullptr) return run;
  char buffer[1 << 16];
  std::string line;
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
    line += buffer;
    if (!line.empty() && line.back() == '\n') {
      line.pop_back();
      run.lines.push_back(line);
      line.clear();
    }
  }
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

rapidjson::Document ParseOutcome(const std::string& json) {
  rapidjson::Document document;
  document.Parse(json.c_str());
  EXPECT_FALSE(document.HasParseError()) << json;
  EXPECT_TRUE(document.IsObject() && document.HasMember("resourceType") &&
              std::string(document["resourceType"].GetString()) == "OperationOutcome")
      << json;
  return document;
}

const rapidjson::Value* FirstIssue(const rapidjson::Value& outcome, const std::string& severity) {
  if (!outcome.IsObject() || !outcome.HasMember("issue") || !outcome["issue"].IsArray()) {
    return nullptr;
  }
  for (const rapidjson::Value& issue : outcome["issue"].GetArray()) {
    if (issue.HasMember("severity") && issue["severity"].GetString() == severity) return &issue;
  }
  return nullptr;
}

std::string OutcomeOfStatus(const grpc::Status& status) {
  v1::RpcStatus rpc_status;
  if (!rpc_status.ParseFromString(status.error_details())) return "";
  for (const auto& any : rpc_status.details()) {
    v1::OperationOutcomeDetail detail;
    if (any.UnpackTo(&detail)) return detail.operation_outcome();
  }
  return "";
}

}  // namespace trialgate::testing
