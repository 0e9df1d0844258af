#include <chrono>
#include <iostream>

#include "gateway/cli/client.h"
#include "gateway/cli/commands.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/client_context.h"
#include "trialgate/v1/study.grpc.pb.h"

namespace trialgate::cli {

int RunTimeline(const TimelineOptions& options) {
  auto stub = v1::Study::NewStub(MakeChannel(options.connection));
  v1::GetTimelineRequest request;
  request.set_subject_id(options.subject);
  v1::Timeline timeline;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(1));
  const grpc::Status status = stub->GetTimeline(&context, request, &timeline);
  if (!status.ok()) {
    std::cerr << "timeline failed: " << DescribeStatus(status) << "\n";
    return 1;
  }
  google::protobuf::util::JsonPrintOptions print;
  print.add_whitespace = true;  // one document for a person to read; jq reads it as well
  std::string json;
  google::protobuf::util::MessageToJsonString(timeline, &json, print);
  std::cout << json;
  return 0;
}

}  // namespace trialgate::cli
