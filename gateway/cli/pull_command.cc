#include <iostream>

#include "gateway/cli/client.h"
#include "gateway/cli/commands.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/client_context.h"
#include "trialgate/v1/feed.grpc.pb.h"

namespace trialgate::cli {

int RunPull(const PullOptions& options) {
  auto stub = v1::EventFeed::NewStub(MakeChannel(options.connection));
  v1::PullRequest request;
  request.set_after(options.after);
  request.set_follow(options.follow);
  request.set_limit(options.limit);
  grpc::ClientContext context;
  auto reader = stub->Pull(&context, request);
  v1::Event event;
  std::string line;
  while (reader->Read(&event)) {
    line.clear();
    google::protobuf::util::MessageToJsonString(event, &line);
    // Flushed per event, so a consumer of `pull --follow` sees each one as it commits.
    std::cout << line << std::endl;
  }
  const grpc::Status status = reader->Finish();
  if (!status.ok()) {
    std::cerr << "pull failed: " << DescribeStatus(status) << "\n";
    return 1;
  }
  return 0;
}

}  // namespace trialgate::cli
