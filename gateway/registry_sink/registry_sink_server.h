#ifndef TRIALGATE_GATEWAY_REGISTRY_SINK_REGISTRY_SINK_SERVER_H_
#define TRIALGATE_GATEWAY_REGISTRY_SINK_REGISTRY_SINK_SERVER_H_

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gateway/registry_sink/jsonl_event_sink.h"
#include "gateway/registry_sink/registry_sink_service.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"

namespace trialgate::registry_sink {

struct ServerOptions {
  std::string listen = "127.0.0.1:50052";  // port 0 picks a free port (see port())
  std::filesystem::path out_file;
  std::function<void(const PublishSummary&)> on_publish;  // optional
  // The listener's credentials (e.g. security::MutualTlsCredentials); null: plaintext.
  std::shared_ptr<grpc::ServerCredentials> credentials;
};

// The reference receiver: a gRPC server with the Registry service, keeping what it is sent in
// a JSON-lines file (JsonlEventSink). `trialgate registry-sink` runs one; tests start it in
// their own process.
class RegistrySinkServer {
 public:
  // Opens the file, then listens. Errors say what to fix (the file, the address).
  static absl::StatusOr<std::unique_ptr<RegistrySinkServer>> Start(ServerOptions options);

  ~RegistrySinkServer() { Shutdown(); }

  int port() const { return port_; }
  // "host:port" actually listened on.
  const std::string& address() const { return address_; }
  const SinkRecovery& recovery() const { return sink_->recovery(); }
  const JsonlEventSink& sink() const { return *sink_; }

  // Stops accepting calls and lets running ones finish (cancelled after a few seconds).
  // Idempotent.
  void Shutdown();

 private:
  RegistrySinkServer() = default;

  int port_ = 0;
  std::string address_;
  std::unique_ptr<JsonlEventSink> sink_;
  std::unique_ptr<RegistrySinkService> service_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace trialgate::registry_sink

#endif  // TRIALGATE_GATEWAY_REGISTRY_SINK_REGISTRY_SINK_SERVER_H_
