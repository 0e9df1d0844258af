#include "gateway/cli/server_process.h"

#include <pthread.h>

#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"

namespace trialgate::cli {

ServerProcess::ServerProcess(const char* logger_name) {
  sigemptyset(&stop_signals_);
  sigaddset(&stop_signals_, SIGINT);
  sigaddset(&stop_signals_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals_, nullptr);
  spdlog::set_default_logger(spdlog::stderr_color_mt(logger_name));
}

void ServerProcess::WaitForStopSignal() {
  int signal_number = 0;
  sigwait(&stop_signals_, &signal_number);
  spdlog::info("signal {} received: shutting down", signal_number);
}

}  // namespace trialgate::cli
