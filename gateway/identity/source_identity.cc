#include "gateway/identity/source_identity.h"

#include <openssl/evp.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace trialgate::identity {

std::string Sha256Hex(absl::string_view bytes) {
  // Fetched once: EVP_sha256() makes OpenSSL 3 look the algorithm up on every digest.
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, kSha256, nullptr);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), length));
}

std::string CompactJson(const rapidjson::Value& resource) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  resource.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string ContentSha256(const rapidjson::Value& resource) {
  return Sha256Hex(CompactJson(resource));
}

std::string ResourceKey(absl::string_view system, absl::string_view resource_type,
                        absl::string_view logical_id) {
  // Each part is length-prefixed, so no choice of ids can make two different sources collide.
  auto part = [](absl::string_view value) { return absl::StrCat(value.size(), ":", value, ";"); };
  return absl::StrCat(part(system), part(resource_type), part(logical_id));
}

std::string SourceKeyOf(absl::string_view resource_key, absl::string_view version_part) {
  return absl::StrCat(resource_key, version_part);
}

std::string SourceKey(absl::string_view system, absl::string_view resource_type,
                      absl::string_view logical_id, absl::string_view version_id,
                      absl::string_view content_sha256) {
  return SourceKeyOf(ResourceKey(system, resource_type, logical_id),
                     version_id.empty() ? absl::StrCat("sha256=", content_sha256)
                                        : absl::StrCat("version=", version_id));
}

std::string EventId(absl::string_view source_key, size_t index) {
  return absl::StrCat("ev-", Sha256Hex(absl::StrCat(source_key, "#", index)).substr(0, 32));
}

std::string PseudonymousEventId(const Pseudonymizer& pseudonymizer,
                                absl::string_view source_key, size_t index) {
  return absl::StrCat(
      "ev-", pseudonymizer.Digest("event-id", absl::StrCat(source_key, "#", index)).substr(0, 32));
}

}  // namespace trialgate::identity
