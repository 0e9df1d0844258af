#include "gateway/hl7v2/message_identity.h"

#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "openssl/evp.h"

namespace trialgate::hl7v2 {

std::string RawHeaderSegment(absl::string_view raw) {
  constexpr absl::string_view kUtf8Bom = "\xEF\xBB\xBF";
  if (absl::StartsWith(raw, kUtf8Bom)) raw.remove_prefix(kUtf8Bom.size());
  while (!raw.empty() && (raw.front() == '\r' || raw.front() == '\n')) raw.remove_prefix(1);
  raw = raw.substr(0, raw.find_first_of("\r\n"));
  if (!absl::StartsWith(raw, "MSH")) return "";
  return std::string(raw);
}

std::string RawSendingSystem(absl::string_view raw) {
  std::string header = RawHeaderSegment(raw);
  if (header.empty()) return "";
  absl::StatusOr<Message> message = Message::Parse(std::move(header));
  if (!message.ok()) return "";
  const std::string application = message->msh().Text(3, 1);
  const std::string facility = message->msh().Text(4, 1);
  if (application.empty() && facility.empty()) return "";
  return absl::StrCat(application, "@", facility);
}

std::string ContentDigest(const Message& message) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                   &EVP_MD_CTX_free);
  EVP_MD_CTX* sha = context.get();
  EVP_DigestInit_ex(sha, EVP_sha256(), nullptr);
  for (const Segment& segment : message.segments()) {
    EVP_DigestUpdate(sha, segment.name().data(), segment.name().size());
    for (int field = 1; field <= segment.field_count(); ++field) {
      // A field separator between fields keeps "A|BC" and "AB|C" apart.
      EVP_DigestUpdate(sha, "|", 1);
      if (segment.name() == "MSH" && field == 7) continue;
      const absl::string_view value = segment.RawField(field);
      EVP_DigestUpdate(sha, value.data(), value.size());
    }
    EVP_DigestUpdate(sha, "\r", 1);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(sha, digest, &length);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), length));
}

}  // namespace trialgate::hl7v2
