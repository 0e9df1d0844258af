#include <cstdio>
#include <iostream>

#include "gateway/cli/commands.h"
#include "gateway/cli/server_process.h"
#include "gateway/config/config.h"
#include "gateway/server/store_opener.h"
#include "gateway/server/gateway_server.h"
#include "spdlog/spdlog.h"

namespace trialgate::cli {

int RunServe(const ServeOptions& options) {
  ServerProcess process("trialgate");  // before gRPC starts any thread
  config::Config config;
  if (!options.config_file.empty()) {
    absl::StatusOr<config::Config> loaded = config::LoadConfigFile(options.config_file);
    if (!loaded.ok()) {
      spdlog::error("{}", loaded.status().ToString());
      return 2;
    }
    config = *std::move(loaded);
  }
  config::ApplyEnvironment(config);
  if (!options.listen.empty()) config.listen = options.listen;
  if (!options.mllp_listen.empty()) config.mllp.listen = options.mllp_listen;
  if (!options.http_listen.empty()) config.http.listen = options.http_listen;
  if (!options.data_dir.empty()) config.data_dir = options.data_dir;
  if (!options.store.empty()) config.store = options.store;
  config.insecure = options.insecure;

  absl::StatusOr<std::unique_ptr<server::GatewayServer>> server =
      server::GatewayServer::Start(config);
  if (!server.ok()) {
    spdlog::error("cannot start: {}", server.status().ToString());
    return 1;
  }
  if ((*server)->using_development_key()) {
    spdlog::warn(
        "using the generated development pseudonymisation key in {}/pseudonymisation.key: "
        "set pseudonymisationKeyFile in the config (or TRIALGATE_HMAC_KEY) for real data, and "
        "never lose it: patients cannot be matched to their enrolment without it",
        config.data_dir);
  }
  for (const std::string& warning : (*server)->definition_warnings()) spdlog::warn("{}", warning);
  for (const std::string& warning : (*server)->delivery_warnings()) spdlog::warn("{}", warning);
  for (const config::DestinationConfig& destination : config.destinations) {
    spdlog::info("forwarding to destination {} at {}{}", destination.name, destination.address,
                 destination.insecure ? " (plaintext: insecure)" : " (TLS)");
  }
  const std::string mllp = (*server)->mllp_address();
  const std::string http = (*server)->http_address();
  const std::string others = (mllp.empty() ? "" : ", for MLLP on " + mllp) +
                             (http.empty() ? "" : ", for HTTP on " + http);
  if (config.insecure) {
    spdlog::warn("INSECURE: --insecure given: listening on {}{} in PLAINTEXT, without TLS or "
                 "client identities; every caller may submit, read the feed and administer "
                 "delivery{}. For local development only, never with real patient data.",
                 (*server)->address(), others,
                 config.tls.configured() ? " (the config's \"tls\" is ignored)" : "");
  } else {
    spdlog::info("mutual TLS on {}{}: {} identities configured", (*server)->address(), others,
                 config.identities.size());
  }
  spdlog::info("study {} loaded; store {}", config.study, server::DescribeStore(config));
  // The lines on stdout, for scripts and tests that start the server on port 0; the gRPC line
  // comes last: once it is printed, everything listens.
  if (!mllp.empty()) std::cout << "trialgate mllp listening on " << mllp << std::endl;
  if (!http.empty()) std::cout << "trialgate http listening on " << http << std::endl;
  std::cout << "trialgate listening on " << (*server)->address() << std::endl;

  process.WaitForStopSignal();
  (*server)->Shutdown();
  spdlog::info("stopped");
  return 0;
}

}  // namespace trialgate::cli
