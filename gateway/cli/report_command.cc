// `trialgate report`: the study's endpoints (Study.GetEndpoints) as JSON or as the
// self-contained HTML report, to stdout or atomically to a file.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <system_error>

#include "gateway/cli/client.h"
#include "gateway/cli/commands.h"
#include "gateway/report/dashboard.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/client_context.h"
#include "trialgate/v1/study.grpc.pb.h"

namespace trialgate::cli {
namespace {

// Writes `text` to a temporary file beside `path`, then renames it over `path`: a reader never
// sees half a report, and a failed run leaves the old file in place.
bool WriteAtomically(const std::string& path, const std::string& text, std::string* error) {
  const std::filesystem::path target(path);
  const std::filesystem::path temp =
      target.parent_path() / (target.filename().string() + ".tmp." + std::to_string(getpid()));
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      *error = "cannot write " + temp.string();
      std::error_code ignored;
      std::filesystem::remove(temp, ignored);
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(temp, target, ec);
  if (ec) {
    *error = "cannot rename " + temp.string() + " to " + path + ": " + ec.message();
    std::filesystem::remove(temp, ec);
    return false;
  }
  return true;
}

}  // namespace

int RunReport(const ReportOptions& options) {
  auto stub = v1::Study::NewStub(MakeChannel(options.connection));
  v1::GetEndpointsRequest request;
  request.set_data_cutoff(options.cutoff);
  v1::EndpointsReport endpoints;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(5));
  const grpc::Status status = stub->GetEndpoints(&context, request, &endpoints);
  if (!status.ok()) {
    std::cerr << "report failed: " << DescribeStatus(status) << "\n";
    return 1;
  }
  std::string text;
  if (options.format == "html") {
    absl::StatusOr<std::string> html = report::RenderReportHtml(endpoints);
    if (!html.ok()) {
      std::cerr << "report failed: cannot draw the report: " << html.status() << "\n";
      return 1;
    }
    text = *std::move(html);
  } else {
    // docs/endpoints.md: field names as in the proto, zero counts printed.
    google::protobuf::util::JsonPrintOptions print;
    print.add_whitespace = true;
    print.preserve_proto_field_names = true;
    print.always_print_primitive_fields = true;
    if (auto json = google::protobuf::util::MessageToJsonString(endpoints, &text, print); !json.ok()) {
      std::cerr << "report failed: cannot write JSON: " << json.ToString() << "\n";
      return 1;
    }
  }
  if (options.out.empty()) {
    std::cout << text;
    std::cout.flush();
    return std::cout ? 0 : 1;
  }
  std::string error;
  if (!WriteAtomically(options.out, text, &error)) {
    std::cerr << "report failed: " << error << "\n";
    return 1;
  }
  return 0;
}

}  // namespace trialgate::cli
