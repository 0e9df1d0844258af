#include "gateway/registry_sink/registry_sink_server.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace trialgate::registry_sink {
namespace {

// Batches of events are well under this; gRPC's default of 4 MiB could refuse a large one.
constexpr int kMaxMessageBytes = 64 << 20;

}  // namespace

absl::StatusOr<std::unique_ptr<RegistrySinkServer>> RegistrySinkServer::Start(
    ServerOptions options) {
  std::unique_ptr<RegistrySinkServer> server(new RegistrySinkServer());
  absl::StatusOr<std::unique_ptr<JsonlEventSink>> sink = JsonlEventSink::Open(options.out_file);
  if (!sink.ok()) return sink.status();
  server->sink_ = *std::move(sink);
  server->service_ =
      std::make_unique<RegistrySinkService>(server->sink_.get(), std::move(options.on_publish));

  grpc::ServerBuilder builder;
  builder.AddListeningPort(
      options.listen,
      options.credentials ? options.credentials : grpc::InsecureServerCredentials(),
      &server->port_);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  // gRPC sets SO_REUSEPORT by default: a second sink on a taken port would start and share the
  // calls (and the events) with the first instead of failing.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.RegisterService(server->service_.get());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen, " (address in use or invalid?)"));
  }
  const size_t colon = options.listen.rfind(':');
  server->address_ = absl::StrCat(options.listen.substr(0, colon), ":", server->port_);
  return server;
}

void RegistrySinkServer::Shutdown() {
  if (server_ == nullptr) return;
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  server_->Wait();
  server_.reset();
}

}  // namespace trialgate::registry_sink
