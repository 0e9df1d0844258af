#include "gateway/identity/hmac_sha256.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "absl/strings/escaping.h"

namespace trialgate::identity {
namespace {

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "trialgate: OpenSSL cannot %s (HMAC-SHA256)\n", what);
  std::abort();
}

}  // namespace

struct HmacSha256::Keyed {
  uint64_t id = 0;  // tells this key's per-thread copies from another's at the same address
  EVP_MAC* mac = nullptr;
  EVP_MAC_CTX* context = nullptr;  // keyed; only ever copied, so shared by every thread
  ~Keyed() {
    EVP_MAC_CTX_free(context);
    EVP_MAC_free(mac);
  }
};

namespace {

// Each thread's copies of the keyed contexts it has used, reset to the keyed state before each
// message (EVP_MAC_init without a key keeps the key's pads): no allocation per message. A few
// keys at most are in use at once (the key and the previous one), so a short list will do.
class ThreadContexts {
 public:
  ~ThreadContexts() {
    for (const Entry& entry : entries_) EVP_MAC_CTX_free(entry.context);
  }
  EVP_MAC_CTX* For(uint64_t id, const EVP_MAC_CTX* keyed) {
    for (const Entry& entry : entries_) {
      if (entry.id == id) return entry.context;
    }
    if (entries_.size() == kMostKeys) {
      EVP_MAC_CTX_free(entries_.front().context);
      entries_.erase(entries_.begin());
    }
    EVP_MAC_CTX* copy = EVP_MAC_CTX_dup(keyed);
    if (copy == nullptr) Die("copy an HMAC context");
    entries_.push_back({id, copy});
    return copy;
  }

 private:
  static constexpr size_t kMostKeys = 4;
  struct Entry {
    uint64_t id;
    EVP_MAC_CTX* context;
  };
  std::vector<Entry> entries_;
};

std::atomic<uint64_t> next_key_id{1};

}  // namespace

HmacSha256::HmacSha256(absl::string_view key) : keyed_(std::make_unique<Keyed>()) {
  keyed_->id = next_key_id.fetch_add(1);
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
  thread_local ThreadContexts contexts;
  EVP_MAC_CTX* context = contexts.For(keyed_->id, keyed_->context);
  if (EVP_MAC_init(context, nullptr, 0, nullptr) != 1) Die("start an HMAC");
  for (absl::string_view piece : pieces) {
    if (EVP_MAC_update(context, reinterpret_cast<const unsigned char*>(piece.data()),
                       piece.size()) != 1) {
      Die("hash");
    }
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  size_t length = 0;
  if (EVP_MAC_final(context, digest, &length, sizeof(digest)) != 1) Die("finish an HMAC");
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), length));
}

}  // namespace trialgate::identity
