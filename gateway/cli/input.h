#ifndef TRIALGATE_GATEWAY_CLI_INPUT_H_
#define TRIALGATE_GATEWAY_CLI_INPUT_H_

#include <string>

namespace trialgate::cli {

// Reads a whole file, or standard input for "-", into *content. False if it cannot be read.
bool ReadInput(const std::string& file, std::string* content);

}  // namespace trialgate::cli

#endif  // TRIALGATE_GATEWAY_CLI_INPUT_H_
