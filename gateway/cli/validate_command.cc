#include <chrono>
#include <iostream>

#include "gateway/cli/client.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/input.h"
#include "grpcpp/client_context.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "trialgate/v1/gateway.grpc.pb.h"

namespace trialgate::cli {

int RunValidate(const ValidateOptions& options) {
  auto stub = v1::Gateway::NewStub(MakeChannel(options.connection));
  bool any_invalid = false;
  for (const std::string& file : options.files) {
    rapidjson::StringBuffer line;
    rapidjson::Writer<rapidjson::StringBuffer> out(line);
    out.StartObject();
    out.Key("file");
    out.String(file);
    v1::ValidateRequest request;
    v1::ValidateResponse response;
    request.set_profile(options.profile);
    grpc::Status status;
    if (!ReadInput(file, request.mutable_body())) {
      status = grpc::Status(grpc::StatusCode::NOT_FOUND, "cannot read the file");
    } else {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(5));
      status = stub->Validate(&context, request, &response);
    }
    out.Key("valid");
    out.Bool(status.ok() && response.valid());
    if (!status.ok()) {
      out.Key("error");
      out.String(DescribeStatus(status));
    } else {
      out.Key("operationOutcome");
      out.RawValue(response.operation_outcome().data(), response.operation_outcome().size(),
                   rapidjson::kObjectType);
    }
    out.EndObject();
    std::cout << std::string(line.GetString(), line.GetSize()) << "\n";
    any_invalid = any_invalid || !status.ok() || !response.valid();
  }
  std::cout.flush();
  return any_invalid ? 1 : 0;
}

}  // namespace trialgate::cli
