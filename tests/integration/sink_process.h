#ifndef TRIALGATE_TESTS_INTEGRATION_SINK_PROCESS_H_
#define TRIALGATE_TESTS_INTEGRATION_SINK_PROCESS_H_

#include <sys/types.h>

#include <filesystem>
#include <string>

namespace trialgate::testing {

// The real `trialgate registry-sink --listen 127.0.0.1:0 --out FILE` as a child process, its log
// (stderr) appended to `log_file`: what a registry operator runs.
class SinkProcess {
 public:
  SinkProcess(const std::filesystem::path& out_file, const std::filesystem::path& log_file);
  ~SinkProcess();

  const std::string& address() const { return address_; }

  // Sends `signal` and waits for the process; returns its wait status.
  int Stop(int signal);

 private:
  pid_t pid_ = -1;
  std::string address_;
};

}  // namespace trialgate::testing

#endif  // TRIALGATE_TESTS_INTEGRATION_SINK_PROCESS_H_
