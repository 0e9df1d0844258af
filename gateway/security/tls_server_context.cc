#include "gateway/security/tls_server_context.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "openssl/bio.h"
#include "openssl/err.h"
#include "openssl/x509v3.h"

namespace trialgate::security {
namespace {

std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  return text;
}

absl::Status FileError(const std::string& what, const std::string& path) {
  return absl::InvalidArgumentError(
      absl::StrCat("cannot use the ", what, " ", path, ": ", OpenSslError()));
}

std::string SubjectRfc2253(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return "";
  X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string subject(data, size > 0 ? static_cast<size_t>(size) : 0);
  BIO_free(bio);
  return subject;
}

std::string IpText(const ASN1_OCTET_STRING* ip) {
  const unsigned char* bytes = ASN1_STRING_get0_data(ip);
  const int length = ASN1_STRING_length(ip);
  if (length == 4) return absl::StrCat(bytes[0], ".", bytes[1], ".", bytes[2], ".", bytes[3]);
  std::string text;  // IPv6: full form, as gRPC prints it
  for (int i = 0; i + 1 < length; i += 2) {
    if (i > 0) text += ':';
    absl::StrAppend(&text, absl::Hex((bytes[i] << 8) | bytes[i + 1]));
  }
  return text;
}

std::vector<std::string> SubjectAltNames(X509* cert) {
  std::vector<std::string> names;
  auto* sans = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (sans == nullptr) return names;
  for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans, i);
    if (name->type == GEN_DNS || name->type == GEN_URI || name->type == GEN_EMAIL) {
      const ASN1_IA5STRING* text = name->d.ia5;
      names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)),
                         static_cast<size_t>(ASN1_STRING_length(text)));
    } else if (name->type == GEN_IPADD) {
      names.push_back(IpText(name->d.iPAddress));
    }
  }
  GENERAL_NAMES_free(sans);
  return names;
}

}  // namespace

absl::StatusOr<SslCtxPtr> MakeServerContext(const ServerTls& tls) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (ctx == nullptr) return absl::InternalError("cannot create a TLS context: " + OpenSslError());
  if (absl::Status status = ConfigureServerContext(ctx.get(), tls); !status.ok()) return status;
  return ctx;
}

absl::Status ConfigureServerContext(SSL_CTX* ctx, const ServerTls& tls) {
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (SSL_CTX_use_certificate_chain_file(ctx, tls.cert_file.c_str()) != 1) {
    return FileError("certificate (tls.certFile)", tls.cert_file);
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return FileError("private key (tls.keyFile)", tls.key_file);
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return FileError("private key (tls.keyFile), which does not match tls.certFile,", tls.key_file);
  }
  if (SSL_CTX_load_verify_locations(ctx, tls.client_ca_file.c_str(), nullptr) != 1) {
    return FileError("client CA (tls.clientCaFile)", tls.client_ca_file);
  }
  // Tell clients which CAs are accepted, and refuse a handshake without a valid certificate.
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(tls.client_ca_file.c_str());
  if (names != nullptr) SSL_CTX_set_client_CA_list(ctx, names);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  // Connections are long-lived and few: no session cache to leak or to tune.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(ctx, 0);
  return absl::OkStatus();
}

CertificateNames PeerCertificateNames(SSL* ssl) {
  CertificateNames names;
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return names;
  names.subject = SubjectRfc2253(cert);
  names.sans = SubjectAltNames(cert);
  X509_free(cert);
  return names;
}

}  // namespace trialgate::security
