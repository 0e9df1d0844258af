#include "gateway/identity/hmac_sha256.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdio>
#include <cstdlib>

#include "absl/strings/escaping.h"

namespace trialgate::identity {
namespace {

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "trialgate: OpenSSL cannot %s (HMAC-SHA256)\n", what);
  std::abort();
}

}  // namespace

struct HmacSha256::Keyed {
  EVP_MAC* mac = nullptr;
  EVP_MAC_CTX* context = nullptr;  // keyed; only ever copied, so shared by every thread
  ~Keyed() {
    EVP_MAC_CTX_free(context);
    EVP_MAC_free(mac);
  }
};

HmacSha256::HmacSha256(absl::string_view key) : keyed_(std::make_unique<Keyed>()) {
  keyed_->mac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
  if (keyed_->mac == nullptr) Die("fetch HMAC");
  keyed_->context = EVP_MAC_CTX_new(keyed_->mac);
  if (keyed_->context == nullptr) Die("make an HMAC context");
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_END};
  if (EVP_MAC_init(keyed_->context, reinterpret_cast<const unsigned char*>(key.data()),
                   key.size(), params) != 1) {
    Die("key HMAC");
  }
}

HmacSha256::~HmacSha256() = default;

std::string HmacSha256::Hex(std::initializer_list<absl::string_view> pieces) const {
  EVP_MAC_CTX* context = EVP_MAC_CTX_dup(keyed_->context);
  if (context == nullptr) Die("copy an HMAC context");
  for (absl::string_view piece : pieces) {
    if (EVP_MAC_update(context, reinterpret_cast<const unsigned char*>(piece.data()),
                       piece.size()) != 1) {
      Die("hash");
    }
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  size_t length = 0;
  const int done = EVP_MAC_final(context, digest, &length, sizeof(digest));
  EVP_MAC_CTX_free(context);
  if (done != 1) Die("finish an HMAC");
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), length));
}

}  // namespace trialgate::identity
