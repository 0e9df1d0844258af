#include "tests/integration/sink_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include "gtest/gtest.h"

namespace trialgate::testing {

SinkProcess::SinkProcess(const std::filesystem::path& out_file,
                         const std::filesystem::path& log_file) {
  int out[2];
  if (::pipe(out) != 0) {
    ADD_FAILURE() << "pipe failed";
    return;
  }
  pid_ = ::fork();
  if (pid_ == 0) {
    const int log = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (log < 0) ::_exit(126);
    ::dup2(log, STDERR_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::execl(TRIALGATE_BINARY, TRIALGATE_BINARY, "registry-sink", "--listen", "127.0.0.1:0",
            "--out", out_file.c_str(), "--insecure", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  // The sink prints exactly one line on stdout once it listens.
  FILE* stream = ::fdopen(out[0], "r");
  char line[512] = {0};
  const std::string prefix = "trialgate registry-sink listening on ";
  if (std::fgets(line, sizeof line, stream) != nullptr && std::string(line).starts_with(prefix)) {
    address_ = std::string(line).substr(prefix.size());
    if (!address_.empty() && address_.back() == '\n') address_.pop_back();
  }
  std::fclose(stream);
  EXPECT_FALSE(address_.empty()) << "the sink did not report its address";
}

SinkProcess::~SinkProcess() { Stop(SIGKILL); }

int SinkProcess::Stop(int signal) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, signal);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

}  // namespace trialgate::testing
