#ifndef TRIALGATE_GATEWAY_CLI_SERVER_PROCESS_H_
#define TRIALGATE_GATEWAY_CLI_SERVER_PROCESS_H_

#include <csignal>

namespace trialgate::cli {

// What the long-running commands (serve, registry-sink) share: SIGINT and SIGTERM are blocked
// before gRPC starts its threads (they inherit the mask), so that only WaitForStopSignal receives
// them and shutdown runs as ordinary code; logs go to stderr, because stdout carries only the
// "listening on" line scripts and tests read.
class ServerProcess {
 public:
  // Blocks the stop signals and logs to stderr as `logger_name`.
  explicit ServerProcess(const char* logger_name);
  // Waits for SIGINT or SIGTERM and logs it.
  void WaitForStopSignal();

 private:
  sigset_t stop_signals_;
};

}  // namespace trialgate::cli

#endif  // TRIALGATE_GATEWAY_CLI_SERVER_PROCESS_H_
