// `trialgate destinations` and `trialgate deadletters list|replay|discard`: the Delivery
// service for operators, one JSON line per destination or dead letter.
#include <chrono>
#include <iostream>

#include "gateway/cli/client.h"
#include "gateway/cli/commands.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/client_context.h"
#include "trialgate/v1/delivery.grpc.pb.h"

namespace trialgate::cli {
namespace {

void PrintLine(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions print;
  // Zero counts and cursors are information here ("0 pending"), not noise.
  print.always_print_primitive_fields = true;
  std::string line;
  google::protobuf::util::MessageToJsonString(message, &line, print);
  std::cout << line << "\n";
}

void SetDeadline(grpc::ClientContext* context) {
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(1));
}

int Failed(const char* what, const grpc::Status& status) {
  std::cerr << what << " failed: " << DescribeStatus(status) << "\n";
  return 1;
}

}  // namespace

int RunDestinations(const DestinationsOptions& options) {
  auto stub = v1::Delivery::NewStub(MakeChannel(options.connection));
  v1::ListDestinationsResponse response;
  grpc::ClientContext context;
  SetDeadline(&context);
  const grpc::Status status =
      stub->ListDestinations(&context, v1::ListDestinationsRequest(), &response);
  if (!status.ok()) return Failed("destinations", status);
  for (const v1::DestinationStatus& destination : response.destinations()) {
    PrintLine(destination);
  }
  return 0;
}

int RunDeadLetters(const DeadLettersOptions& options) {
  auto stub = v1::Delivery::NewStub(MakeChannel(options.connection));
  grpc::ClientContext context;
  SetDeadline(&context);
  if (options.action == "list") {
    v1::ListDeadLettersRequest request;
    request.set_destination(options.destination);
    request.set_subject_id(options.subject);
    request.set_include_discarded(options.include_discarded);
    request.set_limit(options.limit);
    v1::ListDeadLettersResponse response;
    const grpc::Status status = stub->ListDeadLetters(&context, request, &response);
    if (!status.ok()) return Failed("deadletters list", status);
    for (const v1::DeadLetter& dead_letter : response.dead_letters()) PrintLine(dead_letter);
    return 0;
  }
  v1::DeadLetterSelection selection;
  selection.set_destination(options.destination);
  for (uint64_t sequence : options.sequences) selection.add_sequences(sequence);
  selection.set_all(options.all);
  selection.set_subject_id(options.subject);
  v1::DeadLetterActionResponse response;
  const bool replay = options.action == "replay";
  const grpc::Status status = replay ? stub->ReplayDeadLetters(&context, selection, &response)
                                     : stub->DiscardDeadLetters(&context, selection, &response);
  if (!status.ok()) return Failed(replay ? "deadletters replay" : "deadletters discard", status);
  PrintLine(response);
  return 0;
}

}  // namespace trialgate::cli
