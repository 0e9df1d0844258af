#include "gateway/delivery/publisher.h"

#include <fstream>
#include <mutex>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "trialgate/v1/registry.grpc.pb.h"

namespace trialgate::delivery {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  if (in) content << in.rdbuf();
  if (!in || content.str().empty()) {
    return absl::FailedPreconditionError(absl::StrCat("cannot read the ", what, " ", path));
  }
  return content.str();
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> Credentials(
    const config::DestinationConfig& destination) {
  if (destination.insecure) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions options;
  const std::string name = absl::StrCat("destination ", destination.name, ": ");
  if (!destination.tls.ca_file.empty()) {
    absl::StatusOr<std::string> ca = ReadPem(destination.tls.ca_file, name + "CA file");
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *ca;
  }
  if (!destination.tls.cert_file.empty()) {
    absl::StatusOr<std::string> cert = ReadPem(destination.tls.cert_file, name + "certificate");
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadPem(destination.tls.key_file, name + "key");
    if (!key.ok()) return key.status();
    options.pem_cert_chain = *cert;
    options.pem_private_key = *key;
  }
  return grpc::SslCredentials(options);
}

class GrpcPublisher final : public Publisher {
 public:
  GrpcPublisher(std::shared_ptr<grpc::Channel> channel)
      : stub_(v1::Registry::NewStub(std::move(channel))) {}

  grpc::Status Publish(const v1::PublishRequest& request, v1::PublishResponse* response,
                       std::chrono::milliseconds deadline) override {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + deadline);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (cancelled_) return grpc::Status(grpc::StatusCode::CANCELLED, "delivery stopping");
      in_flight_ = &context;
    }
    grpc::Status status = stub_->Publish(&context, request, response);
    std::lock_guard<std::mutex> lock(mu_);
    in_flight_ = nullptr;
    return status;
  }

  void Cancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    if (in_flight_ != nullptr) in_flight_->TryCancel();
  }

 private:
  std::unique_ptr<v1::Registry::Stub> stub_;
  std::mutex mu_;
  grpc::ClientContext* in_flight_ = nullptr;  // guarded by mu_
  bool cancelled_ = false;                    // guarded by mu_
};

}  // namespace

absl::StatusOr<std::unique_ptr<Publisher>> MakeGrpcPublisher(
    const config::DestinationConfig& destination) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      Credentials(destination);
  if (!credentials.ok()) return credentials.status();
  grpc::ChannelArguments arguments;
  if (!destination.tls.server_name.empty()) {
    arguments.SetSslTargetNameOverride(destination.tls.server_name);
  }
  // A receiver that went away is noticed and reconnected to quickly; the backoff between
  // attempts is ours (the worker's), not the channel's.
  arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  // Each destination gets its own connection.
  arguments.SetString("trialgate.destination", destination.name);
  return std::make_unique<GrpcPublisher>(
      grpc::CreateCustomChannel(destination.address, *credentials, arguments));
}

}  // namespace trialgate::delivery
