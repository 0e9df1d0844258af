#ifndef TRIALGATE_GATEWAY_CLI_MAIN_CLI_H_
#define TRIALGATE_GATEWAY_CLI_MAIN_CLI_H_

namespace trialgate::cli {

// The `trialgate` command line: serve, submit, pull, bench. Returns the exit code.
int Main(int argc, char** argv);

}  // namespace trialgate::cli

#endif  // TRIALGATE_GATEWAY_CLI_MAIN_CLI_H_
