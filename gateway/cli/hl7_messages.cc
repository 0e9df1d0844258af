#include "gateway/cli/hl7_messages.h"

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "gateway/cli/input.h"
#include "gateway/hl7v2/mllp_framer.h"

namespace trialgate::cli {

std::vector<std::string> SplitHl7Messages(const std::string& bytes) {
  std::vector<std::string> messages;
  if (bytes.find(hl7v2::kStartBlock) != std::string::npos) {
    hl7v2::MllpFramer framer;
    for (hl7v2::MllpEvent& event : framer.Feed(bytes)) {
      if (event.kind == hl7v2::MllpEvent::Kind::kMessage) messages.push_back(std::move(event.payload));
    }
    return messages;
  }
  bool open = false;
  for (absl::string_view line : absl::StrSplit(bytes, absl::ByAnyChar("\r\n"))) {
    absl::string_view id = line.substr(0, 3);
    if (line.empty()) {
      // A CR LF pair yields one empty piece; a blank line at least two in a row. Closing on
      // any empty piece is harmless: a message's next line re-opens only at MSH.
      open = false;
      continue;
    }
    if (id == "FHS" || id == "BHS" || id == "BTS" || id == "FTS") continue;
    if (id == "MSH" || absl::StartsWith(line, "\xEF\xBB\xBFMSH") || !open) {
      messages.emplace_back();
      open = true;
    }
    messages.back().append(line.data(), line.size());
    messages.back().push_back('\r');
  }
  return messages;
}

bool ReadHl7Messages(const std::string& file, std::vector<std::string>* messages) {
  std::string bytes;
  if (!ReadInput(file, &bytes)) return false;
  *messages = SplitHl7Messages(bytes);
  return true;
}

}  // namespace trialgate::cli
