#ifndef TRIALGATE_GATEWAY_SECURITY_TLS_SERVER_CONTEXT_H_
#define TRIALGATE_GATEWAY_SECURITY_TLS_SERVER_CONTEXT_H_

#include <memory>

#include "absl/status/statusor.h"
#include "gateway/security/identity.h"
#include "gateway/security/server_tls.h"
#include "openssl/ssl.h"

// Mutual TLS for the gateway's own listeners (MLLP, HTTP), from the same "tls" settings the gRPC
// listener uses, so one certificate, one client CA and one list of identities serve them all.
namespace trialgate::security {

struct SslCtxDeleter {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxDeleter>;

// A server context: the certificate chain and key of `tls`, TLS 1.2 or later, and a client
// certificate required and verified against tls.client_ca_file. Errors name the file that
// cannot be used.
absl::StatusOr<SslCtxPtr> MakeServerContext(const ServerTls& tls);

// The same settings on a context made elsewhere (cpp-httplib's SSLServer makes its own).
absl::Status ConfigureServerContext(SSL_CTX* ctx, const ServerTls& tls);

// The verified client certificate's subject (RFC 2253, as gRPC reports it, so identities match
// on both listeners) and subject alternative names (DNS, URI, e-mail, IP). Empty without one.
CertificateNames PeerCertificateNames(SSL* ssl);

}  // namespace trialgate::security

#endif  // TRIALGATE_GATEWAY_SECURITY_TLS_SERVER_CONTEXT_H_
