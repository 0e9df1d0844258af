#include "gateway/registry_sink/event_lines.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace trialgate::registry_sink {

absl::Status AppendEventLine(const v1::Event& event, std::string* out) {
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(event, &json);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot write event ", event.event_id(), " as JSON: ", status.ToString()));
  }
  absl::StrAppend(out, json, "\n");
  return absl::OkStatus();
}

absl::StatusOr<size_t> ParseEventLines(std::string_view content,
                                       absl::FunctionRef<void(v1::Event&&)> visit) {
  // A file written by a newer trialgate may carry event fields this one does not know: they
  // must not stop a restart.
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  size_t start = 0;
  size_t line_number = 0;
  while (start < content.size()) {
    const size_t end = content.find('\n', start);
    if (end == std::string_view::npos) break;  // torn last line
    ++line_number;
    const std::string_view line = content.substr(start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    v1::Event event;
    const auto status = google::protobuf::util::JsonStringToMessage(
        google::protobuf::StringPiece(line.data(), line.size()), &event, options);
    if (!status.ok()) {
      return absl::DataLossError(
          absl::StrCat("line ", line_number, " is not an event: ", status.ToString()));
    }
    if (event.event_id().empty()) {
      return absl::DataLossError(absl::StrCat("line ", line_number, " has no eventId"));
    }
    visit(std::move(event));
  }
  return start;
}

absl::StatusOr<std::vector<v1::Event>> ReadEventFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path.string()));
  std::stringstream content;
  content << in.rdbuf();
  std::vector<v1::Event> events;
  absl::StatusOr<size_t> parsed = ParseEventLines(
      content.view(), [&](v1::Event&& event) { events.push_back(std::move(event)); });
  if (!parsed.ok()) {
    return absl::Status(parsed.status().code(),
                        absl::StrCat(path.string(), ": ", parsed.status().message()));
  }
  return events;
}

}  // namespace trialgate::registry_sink
