#ifndef TRIALGATE_TESTS_SUPPORT_SINK_PROCESS_H_
#define TRIALGATE_TESTS_SUPPORT_SINK_PROCESS_H_

#include <filesystem>

#include "tests/support/gateway_harness.h"

namespace trialgate::testing {

// The real `trialgate registry-sink --listen 127.0.0.1:0 --out FILE` as a child process, its log
// (stderr) appended to `log_file`: what a registry operator runs.
class SinkProcess : public ListeningProcess {
 public:
  SinkProcess(const std::filesystem::path& out_file, const std::filesystem::path& log_file);
};

}  // namespace trialgate::testing

#endif  // TRIALGATE_TESTS_SUPPORT_SINK_PROCESS_H_
