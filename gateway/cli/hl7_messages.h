#ifndef TRIALGATE_GATEWAY_CLI_HL7_MESSAGES_H_
#define TRIALGATE_GATEWAY_CLI_HL7_MESSAGES_H_

#include <string>
#include <vector>

// How the `trialgate hl7` commands find the messages in a file.
namespace trialgate::cli {

// The messages of a file's bytes: MLLP frames when it holds a VT byte; otherwise text in which
// a blank line or a line starting with MSH begins a new message (batch FHS/BHS/BTS/FTS lines
// are skipped), each segment then ending in CR.
std::vector<std::string> SplitHl7Messages(const std::string& bytes);

// Reads `file` ("-": standard input) and splits it with SplitHl7Messages. False when it cannot
// be read.
bool ReadHl7Messages(const std::string& file, std::vector<std::string>* messages);

}  // namespace trialgate::cli

#endif  // TRIALGATE_GATEWAY_CLI_HL7_MESSAGES_H_
