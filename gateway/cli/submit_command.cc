#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "gateway/cli/client.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/input.h"
#include "grpcpp/client_context.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "trialgate/v1/gateway.grpc.pb.h"

namespace trialgate::cli {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// Embeds an OperationOutcome (JSON text from the server) as an object, not as a string.
void WriteOperationOutcome(JsonWriter& writer, const std::string& json) {
  if (json.empty()) return;
  writer.Key("operationOutcome");
  writer.RawValue(json.data(), json.size(), rapidjson::kObjectType);
}

const char* OutcomeName(v1::EntryOutcome::Outcome outcome) {
  switch (outcome) {
    case v1::EntryOutcome::ACCEPTED:
      return "accepted";
    case v1::EntryOutcome::DUPLICATE:
      return "duplicate";
    default:
      return "rejected";
  }
}

void PrintLine(const rapidjson::StringBuffer& buffer) {
  std::cout << std::string_view(buffer.GetString(), buffer.GetSize()) << "\n";
}

// The line for a file whose body was refused as a whole (or could not be sent at all).
void PrintFileFailure(const std::string& file, const std::string& error,
                      const std::string& operation_outcome) {
  rapidjson::StringBuffer line;
  JsonWriter out(line);
  out.StartObject();
  out.Key("file");
  out.String(file);
  out.Key("entry");
  out.Null();
  out.Key("outcome");
  out.String("rejected");
  out.Key("error");
  out.String(error);
  WriteOperationOutcome(out, operation_outcome);
  out.EndObject();
  PrintLine(line);
}

void PrintEntry(const std::string& file, const v1::EntryOutcome& entry) {
  rapidjson::StringBuffer line;
  JsonWriter out(line);
  out.StartObject();
  out.Key("file");
  out.String(file);
  out.Key("entry");
  out.Int(entry.entry());
  out.Key("outcome");
  out.String(OutcomeName(entry.outcome()));
  out.Key("resourceType");
  out.String(entry.resource_type());
  out.Key("eventIds");
  out.StartArray();
  for (const std::string& id : entry.event_ids()) out.String(id);
  out.EndArray();
  WriteOperationOutcome(out, entry.operation_outcome());
  out.EndObject();
  PrintLine(line);
}

}  // namespace

int RunSubmit(const SubmitOptions& options) {
  auto stub = v1::Gateway::NewStub(MakeChannel(options.connection));
  bool any_rejected = false;
  for (const std::string& file : options.files) {
    std::string body;
    if (!ReadInput(file, &body)) {
      PrintFileFailure(file, "cannot read the file", "");
      any_rejected = true;
      continue;
    }
    v1::SubmitRequest request;
    request.set_source_system(options.source);
    request.set_body(std::move(body));
    v1::SubmitResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(5));
    const grpc::Status status = stub->Submit(&context, request, &response);
    if (!status.ok()) {
      PrintFileFailure(file, DescribeStatus(status), OperationOutcomeOf(status));
      any_rejected = true;
      continue;
    }
    for (const v1::EntryOutcome& entry : response.entries()) {
      PrintEntry(file, entry);
      any_rejected = any_rejected || entry.outcome() == v1::EntryOutcome::REJECTED;
    }
  }
  std::cout.flush();
  return any_rejected ? 1 : 0;
}

}  // namespace trialgate::cli
