#include "tests/support/sink_process.h"

namespace trialgate::testing {

SinkProcess::SinkProcess(const std::filesystem::path& out_file,
                         const std::filesystem::path& log_file)
    : ListeningProcess({"registry-sink", "--listen", "127.0.0.1:0", "--out", out_file.string(),
                        "--insecure"},
                       log_file, /*append_log=*/true, "trialgate registry-sink listening on ") {}

}  // namespace trialgate::testing
