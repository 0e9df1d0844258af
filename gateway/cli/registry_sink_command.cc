#include <iostream>

#include "gateway/cli/commands.h"
#include "gateway/cli/server_process.h"
#include "gateway/registry_sink/registry_sink_server.h"
#include "gateway/security/server_tls.h"
#include "spdlog/spdlog.h"

namespace trialgate::cli {

int RunRegistrySink(const RegistrySinkOptions& options) {
  ServerProcess process("registry-sink");  // before gRPC starts any thread
  registry_sink::ServerOptions server_options;
  server_options.listen = options.listen;
  server_options.out_file = options.out;
  if (options.insecure) {
    spdlog::warn("INSECURE: --insecure given: the registry sink accepts events in PLAINTEXT from "
                 "anyone who can reach it. For local development only.");
  } else {
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
        security::MutualTlsCredentials({options.cert_file, options.key_file, options.client_ca_file});
    if (!credentials.ok()) {
      spdlog::error("cannot start: {}", credentials.status().ToString());
      return 1;
    }
    server_options.credentials = *std::move(credentials);
  }
  server_options.on_publish = [](const registry_sink::PublishSummary& summary) {
    spdlog::info("publish from '{}': {} events, {} new, {} duplicates, {} rejected",
                 summary.destination, summary.events, summary.kept, summary.duplicates,
                 summary.rejected);
  };
  absl::StatusOr<std::unique_ptr<registry_sink::RegistrySinkServer>> server =
      registry_sink::RegistrySinkServer::Start(std::move(server_options));
  if (!server.ok()) {
    spdlog::error("cannot start: {}", server.status().ToString());
    return 1;
  }
  const registry_sink::SinkRecovery& recovery = (*server)->recovery();
  if (recovery.torn_bytes > 0) {
    spdlog::warn(
        "{}: cut away a torn last line ({} bytes): the sink stopped mid-write, before "
        "acknowledging it, so its events will be sent again",
        options.out, recovery.torn_bytes);
  }
  spdlog::info("{} holds {} events; new ones are appended", options.out, recovery.events);
  // The one line on stdout, for scripts and tests that listen on port 0.
  std::cout << "trialgate registry-sink listening on " << (*server)->address() << std::endl;

  process.WaitForStopSignal();
  (*server)->Shutdown();
  spdlog::info("stopped");
  return 0;
}

}  // namespace trialgate::cli
