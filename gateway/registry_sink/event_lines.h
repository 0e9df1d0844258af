#ifndef TRIALGATE_GATEWAY_REGISTRY_SINK_EVENT_LINES_H_
#define TRIALGATE_GATEWAY_REGISTRY_SINK_EVENT_LINES_H_

// The registry sink's file format: one event per line, protobuf's JSON mapping of
// trialgate.v1.Event (the same lines `trialgate pull` prints), each line ending in '\n'.
// A line without its '\n' is torn: the writer stopped mid-write, so it was never acknowledged.

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "trialgate/v1/events.pb.h"

namespace trialgate::registry_sink {

// Appends `event` to *out as one JSON line, '\n' included.
absl::Status AppendEventLine(const v1::Event& event, std::string* out);

// Parses every complete line of `content` in order, handing each event to `visit` (empty lines
// are skipped). Returns how many bytes the complete lines take, i.e. where a torn last line
// starts (content.size() when there is none). A complete line that is not an event with an
// event_id is an error naming its line number: that is damage, not an interrupted write.
absl::StatusOr<size_t> ParseEventLines(std::string_view content,
                                       absl::FunctionRef<void(v1::Event&&)> visit);

// The events of the complete lines of the file at `path` (a torn last line is left out).
absl::StatusOr<std::vector<v1::Event>> ReadEventFile(const std::filesystem::path& path);

}  // namespace trialgate::registry_sink

#endif  // TRIALGATE_GATEWAY_REGISTRY_SINK_EVENT_LINES_H_
