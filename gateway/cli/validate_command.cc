#include <chrono>
#include <functional>
#include <iostream>

#include "gateway/cli/client.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/input.h"
#include "gateway/cli/local_validation.h"
#include "grpcpp/client_context.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "trialgate/v1/gateway.grpc.pb.h"

namespace trialgate::cli {
namespace {

// One file's validation, by a gateway or in this process: the call's status and its answer.
using ValidateFn = std::function<grpc::Status(const v1::ValidateRequest&, v1::ValidateResponse*)>;

// {"file","valid","operationOutcome"} or {"file","valid":false,"error"}; returns whether valid.
bool PrintLine(const std::string& file, const grpc::Status& status,
               const v1::ValidateResponse& response) {
  rapidjson::StringBuffer line;
  rapidjson::Writer<rapidjson::StringBuffer> out(line);
  out.StartObject();
  out.Key("file");
  out.String(file);
  const bool valid = status.ok() && response.valid();
  out.Key("valid");
  out.Bool(valid);
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
  return valid;
}

int ValidateFiles(const ValidateOptions& options, const ValidateFn& validate) {
  bool any_invalid = false;
  for (const std::string& file : options.files) {
    v1::ValidateRequest request;
    v1::ValidateResponse response;
    request.set_profile(options.profile);
    const grpc::Status status =
        ReadInput(file, request.mutable_body())
            ? validate(request, &response)
            : grpc::Status(grpc::StatusCode::NOT_FOUND, "cannot read the file");
    any_invalid = !PrintLine(file, status, response) || any_invalid;
  }
  std::cout.flush();
  return any_invalid ? 1 : 0;
}

}  // namespace

int RunValidate(const ValidateOptions& options) {
  if (options.connection.target.empty()) {
    absl::StatusOr<std::unique_ptr<LocalValidation>> local =
        LocalValidation::Load(options.study_dir, options.require_study_profiles);
    if (!local.ok()) {
      std::cerr << "validate: cannot load the study: " << local.status() << "\n";
      return 2;
    }
    return ValidateFiles(options, [&](const v1::ValidateRequest& request,
                                      v1::ValidateResponse* response) {
      *response = (*local)->Validate(request);
      return grpc::Status::OK;
    });
  }
  auto stub = v1::Gateway::NewStub(MakeChannel(options.connection));
  return ValidateFiles(options, [&](const v1::ValidateRequest& request,
                                    v1::ValidateResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(5));
    return stub->Validate(&context, request, response);
  });
}

}  // namespace trialgate::cli
