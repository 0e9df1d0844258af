#ifndef TRIALGATE_GATEWAY_SECURITY_SERVER_TLS_H_
#define TRIALGATE_GATEWAY_SECURITY_SERVER_TLS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/security/server_credentials.h"

namespace trialgate::security {

// A listener's TLS (config "tls"): its certificate chain and key, and the CA that signs the
// client certificates. Clients must present a certificate that CA signed (mutual TLS).
struct ServerTls {
  std::string cert_file;       // PEM: the server's certificate (chain)
  std::string key_file;        // PEM: its private key
  std::string client_ca_file;  // PEM: CA(s) trusted for client certificates

  bool configured() const { return !cert_file.empty(); }
};

// gRPC server credentials (OpenSSL underneath) for `tls`, requiring and verifying a client
// certificate. Errors name the file that cannot be read or is not PEM.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MutualTlsCredentials(const ServerTls& tls);

}  // namespace trialgate::security

#endif  // TRIALGATE_GATEWAY_SECURITY_SERVER_TLS_H_
