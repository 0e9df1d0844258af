#ifndef TRIALGATE_GATEWAY_MLLP_TLS_SERVER_CONTEXT_H_
#define TRIALGATE_GATEWAY_MLLP_TLS_SERVER_CONTEXT_H_

#include <memory>

#include "absl/status/statusor.h"
#include "gateway/security/identity.h"
#include "gateway/security/server_tls.h"
#include "openssl/ssl.h"

// Mutual TLS for the gateway's own listeners (MLLP), from the same "tls" settings the gRPC
// listener uses, so one certificate, one client CA and one list of identities serve both.
namespace trialgate::mllp {

struct SslCtxDeleter {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxDeleter>;

// A server context: the certificate chain and key of `tls`, TLS 1.2 or later, and a client
// certificate required and verified against tls.client_ca_file. Errors name the file that
// cannot be used.
absl::StatusOr<SslCtxPtr> MakeServerContext(const security::ServerTls& tls);

// The verified client certificate's subject (RFC 2253, as gRPC reports it, so identities match
// on both listeners) and subject alternative names (DNS, URI, e-mail, IP). Empty without one.
security::CertificateNames PeerCertificateNames(SSL* ssl);

}  // namespace trialgate::mllp

#endif  // TRIALGATE_GATEWAY_MLLP_TLS_SERVER_CONTEXT_H_
